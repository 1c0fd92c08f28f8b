// The inner loops every kernel is built from, in scalar, AVX2 + FMA and AVX-512 versions; Cpu() picks the widest the
// processor supports at load time. MOE_CPU_PATH=scalar or avx2 caps the choice, so tests cover every version the
// machine can run.
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
  // out[i] = e4m3(codes[i]) * scale, bit for bit the same on every version (NaN codes give the quiet NaN with the
  // code's sign)
  void (*decode_e4m3_scaled)(const uint8_t* codes, float scale, float* out, int64_t n);
  // c[i * ldc + j] += sum over kk of a[i * lda + kk] * e4m3(b[j * ldb + kk]) * scales[kk / 128] for i < rows,
  // j < cols: B decoded in registers, for fewer rows than pack_min_rows, which cannot pay for packing it.
  // depth % 128 == 0.
  void (*dot_codes)(const float* a, int64_t lda, int64_t rows, const uint8_t* b, int64_t ldb, int64_t cols,
                    int64_t depth, const float* scales, float* c, int64_t ldc);
  // Decodes rows x depth e4m3 codes of B (row stride ldb; column kk scaled by scales[kk / 128]) into the packed
  // layout gemm_packed reads: packed[(g * depth + kk) * W + j] is row g * W + j at column kk, zero past the last
  // row, where W is the version's panel width, a divisor of 128 (so 128 rows never take more than 128 * depth
  // floats). depth % 128 == 0.
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
  // out[i] = exp(x[i] * scale - shift); returns the sum of out. For softmax weights, where x * scale <= shift:
  // the vector versions use a polynomial exp within a few ulp of expf; where expf is below 1e-37 they may give 0 or
  // about 1e-38 instead, which no softmax sum notices.
  float (*exp_sum)(const float* x, float scale, float shift, float* out, int64_t n);
  // From how many rows of A packing B (pack_b + gemm_packed) beats decoding it in registers (dot_codes).
  int64_t pack_min_rows;
};

const SimdKernels& ScalarKernels();
// Null when the processor or the compiler lacks AVX2 + FMA + F16C.
const SimdKernels* Avx2Kernels();
// Null when the processor, the OS or the compiler lacks AVX-512 F, BW, VL and DQ (or AVX2 + FMA + F16C).
const SimdKernels* Avx512Kernels();
const SimdKernels& Cpu();

}  // namespace moe

#endif  // MOE_SRC_SIMD_H_
