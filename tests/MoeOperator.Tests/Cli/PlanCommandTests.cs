using System.Text.Json.Nodes;
using MoeOperator.Cli;

namespace MoeOperator.Tests.Cli;

public sealed class PlanCommandTests
{
    private static (int Code, string Output, string Errors) Eplb(string stdin, int replicas, int groups, int nodes, int gpus)
    {
        using var input = new StringReader(stdin);
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = PlanCommand.Eplb(input, output, errors, replicas, groups, nodes, gpus);
        return (code, output.ToString(), errors.ToString());
    }

    [Fact]
    public void Eplb_PrintsThePlanWithGpuLoadsAndImbalanceBeforeAndAfter()
    {
        var (code, output, errors) = Eplb("[[90,132,40,61,104,165,39,4,73,56,183,86],[20,107,104,64,19,197,187,157,172,86,16,27]]", 16, 4, 2, 8);

        code.ShouldBe(0, errors);
        var report = JsonNode.Parse(output)!;
        report["phy2log"]![0]!.AsArray().Select(v => (int)v!).ShouldBe([5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1]);
        report["logcnt"]![1]!.AsArray().Select(v => (int)v!).Sum().ShouldBe(16);
        report["log2phy"]![0]!.AsArray().Count.ShouldBe(12);
        ((string?)report["policy"]).ShouldBe("hierarchical");
        // Layer 0 before: 12 experts over 8 GPUs in id order (GPU of expert e = e * 8 / 12).
        report["gpuLoadsBefore"]![0]!.AsArray().Select(v => (double)v!).ShouldBe([90 + 132, 40, 61 + 104, 165, 39 + 4, 73, 56 + 183, 86]);
        var before = (double)report["imbalanceBefore"]![0]!;
        var after = (double)report["imbalanceAfter"]![0]!;
        before.ShouldBe(239 / (1033 / 8.0), tolerance: 1e-9);
        after.ShouldBeLessThan(before);
        report["gpuLoadsAfter"]![0]!.AsArray().Sum(v => (double)v!).ShouldBe(1033, tolerance: 1e-9);
    }

    [Theory]
    [InlineData("[[1,2,3]]", 2, 1, 1, 2, "moe plan eplb: replicas (2) must be at least the number of experts (3)")]
    [InlineData("{\"a\":1}", 4, 1, 1, 2, "moe plan eplb: stdin must be a JSON array of per-layer arrays")]
    [InlineData("[[1,2,3,4]]", 4, 3, 1, 2, "moe plan eplb: experts (4) must be divisible by groups (3)")]
    public void Eplb_BadInput_SaysWhatIsWrong(string stdin, int replicas, int groups, int nodes, int gpus, string message)
    {
        var (code, output, errors) = Eplb(stdin, replicas, groups, nodes, gpus);

        code.ShouldBe(2);
        output.ShouldBeEmpty();
        errors.ShouldStartWith(message);
    }
}
