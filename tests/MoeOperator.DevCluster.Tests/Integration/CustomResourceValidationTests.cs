using System.Net;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Integration;

public sealed class CustomResourceValidationTests(DevServer dev) : IClassFixture<DevServer>
{
    private async Task<string> PathAsync()
    {
        await dev.InstallCrdsAsync();
        return $"/apis/moe.dev/v1alpha1/namespaces/{await dev.NewNamespaceAsync()}/epgroups";
    }

    [Fact]
    public async Task Create_AppliesSchemaDefaults()
    {
        var created = await dev.OkAsync(HttpMethod.Post, await PathAsync(), Objects.EPGroup("g"));

        ((string?)created["spec"]!["transport"]!["backend"]).ShouldBe("Auto");
        ((int)created["spec"]!["transport"]!["communicationSMs"]!).ShouldBe(20);
        ((double)created["spec"]!["eplb"]!["minImbalance"]!).ShouldBe(1.1);
    }

    [Fact]
    public async Task Create_BreakingTheSchema_Is422WithFieldCauses()
    {
        var bad = Objects.EPGroup("g");
        bad["spec"]!["ranks"] = 0;
        bad["spec"]!["transport"] = new JsonObject { ["backend"] = "Carrier-Pigeon" };

        var (status, body) = await dev.SendAsync(HttpMethod.Post, await PathAsync(), bad);

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ((string?)body!["reason"]).ShouldBe("Invalid");
        ((string?)body["message"]).ShouldStartWith("EPGroup.moe.dev \"g\" is invalid: [");
        body["details"]!["causes"]!.AsArray().Select(c => (string?)c!["field"]).ShouldBe(["spec.ranks", "spec.transport.backend"], ignoreOrder: true);
        body["details"]!["causes"]!.AsArray().Select(c => (string?)c!["reason"]).ShouldContain("FieldValueNotSupported");
    }

    [Fact]
    public async Task Create_BreakingACelRule_Is422NamingTheField()
    {
        var bad = Objects.EPGroup("g", ranks: 3);

        var (status, body) = await dev.SendAsync(HttpMethod.Post, await PathAsync(), bad);

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ((string?)body!["message"])!.ShouldContain("spec.ranks: Invalid value: \"object\": ranks must be a multiple of ranksPerNode");
    }

    [Fact]
    public async Task Update_BreakingACelRule_IsRefusedAndChangesNothing()
    {
        var path = await PathAsync();
        await dev.OkAsync(HttpMethod.Post, path, Objects.EPGroup("g"));

        var (status, _) = await dev.SendAsync(HttpMethod.Patch, $"{path}/g", JsonNode.Parse("""{"spec":{"ranks":3}}"""), "application/merge-patch+json");

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ((int)(await dev.OkAsync(HttpMethod.Get, $"{path}/g"))["spec"]!["ranks"]!).ShouldBe(4);
    }

    [Fact]
    public async Task UnknownField_IsPrunedWithAWarning_OrRefusedUnderStrictValidation()
    {
        var path = await PathAsync();
        var withTypo = Objects.EPGroup("g");
        withTypo["spec"]!["rankz"] = 4;

        var pruned = await dev.OkAsync(HttpMethod.Post, path, withTypo);
        withTypo["metadata"]!["name"] = "strict";
        var (strict, strictBody) = await dev.SendAsync(HttpMethod.Post, path + "?fieldValidation=Strict", withTypo);

        pruned["spec"]!["rankz"].ShouldBeNull();
        strict.ShouldBe(HttpStatusCode.BadRequest);
        ((string?)strictBody!["message"])!.ShouldContain("unknown field \"spec.rankz\"");
    }

    [Fact]
    public async Task Crd_WithoutASchema_IsRefused()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget"},
                     "versions":[{"name":"v1","served":true,"storage":true}]}}
            """);

        var (status, body) = await dev.SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ((string?)body!["message"])!.ShouldContain("spec.versions[0].schema.openAPIV3Schema: Required value");
    }

    [Fact]
    public async Task Crd_WhenCreated_IsEstablishedAndServed()
    {
        await dev.InstallCrdsAsync();

        var crd = await dev.OkAsync(HttpMethod.Get, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/epgroups.moe.dev");

        crd["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Established")!["status"]!.GetValue<string>().ShouldBe("True");
        (await dev.SendAsync(HttpMethod.Get, "/apis/moe.dev/v1alpha1/epgroups")).Status.ShouldBe(HttpStatusCode.OK);
    }
}
