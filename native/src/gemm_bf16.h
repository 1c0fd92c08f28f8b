// The FP8 GEMM's blocking on a path with bfloat16 dot products (SimdKernels::bf16).
#ifndef MOE_SRC_GEMM_BF16_H_
#define MOE_SRC_GEMM_BF16_H_

#include <cstdint>

#include "simd.h"

namespace moe {

// acc[m, n] += dequantised(A)[m, k] * dequantised(B)[n, k]^T, as GemmFp8, with the codes multiplied as bfloat16 and
// the scales applied per 128 columns of K.
void GemmFp8Bf16(const Bf16Gemm& kernels, const uint8_t* a, const float* a_scales, int64_t m, const uint8_t* b,
                 const float* b_scales, int64_t n, int64_t k, float* acc, int64_t ldc);

}  // namespace moe

#endif  // MOE_SRC_GEMM_BF16_H_
