using System.Collections;
using System.Globalization;
using System.Net;
using MoeOperator.Contract;
using MoeOperator.Worker.Communication;
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

    /// <summary>The transport the ranks exchange tokens over, as resolved for this node (see <see cref="TransportChoice"/>).</summary>
    public TransportChoice Transport { get; init; } = TransportChoice.Tcp;

    /// <summary>Physical expert slots over all ranks (MOE_PHYSICAL_EXPERT_SLOTS): every expert map must have exactly this many.</summary>
    public int PhysicalSlots { get; init; }

    /// <summary>The node the pod runs on (NODE_NAME), for the first log line.</summary>
    public string? NodeName { get; init; }

    /// <summary>Reads the environment; a missing or malformed variable fails with its name and the expected form.</summary>
    public static EpSettings From(IDictionary environment, int? intermediateSize, bool gpuVisible = false)
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

        TEnum Choice<TEnum>(string name, TEnum fallback)
            where TEnum : struct, Enum
        {
            var text = Text(name);
            return text is null
                ? fallback
                : Enum.GetValues<TEnum>().Where(p => p.ToString().Equals(text, StringComparison.OrdinalIgnoreCase)).Cast<TEnum?>().FirstOrDefault()
                    ?? throw new WorkerConfigurationException($"{name}={text} is not one of {string.Join(", ", Enum.GetNames<TEnum>())}");
        }

        var hidden = Number(WorkerEnvironment.HiddenSize);
        var experts = Number(WorkerEnvironment.Experts);
        var groups = Number(WorkerEnvironment.ExpertGroups, 1);
        var precision = Choice(WorkerEnvironment.ExpertPrecision, ExpertPrecision.FP32);
        var shape = new MoeShape(hidden, intermediateSize ?? hidden, experts, groups, Number(WorkerEnvironment.TopkGroups, groups), Number(WorkerEnvironment.Topk), precision);
        if (shape.Problem() is { } problem)
        {
            throw new WorkerConfigurationException($"the MoE layer in MOE_* is inconsistent: {problem}");
        }

        var world = Number(WorkerEnvironment.WorldSize);
        var perNode = Number(WorkerEnvironment.RanksPerNode);
        var rankBase = Number(WorkerEnvironment.RankBase, 0, min: 0);
        if (rankBase + perNode > world)
        {
            throw new WorkerConfigurationException($"{WorkerEnvironment.RankBase} {rankBase} + {WorkerEnvironment.RanksPerNode} {perNode} exceeds {WorkerEnvironment.WorldSize} {world}");
        }

        var slots = Number(WorkerEnvironment.PhysicalExpertSlots, experts);
        if (slots < experts || slots % world != 0)
        {
            throw new WorkerConfigurationException($"{WorkerEnvironment.PhysicalExpertSlots}={slots} must be at least {WorkerEnvironment.Experts} ({experts}) and a multiple of {WorkerEnvironment.WorldSize} ({world})");
        }

        var backend = Choice(WorkerEnvironment.Transport, TransportBackend.Auto);
        int? communicationSMs = Text(WorkerEnvironment.CommunicationSMs) is null ? null : Number(WorkerEnvironment.CommunicationSMs, min: 2);

        var address = Text(WorkerEnvironment.PodIP) ?? "127.0.0.1";
        var settings = new EpSettings(
            Text(WorkerEnvironment.Group) ?? "ep",
            world,
            perNode,
            rankBase,
            Required(WorkerEnvironment.MasterAddress),
            Number(WorkerEnvironment.MasterPort),
            Number(WorkerEnvironment.MetricsPort, 0, min: 0),
            IPAddress.TryParse(address, out var ip) ? ip : throw new WorkerConfigurationException($"{WorkerEnvironment.PodIP}={address} is not an IP address"),
            shape,
            Number(WorkerEnvironment.MaxTokensPerRank, 128),
            Text(WorkerEnvironment.ExpertMap),
            Text(WorkerEnvironment.PodName),
            Text(WorkerEnvironment.PodNamespace))
        {
            Attempt = Number(WorkerEnvironment.RestartAttempt, 0, min: 0),
            PhysicalSlots = slots,
            NodeName = Text(WorkerEnvironment.NodeName),
        };

        // Last, so that a refused transport is reported with everything else already checked.
        return settings with { Transport = TransportChoice.Resolve(backend, gpuVisible, communicationSMs) };
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
