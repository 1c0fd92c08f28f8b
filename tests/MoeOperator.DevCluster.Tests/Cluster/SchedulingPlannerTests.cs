using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Scheduling;

namespace MoeOperator.DevCluster.Tests.Cluster;

public sealed class SchedulingPlannerTests
{
    private static readonly NodePoolSpec _pool = new() { Nodes = 4, GpusPerNode = 2 };

    private static List<JsonObject> Nodes(Action<int, JsonObject>? edit = null)
    {
        var nodes = Enumerable.Range(0, 4).Select(i => NodeBuilder.Node(_pool, i, "2026-01-01T00:00:00Z")).ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            edit?.Invoke(i, nodes[i]);
        }

        return nodes;
    }

    private static JsonObject Pod(string name, JsonObject? spec = null, JsonObject? labels = null, string? node = null)
    {
        var podSpec = spec ?? [];
        podSpec["containers"] ??= new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i" });
        if (node is not null)
        {
            podSpec["nodeName"] = node;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns", ["labels"] = labels ?? [] },
            ["spec"] = podSpec,
            ["status"] = new JsonObject { ["phase"] = node is null ? "Pending" : "Running" },
        };
    }

    private static JsonObject Gpus(int count) => new()
    {
        ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i", ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["nvidia.com/gpu"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture) } } }),
    };

    [Fact]
    public void Taints_KeepOutPodsThatDoNotTolerateThem_WithTheTaintInTheMessage()
    {
        var nodes = Nodes((_, n) => n["spec"]!["taints"] = new JsonArray(new JsonObject { ["key"] = "gpu", ["value"] = "h200", ["effect"] = "NoSchedule" }));

        var refused = SchedulingPlanner.Decide(Pod("p"), nodes, []);
        var tolerating = SchedulingPlanner.Decide(Pod("p", new JsonObject { ["tolerations"] = new JsonArray(new JsonObject { ["key"] = "gpu", ["operator"] = "Exists", ["effect"] = "NoSchedule" }) }), nodes, []);

        refused.Message.ShouldBe("0/4 nodes are available: 4 node(s) had untolerated taint {gpu: h200}. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.");
        tolerating.Fits.ShouldBeTrue();
    }

    [Fact]
    public void NodeSelectorAndRequiredAffinity_NarrowTheNodes_AndMixedReasonsAreCountedInOrder()
    {
        var nodes = Nodes();
        var spec = Gpus(2);
        spec["nodeSelector"] = new JsonObject { [NodeBuilder.LeafLabel] = "leaf-0" };
        var bound = new List<JsonObject> { Pod("busy", Gpus(2), node: NodeBuilder.NameOf(0)) };

        var decision = SchedulingPlanner.Decide(Pod("p", spec.DeepClone().AsObject()), nodes, bound);
        decision.Node.ShouldBe(NodeBuilder.NameOf(1));

        bound.Add(Pod("busy2", Gpus(2), node: NodeBuilder.NameOf(1)));
        SchedulingPlanner.Decide(Pod("p", spec.DeepClone().AsObject()), nodes, bound).Message.ShouldBe(
            "0/4 nodes are available: 2 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.");

        var affinity = new JsonObject
        {
            ["affinity"] = new JsonObject
            {
                ["nodeAffinity"] = new JsonObject
                {
                    ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
                    {
                        ["nodeSelectorTerms"] = new JsonArray(new JsonObject { ["matchFields"] = new JsonArray(new JsonObject { ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(NodeBuilder.NameOf(3)) }) }),
                    },
                },
            },
        };
        SchedulingPlanner.Decide(Pod("q", affinity), nodes, []).Node.ShouldBe(NodeBuilder.NameOf(3));
    }

    [Fact]
    public void PreferredAffinity_WinsOverSpreading_AndSpreadingBreaksTies()
    {
        var nodes = Nodes();
        var preferring = new JsonObject
        {
            ["affinity"] = new JsonObject
            {
                ["nodeAffinity"] = new JsonObject
                {
                    ["preferredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject
                    {
                        ["weight"] = 10,
                        ["preference"] = new JsonObject { ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = NodeBuilder.LeafLabel, ["operator"] = "In", ["values"] = new JsonArray("leaf-1") }) },
                    }),
                },
            },
        };

        SchedulingPlanner.Decide(Pod("p", preferring), nodes, []).Node.ShouldBe(NodeBuilder.NameOf(2));
        var cpu = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i", ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "4" } } }) };
        var bound = new List<JsonObject> { Pod("a", cpu.DeepClone().AsObject(), node: NodeBuilder.NameOf(0)) };
        SchedulingPlanner.Decide(Pod("p", cpu), nodes, bound).Node.ShouldBe(NodeBuilder.NameOf(1), "the least allocated node");
    }

    [Fact]
    public void PodAntiAffinityByHostname_KeepsMatchingPodsApart_BothWays()
    {
        var nodes = Nodes();
        var antiAffinity = new JsonObject
        {
            ["affinity"] = new JsonObject
            {
                ["podAntiAffinity"] = new JsonObject
                {
                    ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject
                    {
                        ["topologyKey"] = NodeBuilder.HostnameLabel,
                        ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "db" } },
                    }),
                },
            },
        };
        var bound = Enumerable.Range(0, 3).Select(i => Pod($"db-{i}", null, new JsonObject { ["app"] = "db" }, NodeBuilder.NameOf(i))).ToList();

        SchedulingPlanner.Decide(Pod("db-3", antiAffinity.DeepClone().AsObject(), new JsonObject { ["app"] = "db" }), nodes, bound).Node.ShouldBe(NodeBuilder.NameOf(3));
        bound.Add(Pod("db-3", null, new JsonObject { ["app"] = "db" }, NodeBuilder.NameOf(3)));
        SchedulingPlanner.Decide(Pod("db-4", antiAffinity.DeepClone().AsObject(), new JsonObject { ["app"] = "db" }), nodes, bound).Message
            .ShouldStartWith("0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules.");

        var guarded = Pod("guard", antiAffinity.DeepClone().AsObject(), new JsonObject { ["app"] = "guard" }, NodeBuilder.NameOf(0));
        guarded["spec"]!["affinity"]!["podAntiAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]![0]!["labelSelector"]!["matchLabels"]!["app"] = "intruder";
        var decision = SchedulingPlanner.Decide(Pod("intruder", null, new JsonObject { ["app"] = "intruder" }), [nodes[0]], [guarded]);
        decision.Message.ShouldStartWith("0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules.");
    }

    [Fact]
    public void FinishedPods_FreeTheirResources()
    {
        var nodes = Nodes().Take(1).ToList();
        var done = Pod("done", Gpus(2), node: NodeBuilder.NameOf(0));
        done["status"]!["phase"] = "Succeeded";

        SchedulingPlanner.Decide(Pod("p", Gpus(2)), nodes, [done]).Node.ShouldBe(NodeBuilder.NameOf(0));
    }
}
