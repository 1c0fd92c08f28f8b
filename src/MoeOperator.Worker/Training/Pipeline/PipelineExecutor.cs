using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training.Model;
using MoeOperator.Worker.Training.Parallel;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Pipeline;

/// <summary>A micro-batch's token ids [batch, seq] and next-token labels [batch, seq].</summary>
public sealed record Microbatch(Tensor Ids, Tensor Labels);

/// <summary>
/// Runs one rank's op list of a pipeline step (from <see cref="PipelineScheduler"/>): F receives a stage's input
/// (or embeds the micro-batch's ids), runs the stage and sends the output on (or computes the scaled loss on the
/// last stage); B receives the output's gradient, computes the input's gradient and sends it back, and the weights'
/// gradients too unless the op defers them to a later W, the zero-bubble split done with two autograd.grad calls.
/// Messages are tagged by step, direction, micro-batch and stage, so the order in which neighbours interleave them
/// does not matter. <c>checkBackward</c> runs after every autograd call and throws what failed inside it.
/// </summary>
internal sealed class PipelineExecutor(
    StageLayout layout,
    int pipelineRank,
    IReadOnlyDictionary<int, StageModel> stages,
    ITrainingMesh mesh,
    Func<int, int> meshRankOfPipelineRank,
    GradientAccumulator gradients,
    Action checkBackward)
{
    private readonly Dictionary<(int Direction, int Microbatch, int Stage), (Tensor? Input, Tensor Output)> _live = [];
    private readonly Queue<(Tensor Output, Tensor Gradient, int Stage)> _deferred = new();
    private readonly Dictionary<int, List<(string Name, Tensor Parameter)>> _parameters =
        stages.ToDictionary(s => s.Key, s => s.Value.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList());

    /// <summary>Runs the ops; returns the sum of the scaled losses this rank computed (non-zero only where a last stage lives).</summary>
    /// <param name="step">Names this step's messages.</param>
    /// <param name="ops">This rank's ops.</param>
    /// <param name="microbatch">The data of (direction, micro-batch), asked for on the stage that embeds it and the one that scores it.</param>
    /// <param name="lossScale">What each micro-batch's mean loss is multiplied by (1 / micro-batches over all data ranks).</param>
    public double Run(long step, IReadOnlyList<PipelineOp> ops, Func<int, int, Microbatch> microbatch, double lossScale)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var loss = 0.0;
        foreach (var op in ops)
        {
            switch (op.Kind)
            {
                case PipelineOpKind.F:
                    loss += Forward(step, op, microbatch, lossScale);
                    break;
                case PipelineOpKind.B:
                    Backward(step, op);
                    break;
                case PipelineOpKind.W:
                    Weights();
                    break;
                default:
                    loss += Forward(step, op.Forward!, microbatch, lossScale);
                    Backward(step, op.Backward!);
                    break;
            }
        }

        if (_live.Count > 0 || _deferred.Count > 0)
        {
            throw new InvalidOperationException($"pipeline rank {pipelineRank}: the schedule left {_live.Count} micro-batches without a backward and {_deferred.Count} weight gradients");
        }

        return loss;
    }

    private double Forward(long step, PipelineOp op, Func<int, int, Microbatch> microbatch, double lossScale)
    {
        var stage = stages[op.Stage];
        Tensor? input = null;
        Tensor x;
        if (stage.IsFirst)
        {
            x = microbatch(op.Direction, op.Microbatch).Ids;
        }
        else
        {
            input = Receive(layout.RankOf(op.Stage - 1, op.Direction), Tag(step, "activation", op)).requires_grad_(true);
            x = input;
        }

        var output = stage.forward(x);
        var loss = 0.0;
        if (stage.IsLast)
        {
            var labels = microbatch(op.Direction, op.Microbatch).Labels;
            output = nn.functional.cross_entropy(output.view(-1, output.shape[^1]), labels.reshape(-1)).Times(lossScale);
            loss = output.detach().to_type(ScalarType.Float64).item<double>();
        }
        else
        {
            Send(layout.RankOf(op.Stage + 1, op.Direction), Tag(step, "activation", op with { Stage = op.Stage + 1 }), output);
        }

        _live[(op.Direction, op.Microbatch, op.Stage)] = (input, output);
        return loss;
    }

    private void Backward(long step, PipelineOp op)
    {
        var key = (op.Direction, op.Microbatch, op.Stage);
        var (input, output) = _live[key];
        _live.Remove(key);
        var stage = stages[op.Stage];
        var gradient = stage.IsLast
            ? ones_like(output)
            : Receive(layout.RankOf(op.Stage + 1, op.Direction), Tag(step, "gradient", op));
        var parameters = _parameters[op.Stage];
        if (op.ZeroBubble)
        {
            if (input is not null)
            {
                var inputGradient = autograd.grad([output], [input], [gradient], retain_graph: true)[0];
                checkBackward();
                Send(layout.RankOf(op.Stage - 1, op.Direction), Tag(step, "gradient", op with { Stage = op.Stage - 1 }), inputGradient);
            }

            _deferred.Enqueue((output, gradient, op.Stage));
            return;
        }

        var wanted = input is null ? parameters.Select(p => p.Parameter).ToList() : [input, .. parameters.Select(p => p.Parameter)];
        var all = autograd.grad([output], wanted, [gradient], allow_unused: true);
        checkBackward();
        if (input is not null)
        {
            Send(layout.RankOf(op.Stage - 1, op.Direction), Tag(step, "gradient", op with { Stage = op.Stage - 1 }), all[0]);
        }

        gradients.Add(parameters, all, input is null ? 0 : 1);
    }

    private void Weights()
    {
        var (output, gradient, stage) = _deferred.Dequeue();
        var parameters = _parameters[stage];
        var all = autograd.grad([output], [.. parameters.Select(p => p.Parameter)], [gradient], allow_unused: true);
        checkBackward();
        gradients.Add(parameters, all, 0);
    }

    private void Send(int toPipelineRank, string tag, Tensor tensor) =>
        mesh.Send(meshRankOfPipelineRank(toPipelineRank), tag, TensorBytes.Encode(tensor));

    private Tensor Receive(int fromPipelineRank, string tag) =>
        TensorBytes.Decode(mesh.Receive(meshRankOfPipelineRank(fromPipelineRank), tag));

    // The stage in the tag is the stage the message is for: its input (activation) or its output's gradient.
    private static string Tag(long step, string kind, PipelineOp op) => $"pp/{step}/{kind}/{op.Direction}/{op.Microbatch}/{op.Stage}";
}
