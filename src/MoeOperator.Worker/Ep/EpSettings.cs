using System.Collections;
using System.Globalization;
using System.Net;
using MoeOperator.Worker.Moe;

namespace MoeOperator.Worker.Ep;

/// <summary>What the operator tells an EPGroup pod through its environment (see the EPGroup controller's README).</summary>
public sealed record EpSettings(
    string Group,
    int WorldSize,
    int RanksPerNode,
    int RankBase,
    string MasterAddress,
    int MasterPort,
    int MetricsPort,
    IPAddress PodAddress,
    MoeShape Shape,
    int MaxTokensPerRank,
    string? ExpertMapPath,
    string? PodName,
    string? PodNamespace)
{
    /// <summary>
    /// Which whole-group restart this pod belongs to (MOE_RESTART_ATTEMPT, 0 for the first run): ranks meet only
    /// ranks of their own attempt, so a pod of the previous attempt still shutting down can never join the new one.
    /// </summary>
    public int Attempt { get; init; }

    /// <summary>Reads the environment; a missing or malformed variable fails with its name and the expected form.</summary>
    public static EpSettings From(IDictionary environment, int? intermediateSize)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Text(string name) => environment[name] as string is { Length: > 0 } value ? value : null;
        string Required(string name) => Text(name) ?? throw new WorkerConfigurationException($"{name} is not set; the operator sets it on EPGroup pods (set it by hand to run the worker outside one)");
        int Number(string name, int? fallback = null, int min = 1)
        {
            var text = Text(name);
            if (text is null)
            {
                return fallback ?? throw new WorkerConfigurationException($"{name} is not set; it must be an integer >= {min}");
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new WorkerConfigurationException($"{name}={text} is not an integer >= {min}");
        }

        var hidden = Number("MOE_HIDDEN_SIZE");
        var experts = Number("MOE_EXPERTS");
        var groups = Number("MOE_EXPERT_GROUPS", 1);
        var precisionText = Text("MOE_EXPERT_PRECISION");
        var precision = precisionText is null
            ? ExpertPrecision.FP32
            : Enum.GetValues<ExpertPrecision>().Where(p => p.ToString().Equals(precisionText, StringComparison.OrdinalIgnoreCase)).Cast<ExpertPrecision?>().FirstOrDefault()
                ?? throw new WorkerConfigurationException($"MOE_EXPERT_PRECISION={precisionText} is not one of {string.Join(", ", Enum.GetNames<ExpertPrecision>())}");
        var shape = new MoeShape(hidden, intermediateSize ?? hidden, experts, groups, Number("MOE_TOPK_GROUPS", groups), Number("MOE_TOPK"), precision);
        if (shape.Problem() is { } problem)
        {
            throw new WorkerConfigurationException($"the MoE layer in MOE_* is inconsistent: {problem}");
        }

        var world = Number("MOE_WORLD_SIZE");
        var perNode = Number("MOE_RANKS_PER_NODE");
        var rankBase = Number("MOE_RANK_BASE", 0, min: 0);
        if (rankBase + perNode > world)
        {
            throw new WorkerConfigurationException($"MOE_RANK_BASE {rankBase} + MOE_RANKS_PER_NODE {perNode} exceeds MOE_WORLD_SIZE {world}");
        }

        var address = Text("POD_IP") ?? "127.0.0.1";
        return new EpSettings(
            Text("MOE_GROUP") ?? "ep",
            world,
            perNode,
            rankBase,
            Required("MOE_MASTER_ADDR"),
            Number("MOE_MASTER_PORT"),
            Number("MOE_METRICS_PORT", 0, min: 0),
            IPAddress.TryParse(address, out var ip) ? ip : throw new WorkerConfigurationException($"POD_IP={address} is not an IP address"),
            shape,
            Number("MOE_MAX_TOKENS_PER_RANK", 128),
            Text("MOE_EXPERT_MAP"),
            Text("POD_NAME"),
            Text("POD_NAMESPACE"))
        {
            Attempt = Number("MOE_RESTART_ATTEMPT", 0, min: 0),
        };
    }

    public IEnumerable<int> LocalRanks => Enumerable.Range(RankBase, RanksPerNode);
}

/// <summary>The worker's environment or flags cannot work; the message names the variable and the fix.</summary>
public sealed class WorkerConfigurationException(string message) : Exception(message)
{
    public WorkerConfigurationException()
        : this("invalid worker configuration")
    {
    }

    public WorkerConfigurationException(string message, Exception inner)
        : this(message + ": " + inner?.Message)
    {
    }
}
