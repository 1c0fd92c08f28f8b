// FP8 GEMMs on the GPU, dense and grouped, in one tiled kernel: a 64x64 output tile per block of 256 threads, each
// thread 4x4 outputs; 64 columns of K at a time are decoded (and scaled: a 64-wide slice lies inside one scale
// block) into shared memory. Plain float32 FMAs, no tensor cores yet: this is the correctness baseline the GPU
// check compares the CPU against, and the timing a tensor-core version must beat. Dense decode shapes (m <= 64)
// take a second kernel that streams the weights instead (Fp8DecodeKernel below).
#include "../src/gemm_checks.h"
#include "cuda_common.cuh"
#include "moe_cuda.h"

namespace moe {
namespace cuda {
namespace {

constexpr int kTile = 64;
constexpr int kDepth = 64;
constexpr int kPad = 4;  // rows of shared memory padded against bank conflicts

enum class Rows { kDense, kContiguous, kMasked };

struct GemmArgs {
  const uint8_t* a;
  const float* a_scales;
  const uint8_t* b;
  const float* b_scales;
  const int32_t* rows_info;  // group_of_row (contiguous) or masked_m (masked)
  int64_t m, n, k, groups;
  void* d;
  moe_dtype d_type;
};

template <Rows Mode>
__global__ void __launch_bounds__(256) Fp8GemmKernel(GemmArgs args) {
  __shared__ float a_tile[kTile][kDepth + kPad];
  __shared__ float b_tile[kTile][kDepth + kPad];
  const int64_t k_blocks = args.k / 128;
  const int64_t scale_rows = (args.n + 127) / 128;
  int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTile;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTile;
  int64_t row_end = args.m;  // rows of A this tile may compute
  int64_t group = 0;
  if constexpr (Mode == Rows::kMasked) {
    group = blockIdx.z;
    const int32_t valid = args.rows_info[group];
    row_end = group * args.m + (valid < 0 ? 0 : (valid > args.m ? args.m : valid));
    row0 += group * args.m;
  } else if constexpr (Mode == Rows::kContiguous) {
    // A 64-row tile lies inside one 128-row block, which holds one group (or only padding).
    group = -1;
    for (int64_t r = row0; r < row0 + kTile && r < args.m && group < 0; ++r) group = args.rows_info[r];
    if (group >= args.groups) group = -1;  // out of range: treated as padding
  }
  const int64_t weights = group < 0 ? 0 : group;  // a padding tile reads no weights
  const uint8_t* b = args.b + weights * args.n * args.k;
  const float* b_scales = args.b_scales + weights * scale_rows * k_blocks;

  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[4][4] = {};
  const bool compute = Mode != Rows::kContiguous || group >= 0;
  for (int64_t k0 = 0; compute && k0 < args.k; k0 += kDepth) {
    // Each thread decodes 16 codes of A and 16 of B: row threadIdx.x / 4, columns (threadIdx.x % 4) * 16.
    const int load_row = threadIdx.x / 4, load_col = (threadIdx.x % 4) * 16;
    const int64_t a_row = row0 + load_row, b_row = col0 + load_row;
    const bool a_valid = a_row < row_end && (Mode != Rows::kContiguous || args.rows_info[a_row] == group);
    const float a_scale = a_valid ? args.a_scales[a_row * k_blocks + k0 / 128] : 0.0f;
    const float b_scale = b_row < args.n ? b_scales[(b_row / 128) * k_blocks + k0 / 128] : 0.0f;
    for (int i = 0; i < 16; ++i) {
      a_tile[load_row][load_col + i] =
          a_valid ? E4m3ToFloat(args.a[a_row * args.k + k0 + load_col + i]) * a_scale : 0.0f;
      b_tile[load_row][load_col + i] =
          b_row < args.n ? E4m3ToFloat(b[b_row * args.k + k0 + load_col + i]) * b_scale : 0.0f;
    }
    __syncthreads();
    for (int kk = 0; kk < kDepth; ++kk) {
      float a_values[4], b_values[4];
      for (int i = 0; i < 4; ++i) a_values[i] = a_tile[ty * 4 + i][kk];
      for (int j = 0; j < 4; ++j) b_values[j] = b_tile[tx * 4 + j][kk];
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a_values[i], b_values[j], acc[i][j]);
      }
    }
    __syncthreads();
  }
  // Rows the tile may not compute (padding, masked) are written as zeros, like the CPU.
  const int64_t row_limit = Mode == Rows::kMasked ? (static_cast<int64_t>(blockIdx.z) + 1) * args.m : args.m;
  for (int i = 0; i < 4; ++i) {
    const int64_t row = row0 + ty * 4 + i;
    if (row >= row_limit) continue;
    const bool valid = compute && row < row_end && (Mode != Rows::kContiguous || args.rows_info[row] == group);
    for (int j = 0; j < 4; ++j) {
      const int64_t col = col0 + tx * 4 + j;
      if (col >= args.n) continue;
      const float value = valid ? acc[i][j] : 0.0f;
      if (args.d_type == MOE_DTYPE_F32) {
        static_cast<float*>(args.d)[row * args.n + col] = value;
      } else {
        static_cast<uint16_t*>(args.d)[row * args.n + col] = FloatToBf16(value);
      }
    }
  }
}

// Decode shapes: a 64x64 tile leaves most of the GPU idle when m is small, and every output needs the whole row
// of B, so the weights are streamed: each warp owns kColumnsPerWarp output columns and kRows rows, and each lane
// reads 16 consecutive codes (one 16-byte load) of every one of those rows of A and B per 512-wide slice of K.
// No shared memory and no barriers: the next slice's codes are loaded into registers while this slice computes,
// so a warp always has its next loads in flight. A and B codes are each decoded once per lane and slice.
constexpr int kSlice = 512;
constexpr int kColumnsPerWarp = 4;
constexpr int kDecodeWarps = 4;
constexpr int64_t kDecodeMaxRows = 64;

template <int kRows>
struct DecodeSlice {
  uint4 a[kRows], b[kColumnsPerWarp];
  float a_scale[kRows], b_scale[kColumnsPerWarp];
};

// This lane's 16 codes (at k index kk, inside one 128-wide scale block) of each row; zeros outside the matrices.
template <int kRows>
__device__ __forceinline__ DecodeSlice<kRows> LoadSlice(const GemmArgs& args, int64_t row0, int64_t col0, int64_t kk) {
  DecodeSlice<kRows> slice;
  const int64_t k_blocks = args.k / 128;
  const bool k_inside = kk < args.k;
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const bool inside = k_inside && row0 + r < args.m;
    slice.a[r] = inside ? *reinterpret_cast<const uint4*>(args.a + (row0 + r) * args.k + kk) : make_uint4(0, 0, 0, 0);
    slice.a_scale[r] = inside ? args.a_scales[(row0 + r) * k_blocks + kk / 128] : 0.0f;
  }
#pragma unroll
  for (int c = 0; c < kColumnsPerWarp; ++c) {
    const int64_t col = col0 + c;
    const bool inside = k_inside && col < args.n;
    slice.b[c] = inside ? *reinterpret_cast<const uint4*>(args.b + col * args.k + kk) : make_uint4(0, 0, 0, 0);
    slice.b_scale[c] = inside ? args.b_scales[(col / 128) * k_blocks + kk / 128] : 0.0f;
  }
  return slice;
}

