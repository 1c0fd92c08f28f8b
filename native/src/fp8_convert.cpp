// e4m3 conversion and DeepGEMM's per-token and per-block quantisation.
#include <algorithm>
#include <cmath>

#include "e4m3.h"
#include "error.h"
#include "moe_fp8.h"
#include "parallel.h"
#include "simd.h"

namespace moe {
namespace {

constexpr int64_t kBlock = MOE_FP8_BLOCK;

float BlockScale(float amax) { return std::max(amax, 1e-4f) / kE4m3Max; }

float AbsMax(const float* x, int64_t count) {
  float amax = 0.0f;
  for (int64_t i = 0; i < count; ++i) amax = std::max(amax, std::fabs(x[i]));
  return amax;
}

void Encode(const float* x, float multiplier, int64_t count, uint8_t* codes) {
  for (int64_t i = 0; i < count; ++i) codes[i] = FloatToE4m3(x[i] * multiplier);
}

}  // namespace
}  // namespace moe

extern "C" {

float moe_e4m3_to_float(uint8_t code) { return moe::E4m3ToFloat(code); }

uint8_t moe_float_to_e4m3(float value) { return moe::FloatToE4m3(value); }

moe_status moe_e4m3_encode(const float* values, int64_t count, uint8_t* codes) {
  return moe::Guarded([&] {
    MOE_REQUIRE(count >= 0, MOE_ERR_SHAPE, "count must not be negative, got %lld", static_cast<long long>(count));
    MOE_REQUIRE_NOT_NULL(values);
    MOE_REQUIRE_NOT_NULL(codes);
    moe::Encode(values, 1.0f, count, codes);
    return MOE_OK;
  });
}

moe_status moe_e4m3_decode(const uint8_t* codes, int64_t count, float* values) {
  return moe::Guarded([&] {
    MOE_REQUIRE(count >= 0, MOE_ERR_SHAPE, "count must not be negative, got %lld", static_cast<long long>(count));
    MOE_REQUIRE_NOT_NULL(codes);
    MOE_REQUIRE_NOT_NULL(values);
    for (int64_t i = 0; i < count; ++i) values[i] = moe::E4m3ToFloat(codes[i]);
    return MOE_OK;
  });
}

moe_status moe_fp8_quantize_per_token(const float* x, int64_t m, int64_t k, uint8_t* codes, float* scales) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m);
    MOE_REQUIRE_POSITIVE(k);
    MOE_REQUIRE_MULTIPLE(k, moe::kBlock);
    MOE_REQUIRE_NOT_NULL(x);
    MOE_REQUIRE_NOT_NULL(codes);
    MOE_REQUIRE_NOT_NULL(scales);
    const int64_t blocks = k / moe::kBlock;
    moe::ParallelFor(m, [&](int64_t row) {
      for (int64_t block = 0; block < blocks; ++block) {
        const int64_t offset = row * k + block * moe::kBlock;
        const float amax = std::max(moe::AbsMax(x + offset, moe::kBlock), 1e-4f);
        scales[row * blocks + block] = moe::BlockScale(amax);
        moe::Encode(x + offset, moe::kE4m3Max / amax, moe::kBlock, codes + offset);
      }
    });
    return MOE_OK;
  });
}

moe_status moe_fp8_dequantize_per_token(const uint8_t* codes, const float* scales, int64_t m, int64_t k, float* x) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m);
    MOE_REQUIRE_POSITIVE(k);
    MOE_REQUIRE_MULTIPLE(k, moe::kBlock);
    MOE_REQUIRE_NOT_NULL(codes);
    MOE_REQUIRE_NOT_NULL(scales);
    MOE_REQUIRE_NOT_NULL(x);
    const int64_t blocks = k / moe::kBlock;
    const auto& cpu = moe::Cpu();
    moe::ParallelFor(m, [&](int64_t row) {
      for (int64_t block = 0; block < blocks; ++block) {
        const int64_t offset = row * k + block * moe::kBlock;
        cpu.decode_e4m3_scaled(codes + offset, scales[row * blocks + block], x + offset, moe::kBlock);
      }
    });
    return MOE_OK;
  });
}

moe_status moe_fp8_quantize_per_block(const float* w, int64_t n, int64_t k, uint8_t* codes, float* scales) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(n);
    MOE_REQUIRE_POSITIVE(k);
    MOE_REQUIRE_MULTIPLE(k, moe::kBlock);
    MOE_REQUIRE_NOT_NULL(w);
    MOE_REQUIRE_NOT_NULL(codes);
    MOE_REQUIRE_NOT_NULL(scales);
    const int64_t row_blocks = (n + moe::kBlock - 1) / moe::kBlock;
    const int64_t col_blocks = k / moe::kBlock;
    moe::ParallelFor(row_blocks * col_blocks, [&](int64_t index) {
      const int64_t row0 = index / col_blocks * moe::kBlock;
      const int64_t col0 = index % col_blocks * moe::kBlock;
      const int64_t rows = std::min(moe::kBlock, n - row0);
      float amax = 0.0f;
      for (int64_t r = 0; r < rows; ++r) amax = std::max(amax, moe::AbsMax(w + (row0 + r) * k + col0, moe::kBlock));
      amax = std::max(amax, 1e-4f);
      scales[index] = moe::BlockScale(amax);
      for (int64_t r = 0; r < rows; ++r) {
        moe::Encode(w + (row0 + r) * k + col0, moe::kE4m3Max / amax, moe::kBlock, codes + (row0 + r) * k + col0);
      }
    });
    return MOE_OK;
  });
}

moe_status moe_fp8_dequantize_per_block(const uint8_t* codes, const float* scales, int64_t n, int64_t k, float* w) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(n);
    MOE_REQUIRE_POSITIVE(k);
    MOE_REQUIRE_MULTIPLE(k, moe::kBlock);
    MOE_REQUIRE_NOT_NULL(codes);
    MOE_REQUIRE_NOT_NULL(scales);
    MOE_REQUIRE_NOT_NULL(w);
    const int64_t col_blocks = k / moe::kBlock;
    const auto& cpu = moe::Cpu();
    moe::ParallelFor(n, [&](int64_t row) {
      for (int64_t block = 0; block < col_blocks; ++block) {
        const int64_t offset = row * k + block * moe::kBlock;
        cpu.decode_e4m3_scaled(codes + offset, scales[row / moe::kBlock * col_blocks + block], w + offset, moe::kBlock);
      }
    });
    return MOE_OK;
  });
}

}  // extern "C"
