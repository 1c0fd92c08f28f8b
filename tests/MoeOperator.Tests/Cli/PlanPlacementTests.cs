using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Cli;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

public sealed class PlanPlacementTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    // The dev cluster's 4 nodes of 2 GPUs (leaf-0: nodes 0 and 1, leaf-1: nodes 2 and 3), a pod holding node 0's GPUs, and a group.
    private FileInfo Inputs(int ranks)
    {
        var pool = new NodePoolSpec();
        var nodes = Enumerable.Range(0, 4).Select(i => YamlText.FromJson(NodeBuilder.Node(pool, i, "2026-01-01T00:00:00Z").ToJsonString()));
        var busy = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "busy", ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = NodeBuilder.NameOf(0),
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i", ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["nvidia.com/gpu"] = "2" } } }),
            },
            ["status"] = new JsonObject { ["phase"] = "Running" },
        };
        var group = File.ReadAllText(RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml")).Replace("ranks: 4", $"ranks: {ranks}", StringComparison.Ordinal);
        var path = _scratch.Path("inputs.yaml");
        File.WriteAllText(path, string.Join("---\n", [.. nodes, YamlText.FromJson(busy.ToJsonString()), group]));
        return new FileInfo(path);
    }

    private static (int Code, JsonNode? Report, string Errors) Run(FileInfo input)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = PlanCommand.Placement([input], 0, output, errors);
        return (code, output.ToString().Length == 0 ? null : JsonNode.Parse(output.ToString()), errors.ToString());
    }

    [Fact]
    public void AGroupThatFits_GoesToOneWholeLeaf_WithRanksInOrder()
    {
        var (code, report, errors) = Run(Inputs(ranks: 4));

        code.ShouldBe(0, errors);
        report!["nodes"]!.AsArray().Select(n => (string?)n).ShouldBe([NodeBuilder.NameOf(2), NodeBuilder.NameOf(3)], "leaf-0 has a busy node, so the pair goes to leaf-1");
        report["ranks"]!.AsArray().Select(r => (string?)r!["node"]).ShouldBe([NodeBuilder.NameOf(2), NodeBuilder.NameOf(2), NodeBuilder.NameOf(3), NodeBuilder.NameOf(3)]);
        ((int?)report["domains"]!["network.moe.dev/leaf"]).ShouldBe(1);
    }

    [Fact]
    public void AGroupThatCannotFit_SaysWhy_AndExitsOne()
    {
        var (code, report, _) = Run(Inputs(ranks: 8));

        code.ShouldBe(1);
        ((bool?)report!["fits"]).ShouldBe(false);
        ((string?)report["reason"]).ShouldBe("needs 4 nodes with 2 free GPUs each; 3 of 4 qualify: 1 with fewer than 2 free GPUs");
    }
}
