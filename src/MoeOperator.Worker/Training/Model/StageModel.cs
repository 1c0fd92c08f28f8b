using MoeOperator.Worker.Training.Parallel;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// One pipeline stage of the transformer: the embedding on the first stage, its share of the layers, and the final
/// norm and output head on the last. One stage of one is the whole model. Parameter names are the whole model's
/// (<c>embed.weight</c>, <c>layers.5.ffn.experts.3.w1.weight</c>, <c>head.weight</c>), whichever stage holds them.
/// </summary>
internal sealed class StageModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding? _embed;
    private readonly NamedModules<TransformerBlock> _layers;
    private readonly RmsNorm? _norm;
    private readonly Linear? _head;

    public StageModel(ModelArgs args, int stage, int stages, ExpertParallelGroup? experts = null) : base(nameof(StageModel))
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(args));
        }

        Stage = stage;
        IsFirst = stage == 0;
        IsLast = stage == stages - 1;
        Layers = LayersOf(args.Layers, stage, stages);
        if (IsFirst)
        {
            _embed = nn.Embedding(args.VocabSize, args.Dim, dtype: args.DType);
            register_module("embed", _embed);
        }

        _layers = new NamedModules<TransformerBlock>(Enumerable.Range(Layers.Start, Layers.Count).Select(l => (l, new TransformerBlock(l, args, experts))));
        register_module("layers", _layers);
        if (IsLast)
        {
            _norm = new RmsNorm(args.Dim, args.DType);
            _head = nn.Linear(args.Dim, args.VocabSize, hasBias: false, dtype: args.DType);
            register_module("norm", _norm);
            register_module("head", _head);
        }
    }

    public int Stage { get; }

    public bool IsFirst { get; }

    public bool IsLast { get; }

    public (int Start, int Count) Layers { get; }

    /// <summary>The MoE layers of this stage by global layer index.</summary>
    public IEnumerable<(int Layer, MixtureOfExperts Moe)> MoeLayers =>
        _layers.Children.Where(c => c.Value.Moe is not null).Select(c => (c.Key, c.Value.Moe!));

    /// <summary>The layers of <paramref name="stage"/>: an even split, earlier stages taking none of the remainder.</summary>
    public static (int Start, int Count) LayersOf(int layers, int stage, int stages)
    {
        var start = (int)((long)layers * stage / stages);
        var end = (int)((long)layers * (stage + 1) / stages);
        return (start, end - start);
    }

    /// <param name="input">Token ids [batch, seq] on the first stage, hidden states [batch, seq, dim] after.</param>
    /// <returns>Hidden states, or logits [batch, seq, vocab] on the last stage.</returns>
    public override Tensor forward(Tensor input)
    {
        var x = _embed is not null ? _embed.forward(input) : input;
        foreach (var layer in _layers.Children.Values)
        {
            x = layer.forward(x);
        }

        return _head is not null ? _head.forward(_norm!.forward(x)) : x;
    }
}
