// FP8 GEMMs on the GPU, dense and grouped, in one tiled kernel: a 64x64 output tile per block of 256 threads, each
// thread 4x4 outputs; 64 columns of K at a time are decoded (and scaled: a 64-wide slice lies inside one scale
// block) into shared memory. Plain float32 FMAs, no tensor cores yet: this is the correctness baseline the GPU
// check compares the CPU against, and the timing a tensor-core version must beat.
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
