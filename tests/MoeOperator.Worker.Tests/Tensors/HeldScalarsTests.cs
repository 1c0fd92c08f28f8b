using System.Runtime.InteropServices;
using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Tests.Training;
using MoeOperator.Worker.Training.Parallel;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests.Tensors;

/// <summary>
/// With a thread forcing collections and finalisers without pause, TorchSharp's implicit Scalars (as in
/// <c>x * 2.0</c>) fail a few times in 100,000 calls (a failed toFloat check, "Unknown scalar type"); the held
/// versions must never fail and must compute the same values, and so must training steps built on them.
/// </summary>
[Collection(Name)]
public sealed class HeldScalarsTests
{
    /// <summary>
    /// Alone: the thread forcing collections would finalise the implicit Scalars of any test running beside it (the
    /// kernel references, say), crashing the test host for a fault that is not theirs.
    /// </summary>
    public const string Name = "Forced collections";

    private const int Iterations = 200_000;

    [Fact]
    public void HeldArithmetic_NeverFailsWhileCollectionsRun()
    {
        TorchRuntime.EnsureLoaded();
        using var a = ones(4);
        using var b = full(4, HeldScalars.Two, ScalarType.Float32);
        using var index = tensor(new long[] { 0, 0, 3 });
        using var rows = ones(3, 2);
        var failures = new List<string>();
        using (CollectingContinuously())
        {
            for (var i = 0; i < Iterations && failures.Count < 5; i++)
            {
                try
                {
                    using var sum = a.Plus(b);
                    using var scaled = a.Times(2.5);
                    using var shifted = a.PlusValue(-0.5);
                    using var accumulated = zeros(4, 2).IndexAdd(0, index, rows);
                    using var inPlace = zeros(4).PlusInPlace(b);
                    var values = (sum[0].item<float>(), scaled[1].item<float>(), shifted[2].item<float>(), accumulated[0, 1].item<float>(), accumulated[3, 0].item<float>(), inPlace[3].item<float>());
                    if (values != (3f, 2.5f, 0.5f, 2f, 1f, 2f))
                    {
                        failures.Add($"iteration {i}: {values}");
                    }
                }
                catch (ExternalException e)
                {
                    failures.Add($"iteration {i}: {e.Message.Split('\n')[0]}");
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public void TrainingSteps_MatchTheReferenceWhileCollectionsRun()
    {
        var reference = TinyTraining.OneProcess(2);

        // The other suites' objects are finalised first, with nothing else running: the forced collections below
        // are to find a Scalar this training run lets go of, not to race LibTorch calls against finalisers of
        // tensors other tests left behind.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        RunRecord run;
        using (CollectingContinuously())
        {
            run = TinyTraining.Mesh(new TrainingTopology(2, 2, 2), PipelineVariant.DualPipe, 4, 2);
        }

        for (var step = 0; step < 2; step++)
        {
            run.Losses[step].ShouldBe(reference.Losses[step], Math.Abs(reference.Losses[step]) * 1e-10, $"loss of step {step + 1}");
        }
    }

    private static Collector CollectingContinuously() => new();

    private sealed class Collector : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        public Collector()
        {
            _thread = new Thread(() =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
            })
            { IsBackground = true };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
        }
    }
}

[CollectionDefinition(HeldScalarsTests.Name, DisableParallelization = true)]
public sealed class ForcedCollectionsCollection
{
}
