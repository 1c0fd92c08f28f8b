namespace MoeOperator.Worker.Ep;

/// <summary>How the benchmark runs (flags of <c>moe-worker ep</c>).</summary>
/// <param name="Steps">Steps before exiting; 0 runs until stopped.</param>
/// <param name="TokensPerStep">Tokens each rank routes per step (at most MOE_MAX_TOKENS_PER_RANK).</param>
/// <param name="Skew">Zipf exponent of the routing skew over experts; 0 routes by the gate alone.</param>
/// <param name="Seed">Seeds the weights (shared by all ranks) and each rank's tokens.</param>
/// <param name="DumpDirectory">Where each rank writes its first step's tokens and outputs (for equivalence tests).</param>
/// <param name="ReportInterval">How often the pod's expert-load annotation is refreshed.</param>
/// <param name="StepPause">A pause between steps, so a demo on a small machine leaves CPU to everything else.</param>
public sealed record EpRunOptions(int Steps, int TokensPerStep, double Skew, long Seed, string? DumpDirectory, TimeSpan ReportInterval, TimeSpan StepPause);
