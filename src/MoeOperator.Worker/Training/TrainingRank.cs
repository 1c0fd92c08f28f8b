using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training.Model;
using MoeOperator.Worker.Training.Optim;
using MoeOperator.Worker.Training.Parallel;
using MoeOperator.Worker.Training.Pipeline;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training;

/// <summary>
/// One rank of a training job: its pipeline stages (with its block of experts when expert-parallel), its op list, and
/// the step after the pipeline: gradients summed over DualPipe's two copies of a stage and over data-parallel
/// replicas (expert weights over the replicas holding the same experts), added in a fixed rank order so a run is
/// bit-reproducible; then the global norm, clipping, AdamW and the expert-balance bias update.
/// </summary>
public sealed class TrainingRank : IDisposable
{
    private const string ExpertMarker = ".ffn.experts.";
    private readonly ModelArgs _args;
    private readonly TrainingTopology _topology;
    private readonly ITrainingMesh _mesh;
    private readonly OptimizerSettings _optimizer;
    private readonly StageLayout _layout;
    private readonly int _pipelineRank;
    private readonly int _dataIndex;
    private readonly int _microbatches;
    private readonly Dictionary<int, StageModel> _stages;
    private readonly IReadOnlyList<PipelineOp> _ops;
    private readonly GradientAccumulator _accumulator = new();
    private readonly PipelineExecutor _executor;
    private readonly List<(string Name, Tensor Parameter, int Stage)> _parameters;
    private readonly List<(int Layer, MixtureOfExperts Moe, int Stage)> _moeLayers;

