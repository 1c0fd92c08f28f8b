using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Cli.Demo;

/// <summary>
/// What the demo shows of its TrainingJob at one moment, from the job's status (pure): phase, step, loss and
/// throughput while it trains, and a summary once it has succeeded.
/// </summary>
internal sealed record TrainingDemoView(string Name, string Phase, long? Step, long? TotalSteps, double? Loss, double? TokensPerSecond, long? Checkpoint, string? Failure)
{
    public static TrainingDemoView From(JsonObject? job)
    {
        var status = job?["status"];
        return new TrainingDemoView(
            (string?)job?["metadata"]?["name"] ?? "?",
            (string?)status?["phase"] ?? "Pending",
            (long?)status?["step"],
            (long?)status?["totalSteps"] ?? (long?)job?["spec"]?["training"]?["steps"],
            (double?)status?["loss"],
            (double?)status?["tokensPerSecond"],
            (long?)status?["lastVerifiedCheckpoint"]?["step"],
            (string?)status?["lastFailure"]?["message"]);
    }

    public bool Succeeded => Phase == "Succeeded";

    public bool Failed => Phase == "Failed";

    /// <summary>For example "train tj-demo: Running · step 12/30 · loss 3.214 · 1450 tokens/s · checkpoint step 10".</summary>
    public string Line()
    {
        var parts = new List<string> { Phase };
        if (Step is { } step)
        {
            parts.Add($"step {step}/{TotalSteps}");
        }

        if (Loss is { } loss)
        {
            parts.Add($"loss {loss.ToString("0.000", CultureInfo.InvariantCulture)}");
        }

        if (TokensPerSecond is { } tokens)
        {
            parts.Add($"{tokens.ToString("0", CultureInfo.InvariantCulture)} tokens/s");
        }

        if (Checkpoint is { } checkpoint)
        {
            parts.Add($"checkpoint step {checkpoint}");
        }

        return $"train {Name}: " + string.Join(" · ", parts);
    }

    /// <param name="firstLoss">The loss of the first step the demo saw.</param>
    /// <param name="elapsed">From the job's creation to its success.</param>
    public string Summary(double? firstLoss, TimeSpan elapsed) =>
        $"  Training:   {Name} trained {TotalSteps} steps (DualPipe, pipeline 2 x data 2, experts over 2 ranks) in {elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s, " +
        $"loss {firstLoss?.ToString("0.000", CultureInfo.InvariantCulture) ?? "?"} -> {Loss?.ToString("0.000", CultureInfo.InvariantCulture) ?? "?"}, " +
        $"{TokensPerSecond?.ToString("0", CultureInfo.InvariantCulture) ?? "?"} tokens/s at the end, checkpoint step {Checkpoint?.ToString(CultureInfo.InvariantCulture) ?? "none"}";
}
