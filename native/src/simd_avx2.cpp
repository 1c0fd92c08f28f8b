// AVX2 + FMA versions of the inner loops. This file alone is compiled with -mavx2 -mfma -mf16c; nothing here runs
// unless the processor reports those features.
#include <immintrin.h>

#include <algorithm>

#include "e4m3.h"
#include "simd.h"
#include "simd_x86_shared.h"

namespace moe {
namespace {

// Columns of a packed panel of B: two ymm registers.
constexpr int64_t kPackWidth = 16;

inline float HorizontalSum(__m256 v) {
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

float Dot(const float* a, const float* b, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  float sum = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void Axpy(float alpha, const float* x, float* y, int64_t n) {
  const __m256 a = _mm256_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

void Scale(float alpha, float* y, int64_t n) {
  const __m256 a = _mm256_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(a, _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] *= alpha;
}

void DecodeE4m3Scaled(const uint8_t* codes, float scale, float* out, int64_t n) {
  const __m256 folded = _mm256_set1_ps(scale * 256.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, DecodeEight(codes + i, folded));
  for (; i < n; ++i) out[i] = E4m3ToFloat(codes[i]) * scale;
}

// One row of A against Cols rows of B, B decoded in registers; one accumulator per row of B.
template <int Cols>
inline void DotCodesTile(const float* a, const uint8_t* b, int64_t ldb, int64_t depth, const float* scales, float* c) {
  static_assert(Cols == 1 || Cols == 4, "four rows of B keep four FMA chains in flight");
  [[maybe_unused]] __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (int64_t kb = 0; kb < depth; kb += 128) {
    // The B rows of a tile share one scale per 128 columns (they sit in one 128-row block), so it goes on A: one
    // multiply per eight columns instead of one per row of B.
    const __m256 scale = _mm256_set1_ps(scales[kb / 128] * 256.0f);
    for (int64_t kk = kb; kk < kb + 128; kk += 8) {
      const __m256 av = _mm256_mul_ps(_mm256_loadu_ps(a + kk), scale);
      acc0 = _mm256_fmadd_ps(av, DecodeEightUnscaled(b + kk), acc0);
      if constexpr (Cols == 4) {
        acc1 = _mm256_fmadd_ps(av, DecodeEightUnscaled(b + ldb + kk), acc1);
        acc2 = _mm256_fmadd_ps(av, DecodeEightUnscaled(b + 2 * ldb + kk), acc2);
        acc3 = _mm256_fmadd_ps(av, DecodeEightUnscaled(b + 3 * ldb + kk), acc3);
      }
    }
  }
  c[0] += HorizontalSum(acc0);
  if constexpr (Cols == 4) {
    c[1] += HorizontalSum(acc1);
    c[2] += HorizontalSum(acc2);
    c[3] += HorizontalSum(acc3);
  }
}

void DotCodes(const float* a, int64_t lda, int64_t rows, const uint8_t* b, int64_t ldb, int64_t cols, int64_t depth,
              const float* scales, float* c, int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    int64_t j = 0;
    for (; j + 4 <= cols; j += 4) DotCodesTile<4>(a + i * lda, b + j * ldb, ldb, depth, scales, c + i * ldc + j);
    for (; j < cols; ++j) DotCodesTile<1>(a + i * lda, b + j * ldb, ldb, depth, scales, c + i * ldc + j);
  }
}

void PackB(const uint8_t* b, int64_t ldb, int64_t rows, int64_t depth, const float* scales, float* packed) {
  PackTransposed<kPackWidth>(b, ldb, rows, depth, scales, packed);
}

inline void AddToRow(float* row, __m256 low, __m256 high, int64_t cols) {
  if (cols == kPackWidth) {
    _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), low));
    _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), high));
    return;
  }
  alignas(32) float tile[kPackWidth];
  _mm256_store_ps(tile, low);
  _mm256_store_ps(tile + 8, high);
  for (int64_t j = 0; j < cols; ++j) row[j] += tile[j];
}

