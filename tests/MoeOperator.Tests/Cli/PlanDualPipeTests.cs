using System.Text.Json.Nodes;
using MoeOperator.Cli;
using MoeOperator.Planning.Pipeline;

namespace MoeOperator.Tests.Cli;

/// <summary><c>moe plan dualpipe</c>: the documented JSON, and refusals that name the rule.</summary>
public sealed class PlanDualPipeTests
{
    [Fact]
    public void DualPipe_PrintsEveryRanksOps_AndTheBubbleNextToTheFormula()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        PipelinePlanCommand.Run("DualPipe", 4, 8, new PipelineCosts(), output, errors).ShouldBe(0, errors.ToString());

        var plan = JsonNode.Parse(output.ToString())!;
        ((string?)plan["variant"]).ShouldBe("DualPipe");
        ((int?)plan["pp"]).ShouldBe(4);
        ((int?)plan["chunks"]).ShouldBe(8);
        plan["ranks"]!.AsArray().Count.ShouldBe(4);
        // Rank 0 of four starts with two forwards of direction 0 through stage 0; its first overlapped pair carries both halves.
        var rank0 = plan["ranks"]![0]!.AsArray();
        rank0[0]!.ToJsonString().ShouldBe("""{"op":"F","stage":0,"direction":0,"microbatch":0,"zeroBubble":false}""");
        var pair = rank0.First(op => (string?)op!["op"] == "FB")!;
        pair["forward"]!["op"]!.GetValue<string>().ShouldBe("F");
        pair["backward"]!["op"]!.GetValue<string>().ShouldBe("B");
        rank0.ShouldContain(op => (string?)op!["op"] == "W");
        ((double)plan["bubble"]!["simulated"]!).ShouldBe(2);
        ((double)plan["bubble"]!["formula"]!).ShouldBe(2, "(PP/2-1)(F&B+B-3W) with F=1, B=2, W=1, F&B=3");
    }

    [Theory]
    [InlineData("DualPipe", 3, 8, "DualPipe needs an even pipeline size (got 3)")]
    [InlineData("DualPipeV", 4, 6, "DualPipeV needs at least 2 x PP = 8 micro-batches (got 6)")]
    [InlineData("GPipe", 4, 8, "--variant GPipe is not known; use DualPipe, DualPipeV or 1F1B")]
    public void AnImpossibleRequest_IsRefusedWithTheRuleAndExit2(string variant, int pp, int chunks, string message)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        PipelinePlanCommand.Run(variant, pp, chunks, new PipelineCosts(), output, errors).ShouldBe(2);

        errors.ToString().ShouldContain(message);
        output.ToString().ShouldBeEmpty();
    }
}
