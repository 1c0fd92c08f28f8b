using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Integration;

/// <summary>
/// Aggregated discovery (apidiscovery.k8s.io/v2) answers kubectl's first request with the same resources as the
/// legacy documents, and the dev cluster's README lists exactly what discovery says is served.
/// </summary>
public sealed partial class AggregatedDiscoveryTests(DevServer dev) : IClassFixture<DevServer>
{
    // The Accept header kubectl 1.35 sends to /api and /apis.
    private const string KubectlAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

    private async Task<(string ContentType, JsonObject Body)> AggregatedAsync(string path)
    {
        using var http = dev.NewHttpClient(dev.Server.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", KubectlAccept);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (response.Content.Headers.ContentType!.ToString(), JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    // group/version -> resource -> subresources, read from the aggregated documents.
    private async Task<SortedDictionary<string, SortedDictionary<string, string>>> ServedAsync()
    {
        var served = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var path in new[] { "/api", "/apis" })
        {
            var (_, list) = await AggregatedAsync(path);
            foreach (var group in list["items"]!.AsArray())
            {
                var name = (string?)group!["metadata"]!["name"] ?? "";
                foreach (var version in group["versions"]!.AsArray())
                {
                    var groupVersion = name.Length == 0 ? (string)version!["version"]! : $"{name}/{version!["version"]}";
                    served[groupVersion] = new SortedDictionary<string, string>(
                        version["resources"]!.AsArray().ToDictionary(
                            r => (string)r!["resource"]!,
                            r => string.Join(", ", (r!["subresources"]?.AsArray() ?? []).Select(s => (string)s!["subresource"]!).Order(StringComparer.Ordinal))),
                        StringComparer.Ordinal);
                }
            }
        }

        return served;
    }

    [Fact]
    public async Task KubectlsAcceptHeader_GetsTheV2List_WithThePreferredVersionFirst()
    {
        var (contentType, apis) = await AggregatedAsync("/apis");
        var (_, core) = await AggregatedAsync("/api");

        contentType.Replace(" ", "", StringComparison.Ordinal).ShouldBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        ((string?)apis["kind"]).ShouldBe("APIGroupDiscoveryList");
        ((string?)apis["apiVersion"]).ShouldBe("apidiscovery.k8s.io/v2");
        var autoscaling = apis["items"]!.AsArray().Single(g => (string?)g!["metadata"]!["name"] == "autoscaling")!;
        autoscaling["versions"]!.AsArray().Select(v => (string?)v!["version"]).ShouldBe(["v2", "v1"]);
        var deployments = apis["items"]!.AsArray().Single(g => (string?)g!["metadata"]!["name"] == "apps")!["versions"]![0]!["resources"]!.AsArray().Single(r => (string?)r!["resource"] == "deployments")!;
        ((string?)deployments["scope"]).ShouldBe("Namespaced");
        ((string?)deployments["responseKind"]!["kind"]).ShouldBe("Deployment");
        var scale = deployments["subresources"]!.AsArray().Single(s => (string?)s!["subresource"] == "scale")!;
        ((string?)scale["responseKind"]!["group"], (string?)scale["responseKind"]!["kind"]).ShouldBe(("autoscaling", "Scale"));
        var pods = core["items"]!.AsArray().ShouldHaveSingleItem()!["versions"]![0]!["resources"]!.AsArray().Single(r => (string?)r!["resource"] == "pods")!;
        pods["subresources"]!.AsArray().Select(s => (string?)s!["subresource"]).ShouldBe(["status", "log", "binding", "exec", "attach", "portforward", "proxy"], ignoreOrder: true);
    }

    [Fact]
    public async Task TheAggregatedList_NamesTheSameResources_AsTheLegacyDocuments()
    {
        var served = await ServedAsync();

        foreach (var (groupVersion, resources) in served)
        {
            var legacy = await dev.OkAsync(HttpMethod.Get, groupVersion.Contains('/', StringComparison.Ordinal) ? $"/apis/{groupVersion}" : $"/api/{groupVersion}");
            var names = legacy["resources"]!.AsArray().Select(r => (string)r!["name"]!).Order(StringComparer.Ordinal).ToList();
            var aggregated = resources.SelectMany(r => new[] { r.Key }.Concat(r.Value.Split(", ", StringSplitOptions.RemoveEmptyEntries).Select(s => $"{r.Key}/{s}"))).Order(StringComparer.Ordinal).ToList();
            aggregated.ShouldBe(names, $"{groupVersion}: aggregated and legacy discovery differ");
        }
    }

    [Fact]
    public async Task TheReadme_ListsExactlyWhatDiscoverySaysIsServed()
    {
        var served = await ServedAsync();
        var readme = File.ReadAllText(RepoPaths.Of("src", "MoeOperator.DevCluster", "README.md"));

        var listed = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (Match row in ReadmeRow().Matches(readme))
        {
            listed[row.Groups["gv"].Value] = new SortedDictionary<string, string>(
                ReadmeResource().Matches(row.Groups["resources"].Value).ToDictionary(
                    m => m.Groups["name"].Value,
                    m => string.Join(", ", m.Groups["subs"].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))),
                StringComparer.Ordinal);
        }

        listed.ShouldNotBeEmpty("the README's API resources table");
        Describe(listed).ShouldBe(Describe(served), "src/MoeOperator.DevCluster/README.md, API resources: list what discovery serves");
    }

    private static string Describe(SortedDictionary<string, SortedDictionary<string, string>> resources) =>
        string.Join("\n", resources.Select(gv => $"{gv.Key}: {string.Join("; ", gv.Value.Select(r => r.Value.Length == 0 ? r.Key : $"{r.Key} ({r.Value})"))}"));

    [GeneratedRegex(@"^\| (?<gv>[a-z0-9.]*/?v[0-9a-z]+) \| (?<resources>[^|]+) \|$", RegexOptions.Multiline)]
    private static partial Regex ReadmeRow();

    [GeneratedRegex(@"(?<name>[a-z]+)(?: \((?<subs>[a-z, ]+)\))?")]
    private static partial Regex ReadmeResource();
}
