/* FP8 e4m3 (OCP "e4m3fn": no infinities, one NaN pattern per sign, max 448) with DeepGEMM's scaling.
 *
 * Conversion rounds to nearest even and saturates: finite values and infinities beyond 448 become +-448,
 * NaN becomes a NaN code (0x7F or 0xFF). Quantisation follows DeepGEMM: each block's scale is
 * amax / 448 with amax clamped to at least 1e-4, and the codes are e4m3(x * (448 / amax)).
 * All arrays are dense row-major. */
#ifndef MOE_FP8_H_
#define MOE_FP8_H_

#include "moe_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Width of a scaling block along K, and height of a weight block along N. */
#define MOE_FP8_BLOCK 128
#define MOE_FP8_E4M3_MAX 448.0f

MOE_API float moe_e4m3_to_float(uint8_t code);
MOE_API uint8_t moe_float_to_e4m3(float value);

/* Converts count values either way, without scaling. */
MOE_API moe_status moe_e4m3_encode(const float* values, int64_t count, uint8_t* codes);
MOE_API moe_status moe_e4m3_decode(const uint8_t* codes, int64_t count, float* values);

/* Activations, per token: x [m, k] -> codes [m, k] and scales [m, k / 128]; k % 128 == 0. */
MOE_API moe_status moe_fp8_quantize_per_token(const float* x, int64_t m, int64_t k, uint8_t* codes, float* scales);
MOE_API moe_status moe_fp8_dequantize_per_token(const uint8_t* codes, const float* scales, int64_t m, int64_t k,
                                                float* x);

/* Weights, per 128x128 block: w [n, k] -> codes [n, k] and scales [ceil(n / 128), k / 128]; k % 128 == 0, n any
 * (the last block row may be short; its amax covers only the rows that exist). */
MOE_API moe_status moe_fp8_quantize_per_block(const float* w, int64_t n, int64_t k, uint8_t* codes, float* scales);
MOE_API moe_status moe_fp8_dequantize_per_block(const uint8_t* codes, const float* scales, int64_t n, int64_t k,
                                                float* w);

#ifdef __cplusplus
}
#endif

#endif /* MOE_FP8_H_ */