__device__ __forceinline__ uint32_t Word(const uint4& codes, int quad) {
  return quad == 0 ? codes.x : quad == 1 ? codes.y : quad == 2 ? codes.z : codes.w;
}

template <int kRows>
__global__ void __launch_bounds__(kDecodeWarps * 32) Fp8DecodeKernel(GemmArgs args) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kRows;
  const int64_t col0 = (static_cast<int64_t>(blockIdx.x) * kDecodeWarps + warp) * kColumnsPerWarp;
  float acc[kColumnsPerWarp][kRows] = {};
  DecodeSlice<kRows> slice = LoadSlice<kRows>(args, row0, col0, 16 * lane);
  for (int64_t k0 = 0; k0 < args.k; k0 += kSlice) {
    const DecodeSlice<kRows> current = slice;
    if (k0 + kSlice < args.k) slice = LoadSlice<kRows>(args, row0, col0, k0 + kSlice + 16 * lane);
    // The lane's 16 codes of a row share one scale, so products of unscaled values are summed first and scaled
    // once per row and column.
    float partial[kColumnsPerWarp][kRows] = {};
#pragma unroll
    for (int quad = 0; quad < 4; ++quad) {
      float b[kColumnsPerWarp][4];
#pragma unroll
      for (int c = 0; c < kColumnsPerWarp; ++c) DecodeWord(Word(current.b[c], quad), b[c]);
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        float a[4];
        DecodeWord(Word(current.a[r], quad), a);
#pragma unroll
        for (int c = 0; c < kColumnsPerWarp; ++c) {
          partial[c][r] =
              fmaf(a[3], b[c][3], fmaf(a[2], b[c][2], fmaf(a[1], b[c][1], fmaf(a[0], b[c][0], partial[c][r]))));
        }
      }
    }
#pragma unroll
    for (int c = 0; c < kColumnsPerWarp; ++c) {
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        acc[c][r] = fmaf(partial[c][r], current.a_scale[r] * current.b_scale[c], acc[c][r]);
      }
    }
  }
#pragma unroll
  for (int c = 0; c < kColumnsPerWarp; ++c) {
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      const float value = WarpSum(acc[c][r]);
      const int64_t row = row0 + r, col = col0 + c;
      if (lane != 0 || row >= args.m || col >= args.n) continue;
      if (args.d_type == MOE_DTYPE_F32) {
        static_cast<float*>(args.d)[row * args.n + col] = value;
      } else {
        static_cast<uint16_t*>(args.d)[row * args.n + col] = FloatToBf16(value);
      }
    }
  }
}

