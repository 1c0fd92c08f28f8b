using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Training.Parallel;

namespace MoeOperator.Worker.Tests.Training;

/// <summary>
/// Three float64 steps of the same tiny model on the same data: one plain loop on one process against the pipeline
/// schedules, data parallelism and expert parallelism on a mesh of threads. Losses and every gradient must agree to
/// 1e-10 relative, which they can only do if the op lists, the stage boundaries, the zero-bubble split, DualPipe's
/// copies, the reductions, the optimiser and the balance update are all right.
/// </summary>
public sealed class TrainingEquivalenceTests
{
    private const int Steps = 3;
    private static readonly Lazy<RunRecord> _reference = new(() => TinyTraining.OneProcess(Steps));

    [Theory]
    [InlineData(PipelineVariant.DualPipe, 2, 1, 1, 4)]
    [InlineData(PipelineVariant.DualPipe, 4, 1, 1, 8)]
    [InlineData(PipelineVariant.DualPipeV, 2, 1, 1, 4)]
    [InlineData(PipelineVariant.OneFOneB, 2, 1, 1, 4)]
    [InlineData(PipelineVariant.OneFOneB, 1, 2, 1, 2)]
    [InlineData(PipelineVariant.OneFOneB, 1, 2, 2, 2)]
    [InlineData(PipelineVariant.DualPipe, 2, 2, 2, 4)]
    public void MatchesOneProcess(PipelineVariant variant, int pipeline, int data, int expert, int microbatches)
    {
        var reference = _reference.Value;
        var run = TinyTraining.Mesh(new TrainingTopology(pipeline, data, expert), variant, microbatches, Steps);

        for (var step = 0; step < Steps; step++)
        {
            run.Losses[step].ShouldBe(reference.Losses[step], Math.Abs(reference.Losses[step]) * 1e-10, $"loss of step {step + 1}");
            run.Gradients[step].Keys.Order(StringComparer.Ordinal).ShouldBe(reference.Gradients[step].Keys.Order(StringComparer.Ordinal), $"parameters of step {step + 1}");
            foreach (var (name, expected) in reference.Gradients[step])
            {
                var actual = run.Gradients[step][name];
                var scale = Math.Max(expected.Max(Math.Abs), 1e-300);
                var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
                (worst / scale).ShouldBeLessThan(1e-10, $"gradient of {name} in step {step + 1}");
            }
        }

        reference.Losses[Steps - 1].ShouldBeLessThan(reference.Losses[0], "the reference itself learns");
        foreach (var (layer, bias) in reference.Biases)
        {
            run.Biases[layer].ShouldBe(bias, 1e-12, $"balance bias of layer {layer}");
        }
    }
}
