using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Planning.Eplb;

namespace MoeOperator.Cli;

/// <summary><c>moe plan ...</c>: the operator's pure planners as what-if tools (no cluster needed).</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var replicas = new Option<int>("--replicas") { Description = "Physical expert slots in all (a multiple of --gpus, at least the number of experts)", Required = true };
        var groups = new Option<int>("--groups") { Description = "Expert groups (the number of experts must be divisible by it)", DefaultValueFactory = _ => 1 };
        var nodes = new Option<int>("--nodes") { Description = "Nodes; with groups divisible by nodes the hierarchical policy packs groups onto nodes first", DefaultValueFactory = _ => 1 };
        var gpus = new Option<int>("--gpus") { Description = "GPUs in all (divisible by --nodes)", Required = true };
        var eplb = new Command("eplb", "Balance experts over GPUs (EPLB): reads the load matrix, a JSON array of per-layer arrays of per-expert loads, on stdin")
        {
            replicas, groups, nodes, gpus,
        };
        eplb.SetAction(result => Eplb(Console.In, Console.Out, Console.Error, result.GetValue(replicas), result.GetValue(groups), result.GetValue(nodes), result.GetValue(gpus)));
        return new Command("plan", "What-if planning with the operator's planners") { eplb };
    }

    internal static int Eplb(TextReader input, TextWriter output, TextWriter errors, int replicas, int groups, int nodes, int gpus)
    {
        double[][] loads;
        try
        {
            loads = JsonSerializer.Deserialize<double[][]>(input.ReadToEnd()) ?? throw new JsonException("the input is null");
        }
        catch (JsonException e)
        {
            errors.WriteLine($"moe plan eplb: stdin must be a JSON array of per-layer arrays of expert loads, for example [[90, 132, 40, 61]]: {e.Message}");
            return 2;
        }

        EplbPlan plan;
        try
        {
            plan = ExpertLoadBalancer.Rebalance(loads, replicas, groups, nodes, gpus);
        }
        catch (ArgumentException e)
        {
            errors.WriteLine($"moe plan eplb: {e.Message.Split(" (Parameter", 2)[0]}");
            return 2;
        }

        var experts = loads[0].Length;
        // Before: each logical expert once, the experts laid out over the GPUs in id order.
        var before = loads.Select(l => Before(l, gpus)).ToArray();
        var after = loads.Select((l, layer) => ExpertLoadBalancer.GpuLoads(l, plan.PhysicalToLogical[layer], plan.ReplicaCounts[layer], gpus)).ToArray();
        var report = new JsonObject
        {
            ["phy2log"] = JsonSerializer.SerializeToNode(plan.PhysicalToLogical),
            ["log2phy"] = JsonSerializer.SerializeToNode(plan.LogicalToPhysical),
            ["logcnt"] = JsonSerializer.SerializeToNode(plan.ReplicaCounts),
            ["gpuLoadsBefore"] = JsonSerializer.SerializeToNode(before),
            ["gpuLoadsAfter"] = JsonSerializer.SerializeToNode(after),
            ["imbalanceBefore"] = JsonSerializer.SerializeToNode(before.Select(ExpertLoadBalancer.Imbalance).ToArray()),
            ["imbalanceAfter"] = JsonSerializer.SerializeToNode(after.Select(ExpertLoadBalancer.Imbalance).ToArray()),
            ["policy"] = groups % nodes == 0 ? "hierarchical" : "global",
            ["experts"] = experts,
        };
        output.WriteLine(OneKeyPerLine(report));
        return 0;
    }

    // Valid JSON that stays readable for matrices: one top-level key per line, each value compact.
    private static string OneKeyPerLine(JsonObject report) =>
        "{\n" + string.Join(",\n", report.Select(p => $"  {JsonSerializer.Serialize(p.Key)}: {p.Value?.ToJsonString() ?? "null"}")) + "\n}";

    private static double[] Before(double[] load, int gpus)
    {
        var result = new double[gpus];
        for (var e = 0; e < load.Length; e++)
        {
            result[(int)((long)e * gpus / load.Length)] += load[e];
        }

        return result;
    }
}
