// The inner loops every kernel is built from, in a scalar and an AVX2 + FMA version; Cpu() picks one at load
// time from the processor's features (MOE_CPU_PATH=scalar forces the scalar one, so tests cover both).
#ifndef MOE_SRC_SIMD_H_
#define MOE_SRC_SIMD_H_

#include <cstdint>

namespace moe {

struct SimdKernels {
  const char* name;
  // sum_i a[i] * b[i]
  float (*dot)(const float* a, const float* b, int64_t n);
  // y[i] += alpha * x[i]
  void (*axpy)(float alpha, const float* x, float* y, int64_t n);
  // y[i] *= alpha
  void (*scale)(float alpha, float* y, int64_t n);
  // out[i] = e4m3(codes[i]) * scale; a NaN code may decode to a finite value on the fast path (quantisation never
  // produces one)
  void (*decode_e4m3_scaled)(const uint8_t* codes, float scale, float* out, int64_t n);
  // c[i * ldc + j] += sum over kk of a[i * lda + kk] * e4m3(b[j * ldb + kk]) * scales[kk / 128] for i < rows,
  // j < cols: B decoded in registers, for the few rows that cannot pay for packing it. depth % 128 == 0.
  void (*dot_codes)(const float* a, int64_t lda, int64_t rows, const uint8_t* b, int64_t ldb, int64_t cols,
                    int64_t depth, const float* scales, float* c, int64_t ldc);
  // Decodes rows x depth e4m3 codes of B (row stride ldb; column kk scaled by scales[kk / 128]) into the packed
  // layout gemm_packed reads: packed[(g * depth + kk) * kPackWidth + j] is row g * kPackWidth + j at column kk,
  // zero past the last row. depth % 128 == 0.
  void (*pack_b)(const uint8_t* b, int64_t ldb, int64_t rows, int64_t depth, const float* scales, float* packed);
  // c[i * ldc + j] += sum over kk of a[i * lda + kk] * B[j, kk] for i < rows, j < cols, B packed by pack_b.
  void (*gemm_packed)(const float* a, int64_t lda, int64_t rows, const float* packed, int64_t cols, int64_t depth,
                      float* c, int64_t ldc);
  // c[i * ldc + j] += dot(a + i * lda, b + j * ldb, depth): A times B transposed, both row-major; depth % 8 == 0.
  void (*dot_nt)(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
                 float* c, int64_t ldc);
  // c[i * ldc + j] += sum over kk of a[i * lda + kk] * b[kk * ldb + j]: A times B, both row-major.
  void (*gemm_nn)(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
                  float* c, int64_t ldc);
};

// Rows of B side by side in a packed panel: two AVX2 registers.
constexpr int64_t kPackWidth = 16;

const SimdKernels& ScalarKernels();
// Null when the processor or the compiler lacks AVX2 + FMA + F16C.
const SimdKernels* Avx2Kernels();
const SimdKernels& Cpu();

}  // namespace moe

#endif  // MOE_SRC_SIMD_H_
