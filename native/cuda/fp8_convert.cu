// FP8 quantisation on the GPU: one warp per 128-value block (per token) or one block of threads per 128x128 block.
#include "cuda_common.cuh"
#include "moe_cuda.h"

namespace moe {
namespace cuda {
namespace {

// One warp per (row, 128-column block): each lane holds four values.
__global__ void QuantizePerTokenKernel(const float* x, int64_t m, int64_t k, uint8_t* codes, float* scales) {
  const int64_t blocks_per_row = k / 128;
  const int64_t block = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  if (block >= m * blocks_per_row) return;
  const int lane = threadIdx.x % 32;
  const int64_t offset = block / blocks_per_row * k + block % blocks_per_row * 128;
  float values[4];
  float amax = 0.0f;
  for (int i = 0; i < 4; ++i) {
    values[i] = x[offset + lane + 32 * i];
    amax = fmaxf(amax, fabsf(values[i]));
  }
  amax = fmaxf(WarpMax(amax), 1e-4f);
  if (lane == 0) scales[block] = amax / 448.0f;
  const float multiplier = 448.0f / amax;
  for (int i = 0; i < 4; ++i) codes[offset + lane + 32 * i] = FloatToE4m3(values[i] * multiplier);
}

// One thread block of 256 per 128x128 block of the weights.
__global__ void QuantizePerBlockKernel(const float* w, int64_t n, int64_t k, uint8_t* codes, float* scales) {
  __shared__ float warp_max[8];
  const int64_t col_blocks = k / 128;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) / col_blocks * 128;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) % col_blocks * 128;
  const int64_t rows = n - row0 < 128 ? n - row0 : 128;
  float amax = 0.0f;
  for (int64_t i = threadIdx.x; i < rows * 128; i += blockDim.x)
    amax = fmaxf(amax, fabsf(w[(row0 + i / 128) * k + col0 + i % 128]));
  amax = WarpMax(amax);
  if (threadIdx.x % 32 == 0) warp_max[threadIdx.x / 32] = amax;
  __syncthreads();
  amax = 1e-4f;
  for (int i = 0; i < 8; ++i) amax = fmaxf(amax, warp_max[i]);
  if (threadIdx.x == 0) scales[blockIdx.x] = amax / 448.0f;
  const float multiplier = 448.0f / amax;
  for (int64_t i = threadIdx.x; i < rows * 128; i += blockDim.x) {
    const int64_t index = (row0 + i / 128) * k + col0 + i % 128;
    codes[index] = FloatToE4m3(w[index] * multiplier);
  }
}

}  // namespace
}  // namespace cuda
}  // namespace moe

extern "C" {

moe_status moe_cuda_fp8_quantize_per_token(const float* x, int64_t m, int64_t k, uint8_t* codes, float* scales,
                                           void* stream) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m);
    MOE_REQUIRE_POSITIVE(k);
    MOE_REQUIRE_MULTIPLE(k, MOE_FP8_BLOCK);
    MOE_REQUIRE_NOT_NULL(x);
    MOE_REQUIRE_NOT_NULL(codes);
    MOE_REQUIRE_NOT_NULL(scales);
    const int64_t warps = m * (k / 128);
    moe::cuda::QuantizePerTokenKernel<<<static_cast<unsigned>(moe::cuda::CeilDiv(warps, 8)), 256, 0,
                                        moe::cuda::Stream(stream)>>>(x, m, k, codes, scales);
    return moe::cuda::LaunchStatus("moe_cuda_fp8_quantize_per_token");
  });
}

moe_status moe_cuda_fp8_quantize_per_block(const float* w, int64_t n, int64_t k, uint8_t* codes, float* scales,
                                           void* stream) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(n);
    MOE_REQUIRE_POSITIVE(k);
    MOE_REQUIRE_MULTIPLE(k, MOE_FP8_BLOCK);
    MOE_REQUIRE_NOT_NULL(w);
    MOE_REQUIRE_NOT_NULL(codes);
    MOE_REQUIRE_NOT_NULL(scales);
    const int64_t blocks = moe::cuda::CeilDiv(n, 128) * (k / 128);
    moe::cuda::QuantizePerBlockKernel<<<static_cast<unsigned>(blocks), 256, 0, moe::cuda::Stream(stream)>>>(
        w, n, k, codes, scales);
    return moe::cuda::LaunchStatus("moe_cuda_fp8_quantize_per_block");
  });
}

}  // extern "C"
