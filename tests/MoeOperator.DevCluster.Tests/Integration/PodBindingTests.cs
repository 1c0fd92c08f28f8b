using System.Net;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Integration;

/// <summary>POST pods/{name}/binding, as a scheduler binds: one write, the real server's refusals.</summary>
public sealed class PodBindingTests(DevServer dev) : IClassFixture<DevServer>
{
    private static JsonObject Pod(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["schedulerName"] = "gang", ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "example.com/app:1" }) },
    };

    private static JsonObject Binding(string name, string? uid, string node) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Binding",
        ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = uid, ["annotations"] = new JsonObject { ["example.com/placed-by"] = "gang" } },
        ["target"] = new JsonObject { ["kind"] = "Node", ["name"] = node },
    };

    [Fact]
    public async Task ABinding_SetsTheNodePodScheduledAndItsAnnotations_InOneWrite_WithoutAFieldManager()
    {
        var ns = await dev.NewNamespaceAsync();
        var created = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("p"));
        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/pods?watch=true&resourceVersion={created["metadata"]!["resourceVersion"]}");

        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/p/binding", Binding("p", (string?)created["metadata"]!["uid"], "node-1"));

        var first = (await watch.NextAsync())!;
        ((string?)first["type"]).ShouldBe("MODIFIED");
        var bound = first["object"]!;
        ((string?)bound["spec"]!["nodeName"]).ShouldBe("node-1");
        bound["status"]!["conditions"]!.AsArray().ShouldContain(c => (string?)c!["type"] == "PodScheduled" && (string?)c["status"] == "True", "the first change after the binding carries the condition too");
        ((string?)bound["metadata"]!["annotations"]!["example.com/placed-by"]).ShouldBe("gang");
        JsonNode.DeepEquals(bound["metadata"]!["managedFields"], created["metadata"]!["managedFields"]).ShouldBeTrue("no field manager takes part in a binding");
    }

    [Fact]
    public async Task ABoundPod_AnotherPodOfTheName_AndAPodBeingDeleted_AreRefusedWith409()
    {
        var ns = await dev.NewNamespaceAsync();
        var created = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("p"));
        var uid = (string?)created["metadata"]!["uid"];

        var stranger = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/p/binding", Binding("p", "another-uid", "node-1"));
        stranger.Status.ShouldBe(HttpStatusCode.Conflict);
        ((string?)stranger.Body!["message"] ?? "").ShouldContain("Precondition failed: UID in precondition: another-uid");

        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/p/binding", Binding("p", uid, "node-1"));
        var again = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/p/binding", Binding("p", uid, "node-2"));
        again.Status.ShouldBe(HttpStatusCode.Conflict);
        ((string?)again.Body!["message"]).ShouldBe("Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"node-1\"");

        var held = Pod("held");
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", held);
        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/held");
        var deleting = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/held/binding", Binding("held", null, "node-1"));
        deleting.Status.ShouldBe(HttpStatusCode.Conflict);
        ((string?)deleting.Body!["message"] ?? "").ShouldContain("is being deleted, cannot be assigned to a host");
    }
}