    public TrainingRank(ModelArgs args, TrainingTopology topology, PipelineVariant variant, int microbatches, OptimizerSettings optimizer, long seed, ITrainingMesh mesh)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(mesh);
        if (topology.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(topology));
        }

        (_args, _topology, _mesh, _optimizer, _microbatches) = (args, topology, mesh, optimizer, microbatches);
        _layout = new StageLayout(variant, topology.Pipeline);
        _pipelineRank = topology.PipelineIndexOf(mesh.Rank);
        _dataIndex = topology.DataIndexOf(mesh.Rank);
        var experts = topology.Expert > 1 ? new ExpertParallelGroup(mesh, topology.ExpertGroup(mesh.Rank)) : null;
        _stages = _layout.StagesOf(_pipelineRank).ToDictionary(s => s, s => new StageModel(args, s, _layout.Stages, experts));
        foreach (var stage in _stages.Values)
        {
            ParameterInit.Apply(stage, seed);
        }

        _ops = PipelineScheduler.Plan(variant, topology.Pipeline, microbatches)[_pipelineRank];
        _executor = new PipelineExecutor(_layout, _pipelineRank, _stages, mesh, p => topology.RankOf(_dataIndex, p), _accumulator, () => experts?.ThrowIfFailed());
        _parameters = [.. _stages.SelectMany(s => s.Value.named_parameters().Select(p => (p.name, (Tensor)p.parameter, s.Key))).OrderBy(p => p.name, StringComparer.Ordinal)];
        _moeLayers = [.. _stages.SelectMany(s => s.Value.MoeLayers.Select(m => (m.Layer, m.Moe, Stage: s.Key))).OrderBy(m => m.Layer)];
        Optimizer = new AdamW(optimizer);
    }

    public AdamW Optimizer { get; }

    /// <summary>This rank's parameters by whole-model name.</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => _parameters.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);

    /// <summary>This rank's buffers (the balance biases) by whole-model name.</summary>
    public IReadOnlyDictionary<string, Tensor> Buffers => _stages.Values.SelectMany(s => s.named_buffers()).ToDictionary(b => b.name, b => b.buffer, StringComparer.Ordinal);

    /// <summary>The balance bias of each MoE layer this rank holds.</summary>
    public IReadOnlyDictionary<int, Tensor> Biases => _moeLayers.ToDictionary(m => m.Layer, m => m.Moe.Gate.Bias);

    /// <summary>The last step's gradients after the reductions and before clipping, by parameter name.</summary>
    public IReadOnlyDictionary<string, Tensor> Gradients => _accumulator.Sums;

    /// <summary>One optimiser step.</summary>
    /// <param name="step">1-based; names the step's messages and sets the learning rate.</param>
    /// <param name="microbatch">This data rank's micro-batch j (0..micro-batches-1).</param>
    public StepResult Step(long step, Func<int, Microbatch> microbatch)
    {
        ArgumentNullException.ThrowIfNull(microbatch);
        _accumulator.Clear();

        // Every tensor the step makes stays referenced by this scope until the step ends, so none (a temporary such
        // as the to_type in x.to_type(...).pow(...)) can be finalised by a collection on another thread while LibTorch
        // still reads it, and the step's activations and gradients are freed at once instead of at some later GC.
        using var scope = NewDisposeScope();
        foreach (var (_, moe, _) in _moeLayers)
        {
            Array.Clear(moe.Load);
        }

        var perDirection = _microbatches / _layout.Directions;
        var loss = _executor.Run(step, _ops, (direction, m) => microbatch((direction * perDirection) + m), 1.0 / (_topology.Data * _microbatches));
        var load = Reduce(step);
        var (normSquared, totalLoss, imbalance) = Totals(step, loss, load);
        var norm = Math.Sqrt(normSquared);
        var learningRate = _optimizer.LearningRateAt(step);
        var clip = _optimizer.ClipFactor(norm);
        var updates = _parameters.Select(p =>
        {
            var gradient = _accumulator.For(p.Name, p.Parameter);
            return (p.Name, p.Parameter, clip == 1.0 ? gradient : gradient.Times(clip));
        }).ToList();
        Optimizer.Step(updates, learningRate);
        foreach (var (layer, moe, _) in _moeLayers)
        {
            ExpertBalance.Update(moe.Gate.Bias, load[layer], _args.BiasUpdateSpeed);
        }

        // What outlives the step: the reduced gradients (read through Gradients until the next step clears them) and
        // the optimiser's moments, made on its first step.
        scope.Detach(_accumulator.Sums.Values);
        scope.Detach(Optimizer.Moments.Values.SelectMany(m => new[] { m.First, m.Second }));
        return new StepResult(step, totalLoss, norm, learningRate, load, imbalance);
    }

    // Copies first (DualPipe's mirror pair), then data-parallel replicas; loads ride with the dense gradients.
    private Dictionary<int, double[]> Reduce(long step)
    {
        var dense = _parameters.Where(p => !p.Name.Contains(ExpertMarker, StringComparison.Ordinal)).ToList();
        var expert = _parameters.Where(p => p.Name.Contains(ExpertMarker, StringComparison.Ordinal)).ToList();
        var loads = _moeLayers.Select(m => m.Moe.Load.Select(l => (double)l).ToArray()).ToList();

        var copies = _layout.CopiesOf(_pipelineRank).Select(p => _topology.RankOf(_dataIndex, p)).ToList();
        var all = Flatten([.. dense, .. expert], loads);
        all = MeshCollectives.AllReduceSum(_mesh, copies, $"copies/{step}", all);
        Unflatten(all, [.. dense, .. expert], loads);

        var denseSum = MeshCollectives.AllReduceSum(_mesh, _topology.DataGroup(_mesh.Rank), $"data/{step}", Flatten(dense, loads));
        Unflatten(denseSum, dense, loads);
        if (expert.Count > 0)
        {
            var expertSum = MeshCollectives.AllReduceSum(_mesh, _topology.ExpertReplicas(_mesh.Rank), $"experts/{step}", Flatten(expert, []));
            Unflatten(expertSum, expert, []);
        }

        return _moeLayers.Select((m, i) => (m.Layer, loads[i])).ToDictionary(x => x.Layer, x => x.Item2);
    }

    // Each parameter counted once: DualPipe's first copy, data rank 0 (expert weights: the first expert group). Each
    // MoE layer's imbalance likewise comes from one rank, so every rank (rank 0 reports it) learns all layers'.
    private (double NormSquared, double Loss, Dictionary<int, double> Imbalance) Totals(long step, double loss, Dictionary<int, double[]> load)
    {
        var squares = 0.0;
        foreach (var (name, parameter, stage) in _parameters)
        {
            var isExpert = name.Contains(ExpertMarker, StringComparison.Ordinal);
            if (_layout.Owns(_pipelineRank, stage) && (isExpert ? _dataIndex < _topology.Expert : _dataIndex == 0))
            {
                squares += _accumulator.For(name, parameter).to_type(ScalarType.Float64).pow(HeldScalars.Two).sum().item<double>();
            }
        }

        var firstMoe = _args.DenseLayers;
        var values = new double[2 + _args.Layers - firstMoe];
        (values[0], values[1]) = (squares, loss);
        foreach (var (layer, _, _) in _moeLayers.Where(m => _dataIndex == 0 && _layout.Owns(_pipelineRank, m.Stage)))
        {
            values[2 + layer - firstMoe] = ExpertBalance.Imbalance(load[layer]);
        }

        var world = Enumerable.Range(0, _topology.WorldSize).ToList();
        var totals = MeshCollectives.AllReduceSum(_mesh, world, $"totals/{step}", values);
        var imbalance = Enumerable.Range(firstMoe, _args.Layers - firstMoe).ToDictionary(layer => layer, layer => totals[2 + layer - firstMoe]);
        return (totals[0], totals[1], imbalance);
    }

    private double[] Flatten(List<(string Name, Tensor Parameter, int Stage)> parameters, List<double[]> loads)
    {
        var values = new List<double>();
        foreach (var (name, parameter, _) in parameters)
        {
            values.AddRange(_accumulator.For(name, parameter).to_type(ScalarType.Float64).contiguous().data<double>().ToArray());
        }

        foreach (var load in loads)
        {
            values.AddRange(load);
        }

        return [.. values];
    }

    private void Unflatten(double[] values, List<(string Name, Tensor Parameter, int Stage)> parameters, List<double[]> loads)
    {
        var offset = 0;
        using var _ = no_grad();
        foreach (var (name, parameter, _) in parameters)
        {
            var sum = _accumulator.For(name, parameter);
            var count = (int)sum.numel();
            using var reduced = tensor(values.AsSpan(offset, count).ToArray(), sum.shape).to_type(sum.dtype);
            sum.copy_(reduced);
            offset += count;
        }

        foreach (var load in loads)
        {
            values.AsSpan(offset, load.Length).CopyTo(load);
            offset += load.Length;
        }
    }

    public void Dispose()
    {
        _accumulator.Clear();
        foreach (var stage in _stages.Values)
        {
            stage.Dispose();
        }
    }
}
