using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Semantics;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>How the cluster's components read the cluster (caches that copy only what changed) and delete what they read earlier in a pass.</summary>
public sealed class ClusterApiTests
{
    private readonly ClusterApi _api = new(new ResourceService(new ObjectStore(), new ResourceCatalog(), TimeProvider.System), "kubelet");

    private JsonObject CreatePod(string name, string ns = "default") => _api.Create("pods", new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
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

    [Fact]
    public void Refresh_CopiesWhatChanged_KeepsTheSameCopyOfWhatDidNot_AndDropsWhatWent()
    {
        foreach (var ns in new[] { "a", "b" })
        {
            _api.Create("namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        var cache = _api.Cache("pods");
        CreatePod("p1", "b");
        CreatePod("p2", "a");
        var changed = CreatePod("p1", "a");

        cache.Refresh().ShouldBe([("a", "p1"), ("a", "p2"), ("b", "p1")], ignoreOrder: true);
        cache.Items.Select(p => $"{p["metadata"]!["namespace"]}/{p["metadata"]!["name"]}").ShouldBe(["a/p1", "a/p2", "b/p1"], "in the store's namespace and name order");
        var untouched = cache.Find("a", "p2");
        changed["metadata"]!["labels"] = new JsonObject { ["role"] = "rank" };
        _api.Update("pods", changed);
        _api.DeleteExact("pods", cache.Find("b", "p1")!, gracePeriodSeconds: 0);

        cache.Refresh().ShouldBe([("a", "p1"), ("b", "p1")], ignoreOrder: true);
        cache.Find("a", "p2").ShouldBeSameAs(untouched, "an unchanged object is not copied again");
        ((string?)cache.Find("a", "p1")!["metadata"]!["labels"]!["role"]).ShouldBe("rank");
        cache.Find("b", "p1").ShouldBeNull();
        cache.Refresh().ShouldBeEmpty("nothing changed since");
    }

    [Fact]
    public void Refresh_AfterItsWatchWasClosedOrPaused_CopiesEverythingAgain_AndMissesNothing()
    {
        var cache = _api.Cache("pods");
        var first = CreatePod("p1");
        cache.Refresh();

        _api.Service.Store.CloseWatches("pods");
        first["metadata"]!["labels"] = new JsonObject { ["after"] = "close" };
        _api.Update("pods", first);
        CreatePod("p2");

        cache.Refresh().ShouldBe([("default", "p1"), ("default", "p2")], ignoreOrder: true);
        ((string?)cache.Find("default", "p1")!["metadata"]!["labels"]!["after"]).ShouldBe("close");
        cache.Pause();
        _api.DeleteExact("pods", cache.Find("default", "p2")!, gracePeriodSeconds: 0);
        cache.Refresh().ShouldBe([("default", "p2")]);
        cache.Items.ShouldHaveSingleItem();
    }

    [Fact]
    public void Refresh_OfAResourceWithNoObjects_IsEmpty_AndClusterScopedObjectsAreFoundWithoutANamespace()
    {
        _api.Cache("nodes").Refresh().ShouldBeEmpty();
        _api.Create("nodes", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["metadata"] = new JsonObject { ["name"] = "n1" } });
        var nodes = _api.Cache("nodes");

        nodes.Refresh().ShouldHaveSingleItem();

        nodes.Find(null, "n1").ShouldNotBeNull();
    }
}
