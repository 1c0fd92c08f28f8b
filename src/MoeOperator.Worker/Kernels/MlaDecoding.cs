namespace MoeOperator.Worker.Kernels;

/// <summary>The split-KV schedule of an MLA decoding step: tile metadata [parts, 4] and num_splits [batch + 1].</summary>
public sealed record MlaSchedule(int[] TileMetadata, int[] NumSplits, int Parts);

/// <summary>One decoding step's inputs (FlashMLA layout, float32, one KV head).</summary>
/// <param name="Q">[batch, s_q, h_q, 576]</param>
/// <param name="KCache">[num_blocks, 64, 1, 576]; V is the first 512 dims of each row.</param>
/// <param name="BlockTable">[batch, max_blocks_per_seq]</param>
/// <param name="CacheSeqlens">[batch]</param>
/// <param name="Causal">Query position i sees the first seqlen - (s_q - 1 - i) tokens.</param>
public sealed record MlaInputs(NdArray<float> Q, NdArray<float> KCache, NdArray<int> BlockTable, NdArray<int> CacheSeqlens, bool Causal)
{
    public const int PageSize = 64;
    public const int HeadDim = 576;
    public const int ValueDim = 512;

    private const string QLayout = "[batch, s_q, h_q, 576]";

    /// <summary>Sequences.</summary>
    public int Batch => (int)Q.Shape[0];

    /// <summary>Query positions per sequence.</summary>
    public int SQ => (int)Q.Shape[1];

    /// <summary>Query heads.</summary>
    public int HQ => (int)Q.Shape[2];

    public int NumBlocks => (int)KCache.Shape[0];

    public int MaxBlocksPerSeq => (int)BlockTable.Shape[1];

    /// <summary>Throws <see cref="KernelInputException"/> unless every input has FlashMLA's shape for this batch.</summary>
    public void Validate()
    {
        var q = InputShapes.Dims(Q, "q", QLayout, 4);
        InputShapes.Positive(Q, "q", QLayout, "batch", q[0]);
        InputShapes.Positive(Q, "q", QLayout, "s_q", q[1]);
        InputShapes.Positive(Q, "q", QLayout, "h_q", q[2]);
        InputShapes.Require(Q, "q", QLayout, q[0], q[1], q[2], HeadDim);
        var blocks = InputShapes.Dims(KCache, "k_cache", "[num_blocks, 64, 1, 576]", 4)[0];
        InputShapes.Positive(KCache, "k_cache", "[num_blocks, 64, 1, 576]", "num_blocks", blocks);
        InputShapes.Require(KCache, "k_cache", "[num_blocks, 64, 1, 576]", blocks, PageSize, 1, HeadDim);
        var table = InputShapes.Dims(BlockTable, "block_table", "[batch, max_blocks_per_seq]", 2);
        InputShapes.Require(BlockTable, "block_table", $"[batch, max_blocks_per_seq] with batch = {q[0]} from q", q[0], Math.Max(1, table[1]));
        InputShapes.Require(CacheSeqlens, "cache_seqlens", $"[batch] with batch = {q[0]} from q", q[0]);
    }
}

/// <summary>
/// The result of a decoding step: out [batch, s_q, h_q, 512] and lse [batch, h_q, s_q], the natural logarithm (base e,
/// as FlashMLA's softmax_lse) of each query's softmax denominator over the scaled scores; -inf where a query sees no token.
/// </summary>
public sealed record MlaOutput(float[] Out, float[] Lse);

/// <summary>MLA decoding over a paged KV cache (moe_mla.h).</summary>
public static unsafe class MlaDecoding
{
    /// <summary>Cuts the sequences' pages into parts of about equal work.</summary>
    public static MlaSchedule Schedule(ReadOnlySpan<int> cacheSeqlens, int parts)
    {
        Shapes.Positive(cacheSeqlens.Length, "cacheSeqlens.Length");
        Shapes.Positive(parts, nameof(parts));
        var schedule = new MlaSchedule(new int[parts * 4], new int[cacheSeqlens.Length + 1], parts);
        fixed (int* seqlens = cacheSeqlens, metadata = schedule.TileMetadata, splits = schedule.NumSplits)
        {
            Native.Check(NativeMethods.MlaGetMetadata(seqlens, cacheSeqlens.Length, parts, metadata, splits), "mla metadata");
        }

        return schedule;
    }

    /// <summary>Attention of every query over its sequence's cached tokens; softmaxScale 0 means 1/sqrt(576).</summary>
    public static MlaOutput Decode(MlaInputs inputs, MlaSchedule schedule, float softmaxScale = 0)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(schedule);
        inputs.Validate();
        var rows = (long)inputs.Batch * inputs.SQ * inputs.HQ;
        Shapes.Length<int>(schedule.NumSplits, inputs.Batch + 1, "schedule.NumSplits", $"[{inputs.Batch + 1}]");
        Shapes.Positive(schedule.Parts, "schedule.Parts");
        Shapes.Length<int>(schedule.TileMetadata, (long)schedule.Parts * 4, "schedule.TileMetadata", $"[{schedule.Parts}, 4]");
        var output = new MlaOutput(new float[rows * MlaInputs.ValueDim], new float[rows]);
        fixed (float* q = inputs.Q.Data, kCache = inputs.KCache.Data, o = output.Out, lse = output.Lse)
        fixed (int* blockTable = inputs.BlockTable.Data, seqlens = inputs.CacheSeqlens.Data, metadata = schedule.TileMetadata, splits = schedule.NumSplits)
        {
            Native.Check(
                NativeMethods.MlaDecode(
                    q, kCache, blockTable, seqlens, inputs.Batch, inputs.SQ, inputs.HQ, inputs.NumBlocks, inputs.MaxBlocksPerSeq,
                    softmaxScale, inputs.Causal ? 1 : 0, metadata, splits, schedule.Parts, o, lse),
                "mla decode");
        }

        return output;
    }
}
