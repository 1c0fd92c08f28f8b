// Portable versions of the inner loops: the fallback on processors without AVX2 and a second path in the tests.
#include <cmath>

#include "e4m3.h"
#include "simd.h"

namespace moe {
namespace {

// Columns of a packed panel of B (any divisor of 128 works here; 16 matches the AVX2 version).
constexpr int64_t kPackWidth = 16;

float Dot(const float* a, const float* b, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void Axpy(float alpha, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

void Scale(float alpha, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= alpha;
}

void DecodeE4m3Scaled(const uint8_t* codes, float scale, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = E4m3ToFloat(codes[i]) * scale;
}

void DotCodes(const float* a, int64_t lda, int64_t rows, const uint8_t* b, int64_t ldb, int64_t cols, int64_t depth,
              const float* scales, float* c, int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      float sum = 0.0f;
      for (int64_t kk = 0; kk < depth; ++kk) sum += a[i * lda + kk] * E4m3ToFloat(b[j * ldb + kk]) * scales[kk / 128];
      c[i * ldc + j] += sum;
    }
  }
}

void PackB(const uint8_t* b, int64_t ldb, int64_t rows, int64_t depth, const float* scales, float* packed) {
  const int64_t groups = (rows + kPackWidth - 1) / kPackWidth;
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t kk = 0; kk < depth; ++kk) {
      for (int64_t j = 0; j < kPackWidth; ++j) {
        const int64_t row = g * kPackWidth + j;
        packed[(g * depth + kk) * kPackWidth + j] =
            row < rows ? E4m3ToFloat(b[row * ldb + kk]) * scales[kk / 128] : 0.0f;
      }
    }
  }
}

void GemmPacked(const float* a, int64_t lda, int64_t rows, const float* packed, int64_t cols, int64_t depth, float* c,
                int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      const float* column = packed + (j / kPackWidth) * depth * kPackWidth + j % kPackWidth;
      float sum = 0.0f;
      for (int64_t kk = 0; kk < depth; ++kk) sum += a[i * lda + kk] * column[kk * kPackWidth];
      c[i * ldc + j] += sum;
    }
  }
}

void DotNt(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
           float* c, int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) c[i * ldc + j] += Dot(a + i * lda, b + j * ldb, depth);
  }
}

void GemmNn(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
            float* c, int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t kk = 0; kk < depth; ++kk) Axpy(a[i * lda + kk], b + kk * ldb, c + i * ldc, cols);
  }
}

float ExpSum(const float* x, float scale, float shift, float* out, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = std::exp(x[i] * scale - shift);
    sum += out[i];
  }
  return sum;
}

}  // namespace

const SimdKernels& ScalarKernels() {
  static const SimdKernels kernels{"scalar",   Dot,   Axpy,   Scale,  DecodeE4m3Scaled, DotCodes, PackB,
                                   GemmPacked, DotNt, GemmNn, ExpSum, nullptr,          2,        nullptr};
  return kernels;
}

}  // namespace moe