// Rows x 16 outer-product tile: per step kk, two vectors of B (16 floats at panel + kk * stride) against one
// broadcast element of A per row. The accumulators are named variables rather than an array: GCC spilled an array
// of them to the stack every step.
template <int Rows>
inline void OuterTile(const float* a, int64_t lda, const float* panel, int64_t stride, int64_t cols, int64_t depth,
                      float* c, int64_t ldc) {
  static_assert(Rows >= 1 && Rows <= 6, "six rows use 12 of the 16 vector registers");
  [[maybe_unused]] __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
                          c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t kk = 0; kk < depth; ++kk) {
    const __m256 b0 = _mm256_loadu_ps(panel + kk * stride);
    const __m256 b1 = _mm256_loadu_ps(panel + kk * stride + 8);
#define MOE_TILE_ROW(r)                                      \
  if constexpr (Rows > r) {                                  \
    const __m256 av = _mm256_broadcast_ss(a + r * lda + kk); \
    c##r##0 = _mm256_fmadd_ps(av, b0, c##r##0);              \
    c##r##1 = _mm256_fmadd_ps(av, b1, c##r##1);              \
  }
    MOE_TILE_ROW(0)
    MOE_TILE_ROW(1)
    MOE_TILE_ROW(2)
    MOE_TILE_ROW(3)
    MOE_TILE_ROW(4)
    MOE_TILE_ROW(5)
#undef MOE_TILE_ROW
  }
  if constexpr (Rows > 0) AddToRow(c, c00, c01, cols);
  if constexpr (Rows > 1) AddToRow(c + ldc, c10, c11, cols);
  if constexpr (Rows > 2) AddToRow(c + 2 * ldc, c20, c21, cols);
  if constexpr (Rows > 3) AddToRow(c + 3 * ldc, c30, c31, cols);
  if constexpr (Rows > 4) AddToRow(c + 4 * ldc, c40, c41, cols);
  if constexpr (Rows > 5) AddToRow(c + 5 * ldc, c50, c51, cols);
}

void GemmPacked(const float* a, int64_t lda, int64_t rows, const float* packed, int64_t cols, int64_t depth, float* c,
                int64_t ldc) {
  ForRowTiles<6>(rows, [&](auto tile_rows, int64_t i) {
    for (int64_t j = 0; j < cols; j += kPackWidth) {
      OuterTile<decltype(tile_rows)::value>(a + i * lda, lda, packed + (j / kPackWidth) * depth * kPackWidth,
                                            kPackWidth, std::min(kPackWidth, cols - j), depth, c + i * ldc + j, ldc);
    }
  });
}

void GemmNn(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
            float* c, int64_t ldc) {
  const int64_t vector_cols = cols / kPackWidth * kPackWidth;
  ForRowTiles<6>(rows, [&](auto tile_rows, int64_t i) {
    for (int64_t j = 0; j < vector_cols; j += kPackWidth) {
      OuterTile<decltype(tile_rows)::value>(a + i * lda, lda, b + j, ldb, kPackWidth, depth, c + i * ldc + j, ldc);
    }
  });
  // Columns past the last full 16 would read beyond B's rows; they are few and take the plain loop.
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = vector_cols; j < cols; ++j) {
      float sum = 0.0f;
      for (int64_t kk = 0; kk < depth; ++kk) sum += a[i * lda + kk] * b[kk * ldb + j];
      c[i * ldc + j] += sum;
    }
  }
}

