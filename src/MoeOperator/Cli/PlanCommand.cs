using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Api.Validation;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Planning.Eplb;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.ThreeFS;

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
        var files = new Option<FileSystemInfo[]>("--filename", "-f") { Description = "YAML or JSON files: Nodes (or a NodeList, as `kubectl get nodes -o yaml` prints), optionally Pods (their requests count against their nodes), and one EPGroup", Required = true };
        var rdma = new Option<int>("--rdma-per-node") { Description = "RDMA devices each node must have free", DefaultValueFactory = _ => 0 };
        var placement = new Command("placement", "Place an EPGroup on nodes all-or-nothing, packed by topology; prints the nodes in rank order or why it cannot fit") { files, rdma };
        placement.SetAction(result => Placement(result.GetValue(files)!, result.GetValue(rdma), Console.Out, Console.Error));
        return new Command("plan", "What-if planning with the operator's planners") { eplb, placement, ChainsCommand(), PipelinePlanCommand.Create() };
    }

    private static Command ChainsCommand()
    {
        var nodes = new Option<int>("--nodes") { Description = "Storage nodes (3FS node ids 10001, 10002, ...)", Required = true };
        var disks = new Option<int>("--disks") { Description = "Disks per storage node", Required = true };
        var targets = new Option<int>("--targets-per-disk") { Description = "Storage targets per disk, each in a different chain", Required = true };
        var replication = new Option<int>("--replication") { Description = "Replicas per chain, each on a different node", DefaultValueFactory = _ => 3 };
        var stripe = new Option<int?>("--stripe-size") { Description = "Chains a file is striped over; checked against the chain count" };
        var targetPrefix = new Option<int>("--target-id-prefix") { Description = "Leading digits of target ids", DefaultValueFactory = _ => 1 };
        var chainPrefix = new Option<int>("--chain-id-prefix") { Description = "Leading digits of chain ids", DefaultValueFactory = _ => 9 };
        var chains = new Command("chains", "Cut storage disks into targets and chains (CRAQ) in upstream 3FS numbering; prints the chains and how evenly node pairs share them")
        {
            nodes, disks, targets, replication, stripe, targetPrefix, chainPrefix,
        };
        chains.SetAction(result => Chains(
            ChainTableRequest.ForNodes(result.GetValue(nodes), result.GetValue(disks), result.GetValue(targets), result.GetValue(replication)) with
            {
                StripeSize = result.GetValue(stripe),
                TargetIdPrefix = result.GetValue(targetPrefix),
                ChainIdPrefix = result.GetValue(chainPrefix),
            },
            Console.Out,
            Console.Error));
        return chains;
    }

    internal static int Chains(ChainTableRequest request, TextWriter output, TextWriter errors)
    {
        ChainTable table;
        try
        {
            table = ChainTablePlanner.Plan(request);
        }
        catch (ChainTablePlanException e)
        {
            errors.WriteLine($"moe plan chains: {e.Message}");
            return 2;
        }

        var balance = table.Balance;
        var summary = new JsonObject
        {
            ["chains"] = table.Chains.Count,
            ["chainsPerDisk"] = request.ChainsPerDisk,
            ["targets"] = table.Chains.Sum(c => c.Targets.Count),
            ["replicationFactor"] = request.ReplicationFactor,
            ["chainsPerNodePair"] = new JsonObject { ["min"] = balance.MinChainsPerNodePair, ["max"] = balance.MaxChainsPerNodePair, ["spread"] = balance.PairSpread },
            ["headsPerNode"] = new JsonObject { ["min"] = balance.MinHeadsPerNode, ["max"] = balance.MaxHeadsPerNode, ["spread"] = balance.HeadSpread },
        };
        if (request.StripeSize is { } stripeSize)
        {
            summary["stripeSize"] = stripeSize;
        }

        // One chain per line: the table stays readable (and greppable) at hundreds of chains.
        var chainLines = table.Chains.Select(c => "    " + JsonSerializer.Serialize(new
        {
            id = c.Id,
            targets = c.Targets.Select(t => new { id = t.Id, node = t.Node, disk = t.Disk }),
        }));
        output.WriteLine("{");
        output.WriteLine("  \"chains\": [\n" + string.Join(",\n", chainLines) + "\n  ],");
        output.WriteLine($"  \"chainTable\": {JsonSerializer.Serialize(table.Chains.Select(c => c.Id))},");
        output.WriteLine($"  \"nodes\": {JsonSerializer.Serialize(request.NodeIds)},");
        output.WriteLine($"  \"summary\": {summary.ToJsonString()}");
        output.WriteLine("}");
        return 0;
    }

    internal static int Placement(IEnumerable<FileSystemInfo> inputs, int rdmaPerNode, TextWriter output, TextWriter errors)
    {
        var documents = InputFiles.Expand(inputs)
            .SelectMany(file => YamlDocuments.Parse(File.ReadAllText(file)))
            .SelectMany(d => d["items"] is JsonArray items ? items.OfType<JsonObject>() : [d])
            .ToList();
        var groups = documents.Where(d => (string?)d["kind"] == Kinds.EPGroup.Kind).ToList();
        if (groups.Count != 1)
        {
            errors.WriteLine($"moe plan placement: the files must hold exactly one EPGroup (found {groups.Count})");
            return 2;
        }

        var validation = CustomResourceValidator.ForThisApi().Validate(groups[0]);
        if (!validation.IsValid)
        {
            errors.WriteLine($"moe plan placement: {validation.Message}");
            return 2;
        }

        var spec = groups[0]["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!;
        var nodes = documents.Where(d => (string?)d["kind"] == "Node").ToList();
        var request = PlacementInputs.Request(spec, rdmaPerNode);
        var decision = GangPlacement.Place(request, PlacementInputs.Candidates(nodes, documents.Where(d => (string?)d["kind"] == "Pod")));
        var report = new JsonObject { ["fits"] = decision.Fits };
        if (decision.Fits)
        {
            report["nodes"] = JsonSerializer.SerializeToNode(decision.Nodes);
            report["ranks"] = new JsonArray([.. Enumerable.Range(0, spec.Ranks).Select(r => (JsonNode)new JsonObject { ["rank"] = r, ["node"] = decision.Nodes[r / spec.RanksPerNode] })]);
            report["domains"] = new JsonObject(request.TopologyKeys.Select((key, level) => KeyValuePair.Create(key, (JsonNode?)decision.DomainsPerLevel[level])));
        }
        else
        {
            report["reason"] = decision.Reason;
        }

        output.WriteLine(OneKeyPerLine(report));
        return decision.Fits ? 0 : 1;
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
