using MoeOperator.Worker.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// Multi-head latent attention (DeepSeek-V3's MLA, the naive path): keys and values are decompressed from a
/// kv_lora_rank latent (wkv_a, kv_norm, wkv_b); a qk_rope_head_dim part of each query and one shared key part carry
/// RoPE; causal softmax attention over qk_nope_head_dim + qk_rope_head_dim.
/// </summary>
internal sealed class MultiHeadLatentAttention : nn.Module<Tensor, Tensor>
{
    private readonly ModelArgs _args;
    private readonly Linear? _wq;
    private readonly Linear? _wqA;
    private readonly RmsNorm? _qNorm;
    private readonly Linear? _wqB;
    private readonly Linear _wkvA;
    private readonly RmsNorm _kvNorm;
    private readonly Linear _wkvB;
    private readonly Linear _wo;
    private readonly Scalar _softmaxScale;

    public MultiHeadLatentAttention(ModelArgs args) : base(nameof(MultiHeadLatentAttention))
    {
        _args = args;
        var dtype = args.DType;
        if (args.QLoraRank == 0)
        {
            _wq = nn.Linear(args.Dim, args.Heads * args.QkHeadDim, hasBias: false, dtype: dtype);
            register_module("wq", _wq);
        }
        else
        {
            _wqA = nn.Linear(args.Dim, args.QLoraRank, hasBias: false, dtype: dtype);
            _qNorm = new RmsNorm(args.QLoraRank, dtype);
            _wqB = nn.Linear(args.QLoraRank, args.Heads * args.QkHeadDim, hasBias: false, dtype: dtype);
            register_module("wq_a", _wqA);
            register_module("q_norm", _qNorm);
            register_module("wq_b", _wqB);
        }

        _wkvA = nn.Linear(args.Dim, args.KvLoraRank + args.QkRopeHeadDim, hasBias: false, dtype: dtype);
        _kvNorm = new RmsNorm(args.KvLoraRank, dtype);
        _wkvB = nn.Linear(args.KvLoraRank, args.Heads * (args.QkNopeHeadDim + args.VHeadDim), hasBias: false, dtype: dtype);
        _wo = nn.Linear(args.Heads * args.VHeadDim, args.Dim, hasBias: false, dtype: dtype);
        register_module("wkv_a", _wkvA);
        register_module("kv_norm", _kvNorm);
        register_module("wkv_b", _wkvB);
        register_module("wo", _wo);
        _softmaxScale = (1.0 / Math.Sqrt(args.QkHeadDim)).ToScalar();
    }

    /// <param name="input">[batch, seq, dim].</param>
    public override Tensor forward(Tensor input)
    {
        var (batch, sequence) = (input.shape[0], input.shape[1]);
        var a = _args;
        var q = _wq is not null ? _wq.forward(input) : _wqB!.forward(_qNorm!.forward(_wqA!.forward(input)));
        q = q.view(batch, sequence, a.Heads, a.QkHeadDim);
        var qParts = q.split([a.QkNopeHeadDim, a.QkRopeHeadDim], -1);
        var (cos, sin) = RotaryEmbedding.Angles((int)sequence, a.QkRopeHeadDim, a.RopeTheta, a.DType);
        var qPe = RotaryEmbedding.Apply(qParts[1], cos, sin);
        var kv = _wkvA.forward(input);
        var kvParts = kv.split([a.KvLoraRank, a.QkRopeHeadDim], -1);
        var kPe = RotaryEmbedding.Apply(kvParts[1].unsqueeze(2), cos, sin);
        var queries = cat([qParts[0], qPe], -1);
        var decompressed = _wkvB.forward(_kvNorm.forward(kvParts[0])).view(batch, sequence, a.Heads, a.QkNopeHeadDim + a.VHeadDim);
        var kvHeads = decompressed.split([a.QkNopeHeadDim, a.VHeadDim], -1);
        var keys = cat([kvHeads[0], kPe.expand(-1, -1, a.Heads, -1)], -1);
        var scores = einsum("bshd,bthd->bsht", queries, keys).mul(_softmaxScale);
        var causal = full(sequence, sequence, HeldScalars.NegativeInfinity, dtype: scores.dtype).triu(1);
        scores = scores.Plus(causal.view(1, sequence, 1, sequence)).softmax(-1);
        var attended = einsum("bsht,bthd->bshd", scores, kvHeads[1]);
        return _wo.forward(attended.flatten(2));
    }
}
