using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Planning.Pipeline;

namespace MoeOperator.Cli;

/// <summary>
/// <c>moe plan dualpipe</c>: every pipeline rank's op order for one step (what a TrainingJob's ranks execute), and the
/// bubble the schedule leaves, simulated with the given op costs next to the DualPipe README's closed form.
/// </summary>
internal static class PipelinePlanCommand
{
    private static readonly Dictionary<string, PipelineVariant> _variants = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DualPipe"] = PipelineVariant.DualPipe,
        ["DualPipeV"] = PipelineVariant.DualPipeV,
        ["1F1B"] = PipelineVariant.OneFOneB,
    };

    public static Command Create()
    {
        var pp = new Option<int>("--pp") { Description = "Pipeline ranks (DualPipeV: each holds two of the 2 x PP stages)", Required = true };
        var chunks = new Option<int>("--chunks") { Description = "Micro-batches per step (DualPipe: even, at least 2 x PP; DualPipeV: at least 2 x PP)", Required = true };
        var variant = new Option<string>("--variant") { Description = "DualPipe, DualPipeV or 1F1B", DefaultValueFactory = _ => "DualPipe" };
        var f = new Option<double>("--f") { Description = "Cost of a forward", DefaultValueFactory = _ => 1 };
        var b = new Option<double>("--b") { Description = "Cost of a full backward (input and weight gradients)", DefaultValueFactory = _ => 2 };
        var w = new Option<double>("--w") { Description = "Cost of a weight gradient alone", DefaultValueFactory = _ => 1 };
        var fb = new Option<double?>("--fb") { Description = "Cost of an overlapped forward and backward pair (default: F + B)" };
        var command = new Command("dualpipe", "Each pipeline rank's op order for one step (upstream DualPipe's step() order) and the bubble it leaves") { pp, chunks, variant, f, b, w, fb };
        command.SetAction(result => Run(
            result.GetValue(variant)!, result.GetValue(pp), result.GetValue(chunks),
            new PipelineCosts(result.GetValue(f), result.GetValue(b), result.GetValue(w), result.GetValue(fb)),
            Console.Out, Console.Error));
        return command;
    }

    internal static int Run(string variantName, int ranks, int chunks, PipelineCosts costs, TextWriter output, TextWriter errors)
    {
        if (!_variants.TryGetValue(variantName, out var variant))
        {
            errors.WriteLine($"moe plan dualpipe: --variant {variantName} is not known; use DualPipe, DualPipeV or 1F1B");
            return 2;
        }

        if (costs.F <= 0 || costs.B <= 0 || costs.W < 0 || costs.W >= costs.B || costs.ForwardBackward <= 0)
        {
            errors.WriteLine("moe plan dualpipe: costs must be positive, and --w less than --b (a weight gradient is part of a backward)");
            return 2;
        }

        if (PipelineScheduler.Problem(variant, ranks, chunks) is { } problem)
        {
            errors.WriteLine($"moe plan dualpipe: {problem}");
            return 2;
        }

        var schedule = PipelineScheduler.Plan(variant, ranks, chunks);
        var timeline = PipelineSimulation.Run(schedule, variant == PipelineVariant.DualPipeV ? 2 * ranks : ranks, costs);
        var document = new JsonObject
        {
            ["variant"] = _variants.First(v => v.Value == variant).Key,
            ["pp"] = ranks,
            ["chunks"] = chunks,
            ["ranks"] = new JsonArray([.. schedule.Select(rank => (JsonNode)new JsonArray([.. rank.Select(op => op.ToJson())]))]),
            ["bubble"] = new JsonObject
            {
                ["simulated"] = Math.Round(timeline.Bubble, 6),
                ["formula"] = Math.Round(PipelineSimulation.Formula(variant, ranks, costs), 6),
                ["formulaText"] = PipelineSimulation.Describe(variant),
                ["makespan"] = Math.Round(timeline.Makespan, 6),
            },
        };
        output.WriteLine(document.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return 0;
    }
}
