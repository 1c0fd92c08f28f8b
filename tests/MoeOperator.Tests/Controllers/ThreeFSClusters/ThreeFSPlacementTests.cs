using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

public sealed class ThreeFSPlacementTests
{
    private static JsonObject Node(string name, string? ip, bool ready = true, string? label = null) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = label is null ? new JsonObject() : new JsonObject { [label] = "true" } },
        ["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            ["addresses"] = ip is null ? new JsonArray() : new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = ip }),
        },
    };

    private static ThreeFSClusterSpec Spec(int storage) => ThreeFSSamples.Spec(ThreeFSSamples.Resource("threefscluster-minimal.yaml", c => c["spec"]!["storage"]!["replicas"] = storage));

    private static readonly JsonObject[] _nodes = [Node("a", "10.0.0.1"), Node("b", "10.0.0.2"), Node("c", "10.0.0.3"), Node("d", "10.0.0.4")];

    [Fact]
    public void Daemons_SpreadOverNodes_WithUpstreamIds_AndTheirNodesAddresses()
    {
        var result = ThreeFSPlacement.Place(Spec(3), _nodes, []);

        result.Reason.ShouldBeNull();
        result.Members.Select(m => (m.Component, m.NodeId, m.Node, m.Address)).ShouldBe(
        [
            ("mgmtd", 1, "a", "10.0.0.1"),
            ("meta", 100, "b", "10.0.0.2"),
            ("storage", 10001, "c", "10.0.0.3"),
            ("storage", 10002, "d", "10.0.0.4"),
            ("storage", 10003, "a", "10.0.0.1"),
        ]);
    }

    [Fact]
    public void PlacedMembers_KeepTheirNodesAndIds_AndNewOnesTakeTheNextId()
    {
        var first = ThreeFSPlacement.Place(Spec(3), _nodes, []).Members;

        var spec = Spec(3);
        spec.Storage.Replicas = 4;
        var grown = ThreeFSPlacement.Place(spec, _nodes, first);

        grown.Reason.ShouldBeNull();
        grown.Members.Take(first.Count).ShouldBe(first);
        grown.Members[^1].ShouldBe(new ThreeFSMember { Component = "storage", NodeId = 10004, Node = "b", Address = "10.0.0.2" });
    }

    [Fact]
    public void NodesThatAreNotReadyOrHaveNoIpv4_DoNotQualify_AndTheReasonCountsThem()
    {
        var result = ThreeFSPlacement.Place(Spec(3), [Node("a", "10.0.0.1"), Node("b", "fd00::2"), Node("c", null), Node("d", "10.0.0.4", ready: false)], []);

        result.Reason.ShouldBe("storage needs 3 nodes that are ready, schedulable, tolerated and have an IPv4 InternalIP; 1 qualify");
    }

    [Fact]
    public void RemovingStorageNodes_IsRefused_AndThePlacementIsKept()
    {
        var placed = ThreeFSPlacement.Place(Spec(3), _nodes, []).Members;

        var spec = Spec(3);
        spec.Storage.Replicas = 2;
        var shrunk = ThreeFSPlacement.Place(spec, _nodes, placed);

        shrunk.Reason.ShouldBeNull("the cluster keeps running as it is");
        shrunk.Refusal.ShouldBe("spec.storage.replicas is 2 but 3 storage nodes hold targets: removing storage nodes is refused because their chains would lose replicas; set spec.storage.replicas back to 3");
        shrunk.Members.ShouldBe(placed);
    }
}
