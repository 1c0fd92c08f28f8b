using System.Net;

namespace MoeOperator.DevCluster.Tests.Integration;

public sealed class ListTests(DevServer dev) : IClassFixture<DevServer>
{
    private async Task<string> SeedAsync()
    {
        var ns = await dev.NewNamespaceAsync();
        foreach (var (name, team) in new[] { ("a", "ep"), ("b", "tfs"), ("c", "ep"), ("d", ""), ("e", "tj") })
        {
            var labels = team.Length == 0 ? null : new Dictionary<string, string> { ["team"] = team };
            await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap(name, labels));
        }

        return ns;
    }

    private async Task<List<string>> NamesAsync(string path) =>
        [.. (await dev.OkAsync(HttpMethod.Get, path))["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!)];

    [Theory]
    [InlineData("team%3Dep", new[] { "a", "c" })]
    [InlineData("team!%3Dep", new[] { "b", "d", "e" })]
    [InlineData("team+in+(tfs,tj)", new[] { "b", "e" })]
    [InlineData("team+notin+(ep)", new[] { "b", "d", "e" })]
    [InlineData("team", new[] { "a", "b", "c", "e" })]
    [InlineData("!team", new[] { "d" })]
    public async Task List_WithALabelSelector_ReturnsTheMatchingObjects(string selector, string[] expected)
    {
        var ns = await SeedAsync();

        (await NamesAsync($"/api/v1/namespaces/{ns}/configmaps?labelSelector={selector}")).ShouldBe(expected);
    }

    [Fact]
    public async Task List_WithFieldSelectors_FiltersByNameAndNamespace()
    {
        var ns = await SeedAsync();

        (await NamesAsync($"/api/v1/namespaces/{ns}/configmaps?fieldSelector=metadata.name%3Dc")).ShouldBe(["c"]);
        (await NamesAsync($"/api/v1/configmaps?fieldSelector=metadata.namespace%3D{ns},metadata.name!%3Dc")).ShouldBe(["a", "b", "d", "e"]);
    }

    [Fact]
    public async Task List_WithABadSelector_Is400()
    {
        var ns = await SeedAsync();

        (await dev.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?labelSelector=team+in+ep")).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task List_WithALimit_PagesThroughEveryObjectOnce()
    {
        var ns = await SeedAsync();
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?limit=2" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}"));
            names.AddRange(page["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            token = (string?)page["metadata"]!["continue"];
            if (token is not null)
            {
                ((int)page["metadata"]!["remainingItemCount"]!).ShouldBe(5 - names.Count);
            }

            pages++;
        }
        while (token is not null);

        names.ShouldBe(["a", "b", "c", "d", "e"]);
        pages.ShouldBe(3);
    }

    [Fact]
    public async Task List_CarriesTheListKindAndAResourceVersion()
    {
        var ns = await SeedAsync();

        var list = await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");

        ((string?)list["kind"]).ShouldBe("ConfigMapList");
        ((string?)list["metadata"]!["resourceVersion"]).ShouldNotBeNullOrEmpty();
    }
}
