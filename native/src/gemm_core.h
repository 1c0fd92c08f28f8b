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

// Writes rows of a float32 result to d (row-major [rows, n] of d_type) starting at row first_row.
void StoreRows(const float* acc, int64_t first_row, int64_t rows, int64_t n, void* d, moe_dtype d_type);
void ZeroRows(int64_t first_row, int64_t rows, int64_t n, void* d, moe_dtype d_type);

}  // namespace moe

#endif  // MOE_SRC_GEMM_CORE_H_
