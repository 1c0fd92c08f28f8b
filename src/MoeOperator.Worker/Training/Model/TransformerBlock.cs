using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training.Parallel;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>x + attn(attn_norm(x)), then + ffn(ffn_norm(x)); the FFN is dense in the first layers and MoE after.</summary>
internal sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly RmsNorm _attnNorm;
    private readonly MultiHeadLatentAttention _attn;
    private readonly RmsNorm _ffnNorm;
    private readonly nn.Module<Tensor, Tensor> _ffn;

    public TransformerBlock(int layer, ModelArgs args, ExpertParallelGroup? experts) : base(nameof(TransformerBlock))
    {
        ArgumentNullException.ThrowIfNull(args);
        _attnNorm = new RmsNorm(args.Dim, args.DType);
        _attn = new MultiHeadLatentAttention(args);
        _ffnNorm = new RmsNorm(args.Dim, args.DType);
        _ffn = args.IsMoeLayer(layer) ? new MixtureOfExperts(args, experts) : new FeedForward(args.Dim, args.InterDim, args.DType);
        register_module("attn_norm", _attnNorm);
        register_module("attn", _attn);
        register_module("ffn_norm", _ffnNorm);
        register_module("ffn", _ffn);
    }

    /// <summary>The MoE FFN, or null in a dense layer.</summary>
    public MixtureOfExperts? Moe => _ffn as MixtureOfExperts;

    public override Tensor forward(Tensor input)
    {
        var x = input.Plus(_attn.forward(_attnNorm.forward(input)));
        return x.Plus(_ffn.forward(_ffnNorm.forward(x)));
    }
}
