using System.Net;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Integration;

public sealed class PatchTests(DevServer dev) : IClassFixture<DevServer>
{
    private static JsonObject Deployment() => JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[
             {"name":"app","image":"app:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80}]},
             {"name":"sidecar","image":"side:1"}]}}}}
        """)!.AsObject();

    private async Task<string> DeploymentAsync()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/apis/apps/v1/namespaces/{ns}/deployments", Deployment());
        return ns;
    }

    [Fact]
    public async Task StrategicMergePatch_MergesContainersAndEnvByName()
    {
        var ns = await DeploymentAsync();

        var patched = await dev.OkAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/deployments/web", JsonNode.Parse("""
            {"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}]}]}}}}
            """), "application/strategic-merge-patch+json");

        var containers = patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers.Select(c => $"{c!["name"]}={c["image"]}").ShouldBe(["app=app:2", "sidecar=side:1"]);
        containers[0]!["env"]!.AsArray().Select(e => $"{e!["name"]}={e["value"]}").ShouldBe(["A=1", "B=20", "C=3"]);
        containers[0]!["ports"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task StrategicMergePatch_DeleteDirective_RemovesOneContainer()
    {
        var ns = await DeploymentAsync();

        var patched = await dev.OkAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/deployments/web", JsonNode.Parse("""
            {"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}
            """), "application/strategic-merge-patch+json");

        patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => (string?)c!["name"]).ShouldBe(["app"]);
    }

    [Fact]
    public async Task MergePatch_ReplacesListsWhole()
    {
        var ns = await DeploymentAsync();

        var patched = await dev.OkAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/deployments/web", JsonNode.Parse("""
            {"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"only","image":"x"}]}}}}
            """), "application/merge-patch+json");

        ((int)patched["spec"]!["replicas"]!).ShouldBe(3);
        patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => (string?)c!["name"]).ShouldBe(["only"]);
    }

    [Fact]
    public async Task JsonPatch_AppliesOperationsInOrder_AndAFailedTestRejectsAll()
    {
        var ns = await DeploymentAsync();
        var path = $"/apis/apps/v1/namespaces/{ns}/deployments/web";

        var patched = await dev.OkAsync(HttpMethod.Patch, path, JsonNode.Parse("""
            [{"op":"replace","path":"/spec/replicas","value":5},{"op":"add","path":"/metadata/labels","value":{"tier":"front"}},
             {"op":"remove","path":"/spec/template/spec/containers/1"}]
            """), "application/json-patch+json");
        var (failed, _) = await dev.SendAsync(HttpMethod.Patch, path, JsonNode.Parse("""
            [{"op":"replace","path":"/spec/replicas","value":9},{"op":"test","path":"/spec/replicas","value":1}]
            """), "application/json-patch+json");

        ((int)patched["spec"]!["replicas"]!).ShouldBe(5);
        ((string?)patched["metadata"]!["labels"]!["tier"]).ShouldBe("front");
        patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Count.ShouldBe(1);
        failed.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ((int)(await dev.OkAsync(HttpMethod.Get, path))["spec"]!["replicas"]!).ShouldBe(5);
    }

    [Fact]
    public async Task ApplyPatch_CreatesThenUpdates_AndDropsWhatTheManagerNoLongerApplies()
    {
        var ns = await dev.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps/applied?fieldManager=test";

        var created = await dev.OkAsync(HttpMethod.Patch, path, JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"a":"1"}}"""), "application/apply-patch+yaml");
        var updated = await dev.OkAsync(HttpMethod.Patch, path, JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"b":"2"}}"""), "application/apply-patch+yaml");

        ((string?)created["data"]!["a"]).ShouldBe("1");
        updated["data"]!.ToJsonString().ShouldBe("""{"b":"2"}""");
        var entry = updated["metadata"]!["managedFields"]!.AsArray().Single()!;
        ((string?)entry["manager"]).ShouldBe("test");
        ((string?)entry["operation"]).ShouldBe("Apply");
        entry["fieldsV1"]!.ToJsonString().ShouldBe("""{"f:data":{"f:b":{}}}""");
    }

    [Fact]
    public async Task ApplyThroughStatus_OwnsOnlyStatusFields_AndLeavesTheSpec()
    {
        var ns = await DeploymentAsync();

        var applied = await dev.OkAsync(
            HttpMethod.Patch,
            $"/apis/apps/v1/namespaces/{ns}/deployments/web/status?fieldManager=reporter",
            JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":9},"status":{"observedGeneration":1}}"""),
            "application/apply-patch+yaml");

        ((int?)applied["spec"]!["replicas"]).ShouldBe(1, "an apply through /status changes no spec");
        ((int?)applied["status"]!["observedGeneration"]).ShouldBe(1);
        var entry = applied["metadata"]!["managedFields"]!.AsArray().Single(e => (string?)e!["manager"] == "reporter")!;
        ((string?)entry["subresource"]).ShouldBe("status");
        entry["fieldsV1"]!.ToJsonString().ShouldBe("""{"f:status":{"f:observedGeneration":{}}}""");
    }

    [Theory]
    [InlineData("/api/v1/namespaces/{0}/configmaps/c", "application/apply-patch+yaml", """{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}""", 422, "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")]
    [InlineData("/api/v1/namespaces/{0}/configmaps/c?fieldManager=m&force=true", "application/merge-patch+json", """{"data":{"a":"1"}}""", 422, "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden value: may not be specified for non-apply patch")]
    [InlineData("/api/v1/namespaces/{0}/configmaps/c?fieldManager=m", "application/apply-patch+yaml", """{"apiVersion":"v2","kind":"ConfigMap","data":{"a":"1"}}""", 400, "Incorrect version specified in apply patch. Specified patch version: v2, expected: v1")]
    public async Task ApplyPatch_RefusesWhatTheRealServerRefuses(string pathFormat, string contentType, string body, int code, string message)
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", JsonNode.Parse("""{"metadata":{"name":"c"}}"""));

        var (status, answer) = await dev.SendAsync(HttpMethod.Patch, string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, ns), JsonNode.Parse(body), contentType);

        ((int)status).ShouldBe(code);
        ((string?)answer!["message"]).ShouldBe(message);
    }

    [Fact]
    public async Task Writes_AreOwnedByTheirFieldManagerOrUserAgent_AndAnUpdateTakesWhatItChanges()
    {
        var ns = await dev.NewNamespaceAsync();
        var created = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps?fieldManager=maker", JsonNode.Parse("""{"metadata":{"name":"c","labels":{"app":"x"}},"data":{"a":"1"}}"""));
        var patched = await dev.OkAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/c?fieldManager=tweaker", JsonNode.Parse("""{"data":{"a":"2","b":"3"}}"""), "application/merge-patch+json");

        var maker = created["metadata"]!["managedFields"]![0]!;
        ((string?)maker["operation"]).ShouldBe("Update");
        JsonNode.DeepEquals(maker["fieldsV1"], JsonNode.Parse("""{"f:data":{".":{},"f:a":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}""")).ShouldBeTrue(maker["fieldsV1"]!.ToJsonString());
        var entries = patched["metadata"]!["managedFields"]!.AsArray();
        JsonNode.DeepEquals(entries.Single(e => (string?)e!["manager"] == "maker")!["fieldsV1"], JsonNode.Parse("""{"f:data":{},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}""")).ShouldBeTrue("an update takes the fields it changes");
        JsonNode.DeepEquals(entries.Single(e => (string?)e!["manager"] == "tweaker")!["fieldsV1"], JsonNode.Parse("""{"f:data":{"f:a":{},"f:b":{}}}""")).ShouldBeTrue();

        using var client = dev.NewHttpClient(dev.Server.Token);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("labeller/1.2 (linux)");
        using var unnamed = new StringContent("""{"metadata":{"labels":{"tier":"db"}}}""", System.Text.Encoding.UTF8, "application/merge-patch+json");
        (await client.PatchAsync($"/api/v1/namespaces/{ns}/configmaps/c", unnamed)).EnsureSuccessStatusCode();
        var labelled = await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/c");
        labelled["metadata"]!["managedFields"]!.AsArray().Select(e => (string?)e!["manager"]).ShouldContain("labeller", "without a fieldManager a write is its user agent's program's");
    }

    [Fact]
    public async Task StrategicMergePatch_OnACustomResource_Is415()
    {
        await dev.InstallCrdsAsync();
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{ns}/epgroups", Objects.EPGroup("g"));

        var (status, _) = await dev.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{ns}/epgroups/g", JsonNode.Parse("""{"spec":{"ranks":8}}"""), "application/strategic-merge-patch+json");

        status.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task ScaleSubresource_ReadsAndSetsReplicas()
    {
        var ns = await DeploymentAsync();
        var path = $"/apis/apps/v1/namespaces/{ns}/deployments/web/scale";

        var scale = await dev.OkAsync(HttpMethod.Get, path);
        await dev.OkAsync(HttpMethod.Patch, path, JsonNode.Parse("""{"spec":{"replicas":4}}"""), "application/merge-patch+json");

        ((string?)scale["kind"]).ShouldBe("Scale");
        ((int)scale["spec"]!["replicas"]!).ShouldBe(1);
        ((int)(await dev.OkAsync(HttpMethod.Get, $"/apis/apps/v1/namespaces/{ns}/deployments/web"))["spec"]!["replicas"]!).ShouldBe(4);
    }
}
