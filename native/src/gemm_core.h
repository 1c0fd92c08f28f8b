// The float32-accumulating core shared by the dense and grouped FP8 GEMMs.
#ifndef MOE_SRC_GEMM_CORE_H_
#define MOE_SRC_GEMM_CORE_H_

#include <cstdint>

#include "moe_gemm.h"

namespace moe {

// acc[m, n] += dequantised(A)[m, k] * dequantised(B)[n, k]^T, A with per-token scales, B with per-128x128-block
// scales; acc has row stride ldc.
void GemmFp8(const uint8_t* a, const float* a_scales, int64_t m, const uint8_t* b, const float* b_scales, int64_t n,
             int64_t k, float* acc, int64_t ldc);

// Rows [first_row, first_row + rows) of d (row-major [., n] of d_type) = dequantised(A) * dequantised(B)^T: float32
// output accumulates in place, bf16 through a float32 buffer rounded once at the end.
void GemmFp8IntoRows(const uint8_t* a, const float* a_scales, int64_t rows, const uint8_t* b, const float* b_scales,
                     int64_t n, int64_t k, void* d, int64_t first_row, moe_dtype d_type);
void ZeroRows(int64_t first_row, int64_t rows, int64_t n, void* d, moe_dtype d_type);

}  // namespace moe

#endif  // MOE_SRC_GEMM_CORE_H_
