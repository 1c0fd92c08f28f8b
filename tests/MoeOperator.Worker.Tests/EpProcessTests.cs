using System.Runtime.InteropServices;
using MoeOperator.Contract;
using MoeOperator.Testing;
using MoeOperator.Worker.Moe;

namespace MoeOperator.Worker.Tests;

/// <summary><c>moe-worker ep</c> as the operator runs it: one process per pod, ranks meeting over TCP.</summary>
public sealed class EpProcessTests
{
    private static readonly MoeShape _shape = new(48, 48, 16, 4, 2, 4);

    [Fact]
    public async Task FourProcesses_DispatchExpertsCombine_MatchASingleProcessReference()
    {
        var (actual, expected, _) = await RunFourRanksAsync(_shape);

        ReferenceMoe.CalcDiff(actual, expected).ShouldBeLessThan(5e-6);
    }

    [Fact]
    public async Task FourProcesses_WithFp8Experts_MatchTheReferenceWithinFp8Error()
    {
        var shape = new MoeShape(128, 256, 16, 4, 2, 4, ExpertPrecision.FP8);

        var (actual, expected, logs) = await RunFourRanksAsync(shape);

        logs.ShouldAllBe(log => log.Contains("16 FP8 experts"));
        // Three FP8 GEMMs per expert (DeepGEMM's bound for one is calc_diff < 1e-3); float32 experts match to 5e-6.
        ReferenceMoe.CalcDiff(actual, expected).ShouldBeLessThan(3e-3);
        ReferenceMoe.CalcDiff(actual, expected).ShouldBeGreaterThan(1e-6, "FP8 rounding shows: the float32 path did not run instead");
    }

    // Four single-rank processes, 3 steps of 32 tokens each; the outputs next to the float64 reference's.
    private static async Task<(List<double> Actual, List<double> Expected, List<string> Logs)> RunFourRanksAsync(MoeShape shape)
    {
        using var scratch = new ScratchDirectory();
        var port = WorkerProcess.FreePort();
        const double skew = 1.0;
        var workers = Enumerable.Range(0, 4)
            .Select(rank => WorkerProcess.Start(WorkerProcess.PodEnvironment(4, 1, rank, port, shape), "ep", "--steps", "3", "--tokens", "32", "--seed", "7", "--skew", "1", "--intermediate-size", shape.Intermediate.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dump-dir", scratch.Info.FullName))
            .ToList();
        var logs = new List<string>();
        try
        {
            foreach (var worker in workers)
            {
                (await worker.WaitAsync(TimeSpan.FromMinutes(2))).ShouldBe(0, worker.Output);
                logs.Add(worker.Output);
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }

        var reference = Weights.Reference(7, shape);
        var bias = Enumerable.Range(0, shape.Experts).Select(e => Math.Pow(1.0 / (e + 1), skew)).ToArray();
        var expected = new List<double>();
        var actual = new List<double>();
        var ranksUsed = new HashSet<int>();
        for (var rank = 0; rank < 4; rank++)
        {
            var tokens = Floats(scratch.Path($"rank-{rank}.tokens.f32"));
            var output = Floats(scratch.Path($"rank-{rank}.output.f32"));
            tokens.Length.ShouldBe(32 * shape.Hidden);
            for (var t = 0; t < 32; t++)
            {
                var token = tokens.AsSpan(t * shape.Hidden, shape.Hidden);
                expected.AddRange(reference.Forward(token, bias));
                ranksUsed.UnionWith(reference.Route(token, bias).Ids.Select(e => e / (shape.Experts / 4)));
            }

            actual.AddRange(output.Select(v => (double)v));
        }

        ranksUsed.Count.ShouldBe(4, "the tokens must actually travel to every rank for the comparison to test dispatch");
        expected.Max(Math.Abs).ShouldBeGreaterThan(1e-3, "a layer that outputs zeros would match nothing");
        return (actual, expected, logs);
    }

    [Fact]
    public async Task ARankThatDies_FailsItsPeersWithAMessageNamingIt()
    {
        var port = WorkerProcess.FreePort();
        using var survivor = WorkerProcess.Start(WorkerProcess.PodEnvironment(2, 1, 0, port, _shape), "ep", "--step-pause", "0.01");
        using var victim = WorkerProcess.Start(WorkerProcess.PodEnvironment(2, 1, 1, port, _shape), "ep", "--step-pause", "0.01");
        await Eventually.HoldsAsync(() => survivor.Output.Contains("rank 0 connected", StringComparison.Ordinal), "the ranks to meet", TimeSpan.FromMinutes(1));
        victim.Kill();

        (await survivor.WaitAsync(TimeSpan.FromMinutes(1))).ShouldBe(1, survivor.Output);
        survivor.Output.ShouldContain("rank 1");
    }

    [Fact]
    public async Task MissingEnvironment_ExitsTwoNamingTheVariable()
    {
        var environment = WorkerProcess.PodEnvironment(2, 1, 0, 1, _shape);
        environment["MOE_MASTER_ADDR"] = "";
        using var worker = WorkerProcess.Start(environment, "ep");
        (await worker.WaitAsync(TimeSpan.FromMinutes(1))).ShouldBe(2);
        worker.Output.ShouldContain("MOE_MASTER_ADDR is not set");
    }

    private static float[] Floats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
