using System.CommandLine;
using System.Runtime.InteropServices;
using MoeOperator.Worker.Communication;

namespace MoeOperator.Worker.Ep;

/// <summary><c>moe-worker ep</c>: the ranks of one EPGroup pod running the MoE layer on skewed tokens.</summary>
internal static class EpCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Steps to run, then exit 0; 0 runs until SIGTERM (env MOE_EP_STEPS)", DefaultValueFactory = _ => (int)EnvironmentDefault("MOE_EP_STEPS", 0) };
        var tokens = new Option<int>("--tokens") { Description = "Tokens each rank routes per step, capped at MOE_MAX_TOKENS_PER_RANK (env MOE_EP_TOKENS)", DefaultValueFactory = _ => (int)EnvironmentDefault("MOE_EP_TOKENS", 64) };
        var skew = new Option<double>("--skew") { Description = "Zipf exponent of the routing skew over experts; 0 for none (env MOE_EP_SKEW)", DefaultValueFactory = _ => EnvironmentDefault("MOE_EP_SKEW", 1.0) };
        var seed = new Option<long>("--seed") { Description = "Seed of the weights (all ranks) and tokens (per rank)", DefaultValueFactory = _ => 1 };
        var intermediate = new Option<int?>("--intermediate-size") { Description = "Experts' FFN width (default: MOE_HIDDEN_SIZE)" };
        var dump = new Option<string?>("--dump-dir") { Description = "Write each rank's first-step tokens and outputs here (float32)" };
        var report = new Option<double>("--report-interval") { Description = "Seconds between expert-load reports on the pod (env MOE_EP_REPORT_INTERVAL)", DefaultValueFactory = _ => EnvironmentDefault("MOE_EP_REPORT_INTERVAL", 5) };
        var pause = new Option<double>("--step-pause") { Description = "Seconds to pause between steps, leaving CPU to others on small machines (env MOE_EP_STEP_PAUSE)", DefaultValueFactory = _ => EnvironmentDefault("MOE_EP_STEP_PAUSE", 0) };
        var command = new Command("ep", "Run this pod's ranks of an expert-parallel group (environment from the EPGroup operator)")
        {
            steps, tokens, skew, seed, intermediate, dump, report, pause,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var problem = MalformedEnvironmentDefault() is { } variable ? $"{variable} must be a number"
                : result.GetValue(steps) < 0 ? "--steps must be >= 0"
                : result.GetValue(tokens) < 1 ? "--tokens must be >= 1"
                : result.GetValue(skew) < 0 ? "--skew must be >= 0"
                : result.GetValue(report) <= 0 ? "--report-interval must be > 0"
                : result.GetValue(pause) < 0 ? "--step-pause must be >= 0"
                : null;
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync($"moe-worker ep: {problem}");
                return 2;
            }

            EpSettings settings;
            try
            {
                var environment = Environment.GetEnvironmentVariables();
                settings = EpSettings.From(environment, result.GetValue(intermediate), TransportChoice.GpuVisible(environment));
            }
            catch (WorkerConfigurationException e)
            {
                await Console.Error.WriteLineAsync($"moe-worker ep: {e.Message}");
                return 2;
            }

            var options = new EpRunOptions(
                result.GetValue(steps),
                result.GetValue(tokens),
                result.GetValue(skew),
                result.GetValue(seed),
                result.GetValue(dump),
                TimeSpan.FromSeconds(result.GetValue(report)),
                TimeSpan.FromSeconds(result.GetValue(pause)));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            return await new EpProcess(settings, options, Console.Out).RunAsync(stop.Token);
        });
        return command;
    }

    // The pod's args are fixed by the operator (["ep"]), so a deployment (or the dev cluster) tunes the benchmark
    // through these variables; flags still win.
    private static readonly string[] _environmentDefaults = ["MOE_EP_STEPS", "MOE_EP_TOKENS", "MOE_EP_SKEW", "MOE_EP_REPORT_INTERVAL", "MOE_EP_STEP_PAUSE"];

    private static double EnvironmentDefault(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static string? MalformedEnvironmentDefault() => _environmentDefaults.FirstOrDefault(name =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text && !double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));
}
