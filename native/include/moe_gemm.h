/* FP8 GEMM with fine-grained scaling (DeepGEMM semantics), dense and grouped for MoE.
 *
 * D[m, n] = sum_k (A[m, k] * sa[m, k / 128]) * (B[n, k] * sb[n / 128, k / 128]), the "NT" layout: A and B are
 * e4m3 codes (moe_fp8.h), both row-major with K contiguous; sa are per-token scales [m, k / 128], sb per-block
 * scales [ceil(n / 128), k / 128]. Accumulation is in float32. k % 128 == 0. D is row-major [m, n] in the
 * requested type; bf16 is stored as uint16_t bit patterns, rounded to nearest even. */
#ifndef MOE_GEMM_H_
#define MOE_GEMM_H_

#include "moe_fp8.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum moe_dtype {
  MOE_DTYPE_F32 = 0,
  MOE_DTYPE_BF16 = 1,
} moe_dtype;

/* Rows of a contiguous-layout segment: every 128-row block of A belongs to one group (or is padding). */
#define MOE_GROUPED_M_ALIGNMENT 128

MOE_API moe_status moe_fp8_gemm_nt(const uint8_t* a, const float* a_scales, const uint8_t* b, const float* b_scales,
                                   int64_t m, int64_t n, int64_t k, void* d, moe_dtype d_type);

/* Grouped GEMM, contiguous layout (the output of a dispatch sorted by expert): A [m_sum, k] with scales
 * [m_sum, k / 128]; B [groups, n, k] with scales [groups, ceil(n / 128), k / 128]; group_of_row [m_sum] gives each
 * row's group, or -1 for padding. m_sum % 128 == 0 and each 128-row block holds rows of a single group (padding
 * rows may appear anywhere). Padding rows of D are written as zeros. */
MOE_API moe_status moe_fp8_grouped_gemm_contiguous(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                                   const float* b_scales, const int32_t* group_of_row, int64_t m_sum,
                                                   int64_t groups, int64_t n, int64_t k, void* d, moe_dtype d_type);

/* Grouped GEMM, masked layout (the output of a low-latency dispatch): A [groups, m_max, k] with scales
 * [groups, m_max, k / 128]; B and its scales as above; masked_m [groups] valid rows per group (0..m_max).
 * D is [groups, m_max, n]; rows at or beyond masked_m are written as zeros. */
MOE_API moe_status moe_fp8_grouped_gemm_masked(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                               const float* b_scales, const int32_t* masked_m, int64_t groups,
                                               int64_t m_max, int64_t n, int64_t k, void* d, moe_dtype d_type);

#ifdef __cplusplus
}
#endif

#endif /* MOE_GEMM_H_ */
