using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Eplb;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// The expert map the workers load: which logical expert each physical slot holds (slot s lives on rank
/// s / slotsPerRank), as a versioned JSON document in a ConfigMap. Before any load is measured the map comes from
/// EPLB on uniform load, so every expert has a slot and spare slots replicate the lowest ids.
/// </summary>
internal static class ExpertMapBuilder
{
    public const string DataKey = "expert-map.json";

    /// <summary>Physical slots: the spec's, else one per expert.</summary>
    public static int Slots(EPModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.PhysicalExpertSlots ?? model.Experts;
    }

    /// <summary>The plan for measured (or uniform) loads, with the spec's policy.</summary>
    public static EplbPlan Plan(EPGroupSpec spec, IReadOnlyList<double>? loads = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var model = spec.Model;
        var nodes = spec.Ranks / spec.RanksPerNode;
        var weights = loads ?? Enumerable.Repeat(1.0, model.Experts).ToArray();
        // Global policy is hierarchical EPLB with one group on one node; Auto picks hierarchical when groups split evenly over nodes.
        var (groups, planNodes) = spec.Eplb.Policy == EplbPolicy.Global || (spec.Eplb.Policy == EplbPolicy.Auto && model.ExpertGroups % nodes != 0)
            ? (1, 1)
            : (model.ExpertGroups, nodes);
        return ExpertLoadBalancer.Rebalance([weights], Slots(model), groups, planNodes, spec.Ranks);
    }

    public static JsonObject ConfigMap(JsonObject group, EPGroupSpec spec, EplbPlan plan, long version)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(plan);
        var name = (string)group["metadata"]!["name"]!;
        var document = new JsonObject
        {
            ["version"] = version,
            ["slotsPerRank"] = Slots(spec.Model) / spec.Ranks,
            ["phy2log"] = JsonSerializer.SerializeToNode(plan.PhysicalToLogical[0]),
            ["log2phy"] = JsonSerializer.SerializeToNode(plan.LogicalToPhysical[0]),
            ["logcnt"] = JsonSerializer.SerializeToNode(plan.ReplicaCounts[0]),
        };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = EPGroupBuilder.Metadata(group, EPGroupNames.ExpertMap(name)),
            ["data"] = new JsonObject
            {
                [DataKey] = document.ToJsonString(),
                ["version"] = version.ToString(CultureInfo.InvariantCulture),
            },
        };
    }
}