// Rows x Cols dot products along depth, one named accumulator each (up to 3 x 4).
template <int Rows, int Cols>
inline void DotTile(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t depth, float* c, int64_t ldc) {
  static_assert(Rows >= 1 && Rows <= 3 && (Cols == 1 || Cols == 4), "at most 12 accumulators");
  [[maybe_unused]] __m256 s00 = _mm256_setzero_ps(), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00,
                          s13 = s00, s20 = s00, s21 = s00, s22 = s00, s23 = s00;
  for (int64_t kk = 0; kk < depth; kk += 8) {
    const __m256 b0 = _mm256_loadu_ps(b + kk);
    [[maybe_unused]] __m256 b1, b2, b3;
    if constexpr (Cols == 4) {
      b1 = _mm256_loadu_ps(b + ldb + kk);
      b2 = _mm256_loadu_ps(b + 2 * ldb + kk);
      b3 = _mm256_loadu_ps(b + 3 * ldb + kk);
    }
#define MOE_DOT_ROW(r)                                   \
  if constexpr (Rows > r) {                              \
    const __m256 av = _mm256_loadu_ps(a + r * lda + kk); \
    s##r##0 = _mm256_fmadd_ps(av, b0, s##r##0);          \
    if constexpr (Cols == 4) {                           \
      s##r##1 = _mm256_fmadd_ps(av, b1, s##r##1);        \
      s##r##2 = _mm256_fmadd_ps(av, b2, s##r##2);        \
      s##r##3 = _mm256_fmadd_ps(av, b3, s##r##3);        \
    }                                                    \
  }
    MOE_DOT_ROW(0)
    MOE_DOT_ROW(1)
    MOE_DOT_ROW(2)
#undef MOE_DOT_ROW
  }
#define MOE_DOT_STORE(r)                        \
  if constexpr (Rows > r) {                     \
    c[r * ldc] += HorizontalSum(s##r##0);       \
    if constexpr (Cols == 4) {                  \
      c[r * ldc + 1] += HorizontalSum(s##r##1); \
      c[r * ldc + 2] += HorizontalSum(s##r##2); \
      c[r * ldc + 3] += HorizontalSum(s##r##3); \
    }                                           \
  }
  MOE_DOT_STORE(0)
  MOE_DOT_STORE(1)
  MOE_DOT_STORE(2)
#undef MOE_DOT_STORE
}

template <int Rows>
inline void DotRows(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t cols, int64_t depth, float* c,
                    int64_t ldc) {
  int64_t j = 0;
  for (; j + 4 <= cols; j += 4) DotTile<Rows, 4>(a, lda, b + j * ldb, ldb, depth, c + j, ldc);
  for (; j < cols; ++j) DotTile<Rows, 1>(a, lda, b + j * ldb, ldb, depth, c + j, ldc);
}

void DotNt(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
           float* c, int64_t ldc) {
  int64_t i = 0;
  for (; i + 3 <= rows; i += 3) DotRows<3>(a + i * lda, lda, b, ldb, cols, depth, c + i * ldc, ldc);
  if (rows - i == 2) DotRows<2>(a + i * lda, lda, b, ldb, cols, depth, c + i * ldc, ldc);
  if (rows - i == 1) DotRows<1>(a + i * lda, lda, b, ldb, cols, depth, c + i * ldc, ldc);
}

// exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln 2 / 2, exp(r) by Cephes' degree-6 polynomial (about 1 ulp);
// 2^n is built in the exponent bits, so x is clamped where 2^n would leave the normal range (exp(-87) ~ 1.6e-38).
inline __m256 Exp(__m256 x) {
  x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.0f)), _mm256_set1_ps(-87.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

float ExpSum(const float* x, float scale, float shift, float* out, int64_t n) {
  const __m256 a = _mm256_set1_ps(scale), b = _mm256_set1_ps(-shift);
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Exp(_mm256_fmadd_ps(_mm256_loadu_ps(x + i), a, b));
    _mm256_storeu_ps(out + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  float sum = HorizontalSum(acc);
  if (i < n) {
    alignas(32) float tail[8] = {};
    for (int64_t t = i; t < n; ++t) tail[t - i] = x[t];
    alignas(32) float e[8];
    _mm256_store_ps(e, Exp(_mm256_fmadd_ps(_mm256_load_ps(tail), a, b)));
    for (int64_t t = i; t < n; ++t) {
      out[t] = e[t - i];
      sum += e[t - i];
    }
  }
  return sum;
}

}  // namespace

const SimdKernels* Avx2Kernels() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !__builtin_cpu_supports("f16c")) {
    return nullptr;
  }
  static const SimdKernels kernels{"avx2+fma", Dot,   Axpy,   Scale,  DecodeE4m3Scaled, DotCodes, PackB,
                                   GemmPacked, DotNt, GemmNn, ExpSum, nullptr,          2,        nullptr};
  return &kernels;
}

}  // namespace moe
