using System.Runtime.InteropServices;

namespace MoeOperator.Worker.Kernels;

/// <summary>The C ABI of libmoe_kernels (native/include); every call returns a status, never throws.</summary>
internal static unsafe partial class NativeMethods
{
    private const string Library = "moe_kernels";

    [LibraryImport(Library, EntryPoint = "moe_abi_version")]
    internal static partial int AbiVersion();

    [LibraryImport(Library, EntryPoint = "moe_last_error")]
    internal static partial nint LastError();

    [LibraryImport(Library, EntryPoint = "moe_cpu_path")]
    internal static partial nint CpuPath();

    [LibraryImport(Library, EntryPoint = "moe_set_num_threads")]
    internal static partial int SetNumThreads(int threads);

    [LibraryImport(Library, EntryPoint = "moe_get_num_threads")]
    internal static partial int GetNumThreads();

    [LibraryImport(Library, EntryPoint = "moe_e4m3_to_float")]
    internal static partial float E4m3ToFloat(byte code);

    [LibraryImport(Library, EntryPoint = "moe_float_to_e4m3")]
    internal static partial byte FloatToE4m3(float value);

    [LibraryImport(Library, EntryPoint = "moe_fp8_quantize_per_token")]
    internal static partial int QuantizePerToken(float* x, long m, long k, byte* codes, float* scales);

    [LibraryImport(Library, EntryPoint = "moe_fp8_dequantize_per_token")]
    internal static partial int DequantizePerToken(byte* codes, float* scales, long m, long k, float* x);

    [LibraryImport(Library, EntryPoint = "moe_fp8_quantize_per_block")]
    internal static partial int QuantizePerBlock(float* w, long n, long k, byte* codes, float* scales);

    [LibraryImport(Library, EntryPoint = "moe_fp8_dequantize_per_block")]
    internal static partial int DequantizePerBlock(byte* codes, float* scales, long n, long k, float* w);

    [LibraryImport(Library, EntryPoint = "moe_fp8_gemm_nt")]
    internal static partial int GemmNt(byte* a, float* aScales, byte* b, float* bScales, long m, long n, long k, void* d, int dType);

    [LibraryImport(Library, EntryPoint = "moe_fp8_grouped_gemm_contiguous")]
    internal static partial int GroupedGemmContiguous(
        byte* a, float* aScales, byte* b, float* bScales, int* groupOfRow, long mSum, long groups, long n, long k, void* d, int dType);

    [LibraryImport(Library, EntryPoint = "moe_fp8_grouped_gemm_masked")]
    internal static partial int GroupedGemmMasked(
        byte* a, float* aScales, byte* b, float* bScales, int* maskedM, long groups, long mMax, long n, long k, void* d, int dType);

    [LibraryImport(Library, EntryPoint = "moe_mla_get_metadata")]
    internal static partial int MlaGetMetadata(int* cacheSeqlens, long batch, long numParts, int* tileMetadata, int* numSplits);

    [LibraryImport(Library, EntryPoint = "moe_mla_decode")]
    internal static partial int MlaDecode(
        float* q, float* kCache, int* blockTable, int* cacheSeqlens, long batch, long sQ, long hQ, long numBlocks, long maxBlocksPerSeq,
        float softmaxScale, int causal, int* tileMetadata, int* numSplits, long numParts, float* output, float* lse);

    [LibraryImport(Library, EntryPoint = "moe_ep_dispatch_layout")]
    internal static partial int EpDispatchLayout(
        long* topkIdx, long tokens, long topK, long numExperts, long numRanks, int* tokensPerRank, int* tokensPerExpert, byte* isTokenInRank);

    [LibraryImport(Library, EntryPoint = "moe_ep_permute")]
    internal static partial int EpPermute(
        float* x, long* topkIdx, float* topkWeights, long tokens, long hidden, long topK, long numExperts, long numRanks, long received,
        float* recvX, int* recvSrcToken, long* recvTopkIdx, float* recvTopkWeights, int* rankOffsets);

    [LibraryImport(Library, EntryPoint = "moe_ep_unpermute")]
    internal static partial int EpUnpermute(float* y, int* srcToken, float* rowWeights, long received, long hidden, long tokens, float* output);
}
