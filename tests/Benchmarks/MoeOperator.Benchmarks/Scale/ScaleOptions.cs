using System.Globalization;

namespace MoeOperator.Benchmarks.Scale;

/// <summary>
/// One scale run: how many EPGroups of how many pods, on how many simulated nodes, and how hard the operator may
/// drive the API server. Each pod takes <see cref="RanksPerPod"/> GPUs of one node; the defaults are the reliability
/// issue's target, 500 groups of 20 pods (10,000 pods) on 1,000 nodes of 10 GPUs, which fills every GPU.
/// </summary>
public sealed record ScaleOptions
{
    public int Groups { get; init; } = 500;

    public int PodsPerGroup { get; init; } = 20;

    /// <summary>Ranks (GPUs) per pod: the group's ranksPerNode.</summary>
    public int RanksPerPod { get; init; } = 1;

    public int Nodes { get; init; } = 1000;

    public int GpusPerNode { get; init; } = 10;

    /// <summary>The operator's --kube-api-qps (its --kube-api-burst is twice this).</summary>
    public double KubeApiQps { get; init; } = 500;

    /// <summary>How long a simulated container takes to start.</summary>
    public TimeSpan StartDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the run may take before it gives up and reports what it reached.</summary>
    public TimeSpan Limit { get; init; } = TimeSpan.FromMinutes(10);

    public int Pods => Groups * PodsPerGroup;

    /// <summary>Reads <c>--groups N --pods-per-group N --ranks-per-pod N --nodes N --gpus-per-node N --kube-api-qps N --limit-seconds N</c>.</summary>
    public static ScaleOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ScaleOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--groups" => options with { Groups = Positive(args[i], value) },
                "--pods-per-group" => options with { PodsPerGroup = Positive(args[i], value) },
                "--ranks-per-pod" => options with { RanksPerPod = Positive(args[i], value) },
                "--nodes" => options with { Nodes = Positive(args[i], value) },
                "--gpus-per-node" => options with { GpusPerNode = Positive(args[i], value) },
                "--kube-api-qps" => options with { KubeApiQps = Positive(args[i], value) },
                "--limit-seconds" => options with { Limit = TimeSpan.FromSeconds(Positive(args[i], value)) },
                _ => throw new ArgumentException($"unknown option {args[i]}; known: --groups, --pods-per-group, --ranks-per-pod, --nodes, --gpus-per-node, --kube-api-qps, --limit-seconds"),
            };
            i++;
        }

        if ((long)options.Pods * options.RanksPerPod > (long)options.Nodes * options.GpusPerNode)
        {
            throw new ArgumentException($"{options.Groups} groups x {options.PodsPerGroup} pods x {options.RanksPerPod} GPUs need more than the {options.Nodes} nodes x {options.GpusPerNode} GPUs offered: every group must fit for the run to end");
        }

        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive whole number, got '{value}'");
}
