using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract;
using MoeOperator.Planning.Eplb;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// The expert map the workers load: which logical expert each physical slot holds (slot s lives on rank
/// s / slotsPerRank), as a versioned JSON document in a ConfigMap. Before any load is measured the map comes from
/// EPLB on uniform load, so every expert has a slot and spare slots replicate the lowest ids.
/// </summary>
internal static class ExpertMapBuilder
{
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
        var document = new ExpertMapDocument(version, Slots(spec.Model) / spec.Ranks, plan.PhysicalToLogical[0], plan.ReplicaCounts[0]);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = EPGroupBuilder.Metadata(group, EPGroupNames.ExpertMap(name)),
            ["data"] = new JsonObject
            {
                [ExpertMapDocument.ConfigMapKey] = document.Format(),
                ["version"] = version.ToString(CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>
    /// Whether a published map still serves the spec: as many slots, as many per rank and as many logical experts.
    /// A spec change that keeps them (a new image, say) keeps the map EPLB balanced; one that does not needs a new map.
    /// </summary>
    public static bool Fits(ExpertMapDocument map, EPGroupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(spec);
        var slots = Slots(spec.Model);
        return map.PhysicalToLogical.Count == slots && map.SlotsPerRank * spec.Ranks == slots && map.ReplicaCounts.Count == spec.Model.Experts;
    }

    /// <summary>The map published in <paramref name="configMap"/>, or null when it is missing or unreadable.</summary>
    public static ExpertMapDocument? Published(JsonObject? configMap)
    {
        if ((string?)configMap?["data"]?[ExpertMapDocument.ConfigMapKey] is not { } text)
        {
            return null;
        }

        try
        {
            return ExpertMapDocument.Parse(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