template <int kRows>
void LaunchDecode(const GemmArgs& args, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(CeilDiv(args.n, kDecodeWarps * kColumnsPerWarp)),
                  static_cast<unsigned>(CeilDiv(args.m, kRows)));
  Fp8DecodeKernel<kRows><<<grid, kDecodeWarps * 32, 0, stream>>>(args);
}

// The decode kernel reads A and B 16 bytes at a time, so it needs both on a 16-byte boundary (K is a multiple of
// 128, so every row then is too).
bool UsesDecodeKernel(const GemmArgs& args) {
  return args.m <= kDecodeMaxRows && reinterpret_cast<uintptr_t>(args.a) % 16 == 0 &&
         reinterpret_cast<uintptr_t>(args.b) % 16 == 0;
}

void LaunchDecodeShape(const GemmArgs& args, cudaStream_t stream) {
  if (args.m == 1) {
    LaunchDecode<1>(args, stream);
  } else if (args.m == 2) {
    LaunchDecode<2>(args, stream);
  } else if (args.m <= 4) {
    LaunchDecode<4>(args, stream);
  } else {
    LaunchDecode<8>(args, stream);
  }
}

}  // namespace
}  // namespace cuda
}  // namespace moe

extern "C" {

moe_status moe_cuda_fp8_gemm_nt(const uint8_t* a, const float* a_scales, const uint8_t* b, const float* b_scales,
                                int64_t m, int64_t n, int64_t k, void* d, moe_dtype d_type, void* stream) {
  using namespace moe::cuda;
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m);
    if (const moe_status status = moe::CheckFp8Operands(a, a_scales, b, b_scales, n, k, d, d_type); status != MOE_OK) {
      return status;
    }
    const GemmArgs args{a, a_scales, b, b_scales, nullptr, m, n, k, 1, d, d_type};
    if (UsesDecodeKernel(args)) {
      LaunchDecodeShape(args, Stream(stream));
      return LaunchStatus("moe_cuda_fp8_gemm_nt");
    }
    const dim3 grid(static_cast<unsigned>(CeilDiv(n, kTile)), static_cast<unsigned>(CeilDiv(m, kTile)));
    Fp8GemmKernel<Rows::kDense><<<grid, 256, 0, Stream(stream)>>>(args);
    return LaunchStatus("moe_cuda_fp8_gemm_nt");
  });
}

moe_status moe_cuda_fp8_grouped_gemm_contiguous(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                                const float* b_scales, const int32_t* group_of_row, int64_t m_sum,
                                                int64_t groups, int64_t n, int64_t k, void* d, moe_dtype d_type,
                                                void* stream) {
  using namespace moe::cuda;
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m_sum);
    MOE_REQUIRE_MULTIPLE(m_sum, MOE_GROUPED_M_ALIGNMENT);
    MOE_REQUIRE_POSITIVE(groups);
    MOE_REQUIRE_NOT_NULL(group_of_row);
    if (const moe_status status = moe::CheckFp8Operands(a, a_scales, b, b_scales, n, k, d, d_type); status != MOE_OK) {
      return status;
    }
    const GemmArgs args{a, a_scales, b, b_scales, group_of_row, m_sum, n, k, groups, d, d_type};
    const dim3 grid(static_cast<unsigned>(CeilDiv(n, kTile)), static_cast<unsigned>(CeilDiv(m_sum, kTile)));
    Fp8GemmKernel<Rows::kContiguous><<<grid, 256, 0, Stream(stream)>>>(args);
    return LaunchStatus("moe_cuda_fp8_grouped_gemm_contiguous");
  });
}

moe_status moe_cuda_fp8_grouped_gemm_masked(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                            const float* b_scales, const int32_t* masked_m, int64_t groups,
                                            int64_t m_max, int64_t n, int64_t k, void* d, moe_dtype d_type,
                                            void* stream) {
  using namespace moe::cuda;
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m_max);
    MOE_REQUIRE_POSITIVE(groups);
    MOE_REQUIRE_NOT_NULL(masked_m);
    if (const moe_status status = moe::CheckFp8Operands(a, a_scales, b, b_scales, n, k, d, d_type); status != MOE_OK) {
      return status;
    }
    const GemmArgs args{a, a_scales, b, b_scales, masked_m, m_max, n, k, groups, d, d_type};
    const dim3 grid(static_cast<unsigned>(CeilDiv(n, kTile)), static_cast<unsigned>(CeilDiv(m_max, kTile)),
                    static_cast<unsigned>(groups));
    Fp8GemmKernel<Rows::kMasked><<<grid, 256, 0, Stream(stream)>>>(args);
    return LaunchStatus("moe_cuda_fp8_grouped_gemm_masked");
  });
}

}  // extern "C"
