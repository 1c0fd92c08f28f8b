using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Kernels.Cli;
using MoeOperator.Worker.Kernels.Npy;
using MoeOperator.Worker.Kernels.SelfTest;

namespace MoeOperator.Worker.Tests.Kernels;

public sealed class KernelCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moe-kernel-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Save(string name, NpyArray array)
    {
        var path = Path.Combine(_dir, name + ".npy");
        NpyFile.Write(path, array);
        return path;
    }

    [Fact]
    public void Fp8Gemm_FromNpyFiles_WritesTheProductTheReferenceComputes()
    {
        var a = Fp8.QuantizePerToken(KernelTestData.Normal(5 * 256, seed: 1), 5, 256);
        var b = Fp8.QuantizePerBlock(KernelTestData.Normal(130 * 256, seed: 2), 130, 256);
        var inputs = new Dictionary<string, string>
        {
            ["a"] = Save("a", NpyArray.Of(a.Codes.Data, 5, 256)),
            ["a_scales"] = Save("a_scales", NpyArray.Of(a.Scales.Data, 5, 2)),
            ["b"] = Save("b", NpyArray.Of(b.Codes.Data, 130, 256)),
            ["b_scales"] = Save("b_scales", NpyArray.Of(b.Scales.Data, 2, 2)),
        };
        var output = Path.Combine(_dir, "d.npy");
        var log = new StringWriter();

        KernelRunner.Run(KernelCatalog.Find("fp8-gemm")!, inputs, new Dictionary<string, string> { ["d"] = output }, new Dictionary<string, string>(), log);

        var d = NpyFile.Read(output);
        d.Shape.ShouldBe([5L, 130L]);
        Metrics.CalcDiff(KernelTestData.Wide(d.Floats("d")), KernelReference.Gemm(a, b)).ShouldBeLessThan(1e-6);
        log.ToString().ShouldContain($"d [5, 130] float32 -> {output}");
    }

    [Fact]
    public void Run_NamesAWrongInputTypeAnUnknownNameAndAMissingParameter()
    {
        var spec = KernelCatalog.Find("ep-layout")!;
        var none = new Dictionary<string, string>();
        var floats = Save("topk", NpyArray.Of(new float[] { 0, 1 }, 1, 2));
        Should.Throw<KernelInputException>(() => KernelRunner.Run(spec, new Dictionary<string, string> { ["topk_idx"] = floats }, none, none, TextWriter.Null))
            .Message.ShouldContain("holds float32, ep-layout reads int64");
        Should.Throw<KernelInputException>(() => KernelRunner.Run(spec, new Dictionary<string, string> { ["topk"] = floats }, none, none, TextWriter.Null))
            .Message.ShouldContain("has no input 'topk'; its inputs are: topk_idx");
        var longs = Save("topk_idx", NpyArray.Of(new long[] { 0, 3 }, 1, 2));
        Should.Throw<KernelInputException>(() => KernelRunner.Run(spec, new Dictionary<string, string> { ["topk_idx"] = longs }, none, new Dictionary<string, string> { ["experts"] = "4" }, TextWriter.Null))
            .Message.ShouldContain("parameter ranks is required");
    }

    [Fact]
    public void List_DescribesEveryKernelWithItsPortsAndLayouts()
    {
        var output = new StringWriter();
        KernelRunner.List(output);
        foreach (var spec in KernelCatalog.All)
        {
            output.ToString().ShouldContain($"{spec.Name}: ");
        }

        output.ToString().ShouldContain("in   k_cache            float32  [num_blocks, 64, 1, 576]");
    }

    [Fact]
    public void SelfTest_PassesEveryKernelAndPrintsOneRowEach()
    {
        var output = new StringWriter();
        SelfTestCommand.Run(output).ShouldBeTrue(output.ToString());
        var rows = output.ToString().Split('\n').Where(l => l.TrimEnd().EndsWith("PASS", StringComparison.Ordinal)).ToList();
        rows.Count.ShouldBe(SelfTestCases.All().Count());
        foreach (var kernel in new[] { "fp8-gemm", "fp8-grouped-gemm-contiguous", "fp8-grouped-gemm-masked", "mla-decode", "ep-layout" })
        {
            rows.ShouldContain(r => r.StartsWith(kernel, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task KernelCommand_ExitsTwoWithTheReasonForAnUnknownKernel()
    {
        using var worker = WorkerProcess.Start(new Dictionary<string, string>(), "kernel", "fp9-gemm");
        (await worker.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBe(2);
        worker.Output.ShouldContain("no kernel 'fp9-gemm'; kernels: fp8-quantize-per-token");
    }
}
