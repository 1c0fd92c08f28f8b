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

__device__ __forceinline__ float E4m3ToFloat(uint8_t code) {
  const int exponent = (code >> 3) & 0xF;
  const int mantissa = code & 0x7;
  float magnitude;
  if (exponent == 0xF && mantissa == 0x7) {
    magnitude = __int_as_float(0x7FC00000);
  } else if (exponent == 0) {
    magnitude = ldexpf(static_cast<float>(mantissa), -9);
  } else {
    magnitude = ldexpf(1.0f + static_cast<float>(mantissa) / 8.0f, exponent - 7);
  }
  return (code & 0x80) ? -magnitude : magnitude;
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
