// Shared pieces of the CUDA kernels: launch checks, exact e4m3 and bf16 conversions (the CPU's bit-level
// definitions, so both paths agree code for code), and warp reductions.
#ifndef MOE_CUDA_COMMON_CUH_
#define MOE_CUDA_COMMON_CUH_

#include <cuda_runtime.h>

#include <cstdint>

#include "../src/error.h"
#include "moe_status.h"

namespace moe {
namespace cuda {

inline cudaStream_t Stream(void* stream) { return static_cast<cudaStream_t>(stream); }

// After queuing kernels: a launch error (bad configuration, no device) becomes MOE_ERR_INTERNAL with CUDA's words.
inline moe_status LaunchStatus(const char* kernel) {
  const cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess)
    return Fail(MOE_ERR_INTERNAL, "%s: CUDA launch failed: %s", kernel, cudaGetErrorString(error));
  return MOE_OK;
}

inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Exact, and branch-light: a normal code's exponent and mantissa move into a float's fields (bias 7 becomes 127),
// a subnormal code is its mantissa times 2^-9, and S.1111.111 is NaN. Matches the CPU's table code for code.
__device__ __forceinline__ float E4m3ToFloat(uint32_t code) {
  const uint32_t exponent = (code >> 3) & 0xFu, mantissa = code & 0x7u;
  float magnitude = exponent == 0 ? static_cast<float>(mantissa) * 0x1p-9f
                                  : __uint_as_float(((exponent + 120u) << 23) | (mantissa << 20));
  if ((code & 0x7Fu) == 0x7Fu) magnitude = __int_as_float(0x7FC00000);
  return (code & 0x80u) ? -magnitude : magnitude;
}

// Four codes packed in a word (the lowest byte first) as floats, exactly as E4m3ToFloat decodes them but without
// branches or conversions: a code's sign, exponent and mantissa dropped into a float's top bits make that float
// 2^-120 times the code's value (exponent bias 7 against 127; a subnormal code lands on a float subnormal, which
// sm_90 multiplies at full speed unless built with -ftz=true), so one multiply by 2^120 restores it exactly.
// S.1111.111 (NaN) gets an all-ones float exponent with its non-zero mantissa: a NaN, which the multiply keeps.
// No branch, so the compiler can interleave the decoding of many words with the FMAs that use them.
__device__ __forceinline__ void DecodeWord(uint32_t word, float values[4]) {
  const uint32_t nan_bytes = __vcmpeq4(word & 0x7F7F7F7Fu, 0x7F7F7F7Fu);  // 0xFF in each byte holding a NaN code
#pragma unroll
  for (int t = 0; t < 4; ++t) {
    const uint32_t code = (word >> (8 * t)) & 0xFFu, nan = (nan_bytes >> (8 * t)) & 0xFFu;
    values[t] = __uint_as_float(((code & 0x80u) << 24) | ((code & 0x7Fu) << 20) | (nan << 23)) * 0x1p120f;
  }
}

// Round to nearest even, saturating at +-448; the CPU's FloatToE4m3 step for step.
__device__ __forceinline__ uint8_t FloatToE4m3(float value) {
  const uint8_t sign = signbit(value) ? 0x80 : 0x00;
  if (isnan(value)) return sign | 0x7F;
  const float magnitude = fabsf(value);
  if (magnitude >= 448.0f) return sign | 0x7E;
  if (magnitude < 0.015625f) return sign | static_cast<uint8_t>(rintf(magnitude * 512.0f));
  int exponent;
  frexpf(magnitude, &exponent);
  const int unbiased = exponent - 1;
  int steps = static_cast<int>(rintf(ldexpf(magnitude, 3 - unbiased)));
  int biased = unbiased + 7;
  if (steps == 16) {
    steps = 8;
    ++biased;
  }
  const int code = (biased << 3) | (steps - 8);
  return sign | static_cast<uint8_t>(code > 0x7E ? 0x7E : code);
}

__device__ __forceinline__ uint16_t FloatToBf16(float value) {
  uint32_t bits = __float_as_uint(value);
  if (isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

__device__ __forceinline__ float WarpMax(float value) {
  for (int offset = 16; offset > 0; offset /= 2) value = fmaxf(value, __shfl_xor_sync(0xFFFFFFFFu, value, offset));
  return value;
}

__device__ __forceinline__ float WarpSum(float value) {
  for (int offset = 16; offset > 0; offset /= 2) value += __shfl_xor_sync(0xFFFFFFFFu, value, offset);
  return value;
}

}  // namespace cuda
}  // namespace moe

#endif  // MOE_CUDA_COMMON_CUH_
