namespace MoeOperator.Worker.Kernels;

/// <summary>The split-KV schedule of an MLA decoding step: tile metadata [parts, 4] and num_splits [batch + 1].</summary>
public sealed record MlaSchedule(int[] TileMetadata, int[] NumSplits, int Parts);

/// <summary>One decoding step's inputs (FlashMLA layout, float32, one KV head).</summary>
/// <param name="Q">[batch, sQ, hQ, 576]</param>
/// <param name="KCache">[numBlocks, 64, 1, 576]; V is the first 512 dims of each row.</param>
/// <param name="BlockTable">[batch, maxBlocksPerSeq]</param>
/// <param name="CacheSeqlens">[batch]</param>
/// <param name="Batch">Sequences.</param>
/// <param name="SQ">Query positions per sequence.</param>
/// <param name="HQ">Query heads.</param>
/// <param name="Causal">Query position i sees the first seqlen - (sQ - 1 - i) tokens.</param>
public sealed record MlaInputs(float[] Q, float[] KCache, int[] BlockTable, int[] CacheSeqlens, int Batch, int SQ, int HQ, bool Causal)
{
    public const int PageSize = 64;
    public const int HeadDim = 576;
    public const int ValueDim = 512;

    public int NumBlocks => KCache.Length / (PageSize * HeadDim);

    public int MaxBlocksPerSeq => Batch == 0 ? 0 : BlockTable.Length / Batch;
}

/// <summary>The result of a decoding step: out [batch, sQ, hQ, 512] and lse [batch, hQ, sQ].</summary>
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
        Shapes.Positive(inputs.Batch, "inputs.Batch");
        Shapes.Positive(inputs.SQ, "inputs.SQ");
        Shapes.Positive(inputs.HQ, "inputs.HQ");
        var rows = (long)inputs.Batch * inputs.SQ * inputs.HQ;
        Shapes.Length<float>(inputs.Q, rows * MlaInputs.HeadDim, "inputs.Q", $"[{inputs.Batch}, {inputs.SQ}, {inputs.HQ}, 576]");
        if (inputs.KCache.Length == 0 || inputs.KCache.Length % (MlaInputs.PageSize * MlaInputs.HeadDim) != 0)
        {
            throw new ArgumentException($"inputs.KCache has {inputs.KCache.Length} elements, not a whole number of [64, 1, 576] blocks", nameof(inputs));
        }

        if (inputs.BlockTable.Length == 0 || inputs.BlockTable.Length % inputs.Batch != 0)
        {
            throw new ArgumentException($"inputs.BlockTable has {inputs.BlockTable.Length} entries, not [batch = {inputs.Batch}, maxBlocksPerSeq]", nameof(inputs));
        }

        Shapes.Length<int>(inputs.CacheSeqlens, inputs.Batch, "inputs.CacheSeqlens", $"[{inputs.Batch}]");
        Shapes.Length<int>(schedule.NumSplits, inputs.Batch + 1, "schedule.NumSplits", $"[{inputs.Batch + 1}]");
        Shapes.Positive(schedule.Parts, "schedule.Parts");
        Shapes.Length<int>(schedule.TileMetadata, (long)schedule.Parts * 4, "schedule.TileMetadata", $"[{schedule.Parts}, 4]");
        var output = new MlaOutput(new float[rows * MlaInputs.ValueDim], new float[rows]);
        fixed (float* q = inputs.Q, kCache = inputs.KCache, o = output.Out, lse = output.Lse)
        fixed (int* blockTable = inputs.BlockTable, seqlens = inputs.CacheSeqlens, metadata = schedule.TileMetadata, splits = schedule.NumSplits)
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
