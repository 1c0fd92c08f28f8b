using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Semantics;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>How the cluster's components delete what they read earlier in a pass.</summary>
public sealed class ClusterApiTests
{
    private readonly ClusterApi _api = new(new ResourceService(new ObjectStore(), new ResourceCatalog(), TimeProvider.System), "kubelet");

    private JsonObject CreatePod(string name) => _api.Create("pods", new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i" }) },
    });

    [Fact]
    public void DeleteExact_OfAStaleCopy_LeavesTheNewerPodOfThatNameAlone()
    {
        var old = CreatePod("rank-0");
        _api.DeleteExact("pods", old, gracePeriodSeconds: 0);
        var replacement = CreatePod("rank-0");

        // A kubelet pass that read the old pod before it went finishes winding it down after its controller
        // re-created the name: deleting by name alone would take the new pod with it.
        _api.DeleteExact("pods", old, gracePeriodSeconds: 0);

        var current = _api.Get("pods", "default", "rank-0").ShouldNotBeNull("the new pod survives");
        ((string?)current["metadata"]!["uid"]).ShouldBe((string?)replacement["metadata"]!["uid"]);
        _api.DeleteExact("pods", replacement, gracePeriodSeconds: 0);
        _api.Get("pods", "default", "rank-0").ShouldBeNull();
        Should.NotThrow(() => _api.DeleteExact("pods", replacement, gracePeriodSeconds: 0), "deleting what is gone is fine");
    }
}
