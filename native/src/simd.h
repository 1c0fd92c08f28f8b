// The inner loops every kernel is built from, in scalar, AVX2 + FMA and AVX-512 versions; Cpu() picks the widest the
// processor supports at load time. MOE_CPU_PATH=scalar or avx2 caps the choice, so tests cover every version the
// machine can run.
#ifndef MOE_SRC_SIMD_H_
#define MOE_SRC_SIMD_H_

#include <cstdint>

namespace moe {

// The GEMM pieces of a path with bfloat16 dot products (vdpbf16ps): every e4m3 value is exactly a bfloat16, so the
// codes are multiplied as they are, pairs of products summed into float32, and the scales (any float) applied in
// float32 once per 128 columns of K. A and B go through the same decode, whose order of pairs within 64 codes is
// the path's own; only such decoded data meet.
struct Bf16Gemm {
  // out = the values of n codes as bfloat16, in the path's order within each 64 codes. n % 64 == 0.
  void (*decode)(const uint8_t* codes, uint16_t* out, int64_t n);
  // Decodes rows x depth codes of B (row stride ldb) into panels of 32 rows: packed[(g * depth / 2 + p) * 32 + j]
  // is pair p of row g * 32 + j, zero past the last row. depth % 128 == 0.
  void (*pack_b)(const uint8_t* b, int64_t ldb, int64_t rows, int64_t depth, uint32_t* packed);
  // c[i * ldc + j] += sum over blocks kb of a_scales[i * a_scales_stride + kb] * b_scales[kb] * (the sum over the
  // block's 128 columns of A[i, kk] * B[j, kk]), for i < rows, j < cols; A decoded (row stride lda, in bfloat16s),
  // B packed by pack_b.
  void (*gemm_packed)(const uint16_t* a, int64_t lda, int64_t rows, const float* a_scales, int64_t a_scales_stride,
                      const uint32_t* packed, int64_t cols, int64_t depth, const float* b_scales, float* c,
                      int64_t ldc);
  // The same with B as codes (row stride ldb), decoded in registers: for fewer rows than pack_min_rows.
  void (*dot_codes)(const uint16_t* a, int64_t lda, int64_t rows, const float* a_scales, int64_t a_scales_stride,
                    const uint8_t* b, int64_t ldb, int64_t cols, int64_t depth, const float* b_scales, float* c,
                    int64_t ldc);
  int64_t pack_min_rows;
};

// One page of MLA decoding (moe_mla.h's sizes) for up to 16 query rows (one vector of lanes), flash-attention
// style: the page's scores scale * (K q_r) for every row r, an online-softmax update of row_max, row_sum and out,
// then out += P V, where V is each token's first MOE_MLA_VALUE_DIM elements.
struct MlaPage {
  const float* kv;         // tokens rows of MOE_MLA_HEAD_DIM floats
  int64_t tokens;          // 1..MOE_MLA_PAGE_SIZE
  const float* q_t;        // q_t[d * 16 + r]: element d of query row r, zero for r >= rows; 64-byte aligned
  int64_t rows;            // 1..16
  const int32_t* visible;  // row r sees tokens [0, visible[r]) of the page
  float scale;
  float* row_max;  // per row: the running max of the scaled scores (-inf before any token)
  float* row_sum;  // per row: the sum of exp(score - row_max)
  float* out;      // rows x MOE_MLA_VALUE_DIM (row stride ldo): the sum of exp(score - row_max) * value
  int64_t ldo;
  const float* next_kv;  // the page read after this one, prefetched while this one computes; null for none
};

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
  // Null on the paths without a fused version: the caller composes a page from gemm_nn and exp_sum.
  void (*mla_page)(const MlaPage& page);
  // From how many rows of A packing B (pack_b + gemm_packed) beats decoding it in registers (dot_codes).
  int64_t pack_min_rows;
  // The FP8 GEMM on bfloat16 dot products, where the path has them (null elsewhere: the float32 pieces above).
  const Bf16Gemm* bf16;
};

const SimdKernels& ScalarKernels();
// Null when the processor or the compiler lacks AVX2 + FMA + F16C.
const SimdKernels* Avx2Kernels();
// Null when the processor, the OS or the compiler lacks AVX-512 F, BW, VL and DQ (or AVX2 + FMA + F16C).
const SimdKernels* Avx512Kernels();
// Avx512Kernels' mla_page; call it only through that table.
void Avx512MlaPage(const MlaPage& page);
// The AVX-512 path plus the FP8 GEMM on AVX512_BF16 dot products; null without AVX512_BF16 and AVX512_VBMI.
const SimdKernels* Avx512Bf16Kernels();
const SimdKernels& Cpu();

}  // namespace moe

#endif  // MOE_SRC_SIMD_H_
