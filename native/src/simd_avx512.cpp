// AVX-512 versions of the inner loops: twice the lanes of AVX2 and 32 vector registers, so the GEMM tiles hold
// 12 rows x 32 columns of accumulators, and mask registers finish ragged edges without scalar loops. This file alone
// is compiled with the AVX-512 flags; nothing here runs unless the processor and the OS report AVX-512 F, BW, VL
// and DQ.

#include <algorithm>

#include "e4m3.h"
#include "simd.h"
#include "simd_avx512_shared.h"
#include "simd_x86_shared.h"

namespace moe {
namespace {

// Columns of a packed panel of B: two zmm registers.
constexpr int64_t kWidth = 32;
// Below this many rows of A, B is decoded in registers rather than packed (measured with the GEMM benchmark).
constexpr int64_t kPackMinRows = 24;

float Dot(const float* a, const float* b, int64_t n) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), acc3);
  }
  for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
  if (i < n) {
    const __mmask16 tail = FirstLanes(n - i);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, a + i), _mm512_maskz_loadu_ps(tail, b + i), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

void Axpy(float alpha, const float* x, float* y, int64_t n) {
  const __m512 a = _mm512_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 tail = FirstLanes(n - i);
    _mm512_mask_storeu_ps(y + i, tail,
                          _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(tail, x + i), _mm512_maskz_loadu_ps(tail, y + i)));
  }
}

void Scale(float alpha, float* y, int64_t n) {
  const __m512 a = _mm512_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(a, _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 tail = FirstLanes(n - i);
    _mm512_mask_storeu_ps(y + i, tail, _mm512_mul_ps(a, _mm512_maskz_loadu_ps(tail, y + i)));
  }
}

// The AVX2 decoding trick on sixteen codes: e4m3 s.eeee.mmm placed as the half-precision pattern s.0eeee.mmm0000000
// is the same number divided by 2^8, so the 2^8 is folded into the scale. Each code goes to the high byte of a
// 16-bit lane; an arithmetic shift by one leaves the sign in bits 15 and 14, and the mask clears bit 14. NaN codes
// (s.1111.111, found with one byte compare into a mask register) become the half quiet NaN, as on the AVX2 path.
inline __m512 DecodeSixteenUnscaled(__m128i bytes) {
  const __m256i high = _mm256_slli_epi16(_mm256_cvtepu8_epi16(bytes), 8);
  const __m256i half = _mm256_and_si256(_mm256_srai_epi16(high, 1), _mm256_set1_epi16(static_cast<int16_t>(0xBFFF)));
  const __mmask16 nan = _mm_cmpeq_epi8_mask(_mm_or_si128(bytes, _mm_set1_epi8(static_cast<char>(0x80))),
                                            _mm_set1_epi8(static_cast<char>(0xFF)));
  // s.0.1111.1110000000 + 0x3E80 is s.1.1111.1000000000 (the sign bit never carries out of 16 bits).
  return _mm512_cvtph_ps(_mm256_mask_add_epi16(half, nan, half, _mm256_set1_epi16(0x7E00 - kHalfOfNanCode)));
}

inline __m512 DecodeSixteenUnscaled(const uint8_t* codes) {
  return DecodeSixteenUnscaled(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes)));
}

void DecodeE4m3Scaled(const uint8_t* codes, float scale, float* out, int64_t n) {
  const __m512 folded = _mm512_set1_ps(scale * 256.0f);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_mul_ps(DecodeSixteenUnscaled(codes + i), folded));
  if (i < n) {
    const __mmask16 tail = FirstLanes(n - i);
    const __m512 decoded = DecodeSixteenUnscaled(_mm_maskz_loadu_epi8(tail, codes + i));
    _mm512_mask_storeu_ps(out + i, tail, _mm512_mul_ps(decoded, folded));
  }
}

// One row of A against Cols rows of B, B decoded in registers; one accumulator per row of B.
template <int Cols>
inline void DotCodesTile(const float* a, const uint8_t* b, int64_t ldb, int64_t depth, const float* scales, float* c) {
  static_assert(Cols == 1 || Cols == 4, "four rows of B keep four FMA chains in flight");
  [[maybe_unused]] __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (int64_t kb = 0; kb < depth; kb += 128) {
    // The B rows of a tile share one scale per 128 columns (one 128-row block), so it goes on A.
    const __m512 scale = _mm512_set1_ps(scales[kb / 128] * 256.0f);
    for (int64_t kk = kb; kk < kb + 128; kk += 16) {
      const __m512 av = _mm512_mul_ps(_mm512_loadu_ps(a + kk), scale);
      acc0 = _mm512_fmadd_ps(av, DecodeSixteenUnscaled(b + kk), acc0);
      if constexpr (Cols == 4) {
        acc1 = _mm512_fmadd_ps(av, DecodeSixteenUnscaled(b + ldb + kk), acc1);
        acc2 = _mm512_fmadd_ps(av, DecodeSixteenUnscaled(b + 2 * ldb + kk), acc2);
        acc3 = _mm512_fmadd_ps(av, DecodeSixteenUnscaled(b + 3 * ldb + kk), acc3);
      }
    }
  }
  c[0] += _mm512_reduce_add_ps(acc0);
  if constexpr (Cols == 4) {
    c[1] += _mm512_reduce_add_ps(acc1);
    c[2] += _mm512_reduce_add_ps(acc2);
    c[3] += _mm512_reduce_add_ps(acc3);
  }
}

// Rows of A against Cols rows of B, B decoded in registers once per step for every row of the tile: what makes a
// few rows (decode with a small batch) cheaper than packing B, which costs as much as the multiply-adds there.
template <int Rows, int Cols>
inline void DotCodesRowsTile(const float* a, int64_t lda, const uint8_t* b, int64_t ldb, int64_t depth,
                             const float* scales, float* c, int64_t ldc) {
  static_assert(Rows >= 1 && Rows <= 12 && (Cols == 1 || Cols == 2), "at most 24 accumulators");
  [[maybe_unused]] __m512 s00 = _mm512_setzero_ps(), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00,
                          s31 = s00, s40 = s00, s41 = s00, s50 = s00, s51 = s00, s60 = s00, s61 = s00, s70 = s00,
                          s71 = s00, s80 = s00, s81 = s00, s90 = s00, s91 = s00, s100 = s00, s101 = s00, s110 = s00,
                          s111 = s00;
  for (int64_t kb = 0; kb < depth; kb += 128) {
    // Here the scale goes on B: two rows of B per step against up to twelve of A.
    const __m512 scale = _mm512_set1_ps(scales[kb / 128] * 256.0f);
    for (int64_t kk = kb; kk < kb + 128; kk += 16) {
      const __m512 b0 = _mm512_mul_ps(DecodeSixteenUnscaled(b + kk), scale);
      [[maybe_unused]] __m512 b1;
      if constexpr (Cols == 2) b1 = _mm512_mul_ps(DecodeSixteenUnscaled(b + ldb + kk), scale);
#define MOE_CODES_ROW(r)                                                 \
  if constexpr (Rows > r) {                                              \
    const __m512 av = _mm512_loadu_ps(a + r * lda + kk);                 \
    s##r##0 = _mm512_fmadd_ps(av, b0, s##r##0);                          \
    if constexpr (Cols == 2) s##r##1 = _mm512_fmadd_ps(av, b1, s##r##1); \
  }
      MOE_CODES_ROW(0)
      MOE_CODES_ROW(1)
      MOE_CODES_ROW(2)
      MOE_CODES_ROW(3)
      MOE_CODES_ROW(4)
      MOE_CODES_ROW(5)
      MOE_CODES_ROW(6)
      MOE_CODES_ROW(7)
      MOE_CODES_ROW(8)
      MOE_CODES_ROW(9)
      MOE_CODES_ROW(10)
      MOE_CODES_ROW(11)
#undef MOE_CODES_ROW
    }
  }
#define MOE_CODES_STORE(r)                                                    \
  if constexpr (Rows > r) {                                                   \
    c[r * ldc] += _mm512_reduce_add_ps(s##r##0);                              \
    if constexpr (Cols == 2) c[r * ldc + 1] += _mm512_reduce_add_ps(s##r##1); \
  }
  MOE_CODES_STORE(0)
  MOE_CODES_STORE(1)
  MOE_CODES_STORE(2)
  MOE_CODES_STORE(3)
  MOE_CODES_STORE(4)
  MOE_CODES_STORE(5)
  MOE_CODES_STORE(6)
  MOE_CODES_STORE(7)
  MOE_CODES_STORE(8)
  MOE_CODES_STORE(9)
  MOE_CODES_STORE(10)
  MOE_CODES_STORE(11)
#undef MOE_CODES_STORE
}

void DotCodes(const float* a, int64_t lda, int64_t rows, const uint8_t* b, int64_t ldb, int64_t cols, int64_t depth,
              const float* scales, float* c, int64_t ldc) {
  if (rows == 1) {  // four rows of B keep four chains in flight
    int64_t j = 0;
    for (; j + 4 <= cols; j += 4) DotCodesTile<4>(a, b + j * ldb, ldb, depth, scales, c + j);
    for (; j < cols; ++j) DotCodesTile<1>(a, b + j * ldb, ldb, depth, scales, c + j);
    return;
  }
  // Pairs of B rows outside, row tiles inside: a pair is decoded from L1 for every tile after the first.
  int64_t j = 0;
  for (; j + 2 <= cols; j += 2) {
    ForBalancedRowTiles(rows, [&](auto tile_rows, int64_t i) {
      DotCodesRowsTile<decltype(tile_rows)::value, 2>(a + i * lda, lda, b + j * ldb, ldb, depth, scales,
                                                      c + i * ldc + j, ldc);
    });
  }
  if (j < cols) {
    ForBalancedRowTiles(rows, [&](auto tile_rows, int64_t i) {
      DotCodesRowsTile<decltype(tile_rows)::value, 1>(a + i * lda, lda, b + j * ldb, ldb, depth, scales,
                                                      c + i * ldc + j, ldc);
    });
  }
}

// Panels 32 rows of B wide.
void PackB(const uint8_t* b, int64_t ldb, int64_t rows, int64_t depth, const float* scales, float* packed) {
  PackTransposed<kWidth>(b, ldb, rows, depth, scales, packed);
}

// The lanes of the low and high halves of a 32-column row that exist.
struct RowMasks {
  __mmask16 low;
  __mmask16 high;
};

inline RowMasks MasksFor(int64_t cols) {
  return cols >= kWidth ? RowMasks{0xFFFF, 0xFFFF}
         : cols > 16    ? RowMasks{0xFFFF, FirstLanes(cols - 16)}
                        : RowMasks{cols == 16 ? static_cast<__mmask16>(0xFFFF) : FirstLanes(cols), 0};
}

inline void AddToRow(float* row, __m512 low, __m512 high, RowMasks masks) {
  _mm512_mask_storeu_ps(row, masks.low, _mm512_add_ps(_mm512_maskz_loadu_ps(masks.low, row), low));
  _mm512_mask_storeu_ps(row + 16, masks.high, _mm512_add_ps(_mm512_maskz_loadu_ps(masks.high, row + 16), high));
}

// Rows x 32 outer-product tile: per step kk, two vectors of B (32 floats at panel + kk * stride, lanes outside
// masks read as zero) against one broadcast element of A per row. Named accumulators, as GCC spills arrays. With
// Halves = 1 the tile is 16 wide (masks.high is empty): no multiply-adds on lanes that hold nothing.
template <int Rows, int Halves = 2>
inline void OuterTile(const float* a, int64_t lda, const float* panel, int64_t stride, RowMasks masks, int64_t depth,
                      float* c, int64_t ldc) {
  static_assert(Rows >= 1 && Rows <= 12, "twelve rows use 24 of the 32 vector registers");
  [[maybe_unused]] __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
                          c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00,
                          c71 = c00, c80 = c00, c81 = c00, c90 = c00, c91 = c00, c100 = c00, c101 = c00, c110 = c00,
                          c111 = c00;
  for (int64_t kk = 0; kk < depth; ++kk) {
    const __m512 b0 = _mm512_maskz_loadu_ps(masks.low, panel + kk * stride);
    [[maybe_unused]] __m512 b1;
    if constexpr (Halves == 2) b1 = _mm512_maskz_loadu_ps(masks.high, panel + kk * stride + 16);
#define MOE_TILE_ROW(r)                                                    \
  if constexpr (Rows > r) {                                                \
    const __m512 av = _mm512_set1_ps(a[r * lda + kk]);                     \
    c##r##0 = _mm512_fmadd_ps(av, b0, c##r##0);                            \
    if constexpr (Halves == 2) c##r##1 = _mm512_fmadd_ps(av, b1, c##r##1); \
  }
    MOE_TILE_ROW(0)
    MOE_TILE_ROW(1)
    MOE_TILE_ROW(2)
    MOE_TILE_ROW(3)
    MOE_TILE_ROW(4)
    MOE_TILE_ROW(5)
    MOE_TILE_ROW(6)
    MOE_TILE_ROW(7)
    MOE_TILE_ROW(8)
    MOE_TILE_ROW(9)
    MOE_TILE_ROW(10)
    MOE_TILE_ROW(11)
#undef MOE_TILE_ROW
  }
#define MOE_TILE_STORE(r) \
  if constexpr (Rows > r) AddToRow(c + r * ldc, c##r##0, c##r##1, masks);
  MOE_TILE_STORE(0)
  MOE_TILE_STORE(1)
  MOE_TILE_STORE(2)
  MOE_TILE_STORE(3)
  MOE_TILE_STORE(4)
  MOE_TILE_STORE(5)
  MOE_TILE_STORE(6)
  MOE_TILE_STORE(7)
  MOE_TILE_STORE(8)
  MOE_TILE_STORE(9)
  MOE_TILE_STORE(10)
  MOE_TILE_STORE(11)
#undef MOE_TILE_STORE
}

void GemmPacked(const float* a, int64_t lda, int64_t rows, const float* packed, int64_t cols, int64_t depth, float* c,
                int64_t ldc) {
  ForBalancedRowTiles(rows, [&](auto tile_rows, int64_t i) {
    for (int64_t j = 0; j < cols; j += kWidth) {
      const RowMasks masks = MasksFor(cols - j);
      const float* panel = packed + (j / kWidth) * depth * kWidth;
      if (masks.high == 0) {
        OuterTile<decltype(tile_rows)::value, 1>(a + i * lda, lda, panel, kWidth, masks, depth, c + i * ldc + j, ldc);
      } else {
        OuterTile<decltype(tile_rows)::value, 2>(a + i * lda, lda, panel, kWidth, masks, depth, c + i * ldc + j, ldc);
      }
    }
  });
}

// B read in place; the masks keep the last, partial tile from reading past B's rows.
void GemmNn(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
            float* c, int64_t ldc) {
  ForBalancedRowTiles(rows, [&](auto tile_rows, int64_t i) {
    for (int64_t j = 0; j < cols; j += kWidth) {
      const RowMasks masks = MasksFor(cols - j);
      if (masks.high == 0) {
        OuterTile<decltype(tile_rows)::value, 1>(a + i * lda, lda, b + j, ldb, masks, depth, c + i * ldc + j, ldc);
      } else {
        OuterTile<decltype(tile_rows)::value, 2>(a + i * lda, lda, b + j, ldb, masks, depth, c + i * ldc + j, ldc);
      }
    }
  });
}

// The sums of four vectors' lanes, as one vector [sum a, sum b, sum c, sum d]: a transposing add tree that shares
// its steps between the four, about half the work of four separate reductions (the scores' dot products are short,
// so their reductions count).
inline __m128 SumFour(__m512 a, __m512 b, __m512 c, __m512 d) {
  const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
  const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
  // Each 128-bit lane now holds [a, b, c, d] partial sums.
  const __m512 lanes = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(1, 0, 1, 0)),
                                     _mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m256 halves = _mm256_add_ps(_mm512_castps512_ps256(lanes), _mm512_extractf32x8_ps(lanes, 1));
  return _mm_add_ps(_mm256_castps256_ps128(halves), _mm256_extractf128_ps(halves, 1));
}

// Rows x Cols dot products along depth, one named accumulator each (up to 4 x 4); a masked step ends the depth.
template <int Rows, int Cols>
inline void DotTile(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t depth, float* c, int64_t ldc) {
  static_assert(Rows >= 1 && Rows <= 4 && (Cols == 1 || Cols == 4), "at most 16 accumulators");
  [[maybe_unused]] __m512 s00 = _mm512_setzero_ps(), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00,
                          s13 = s00, s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00,
                          s33 = s00;
  for (int64_t kk = 0; kk < depth; kk += 16) {
    const __mmask16 lanes = depth - kk >= 16 ? static_cast<__mmask16>(0xFFFF) : FirstLanes(depth - kk);
    const __m512 b0 = _mm512_maskz_loadu_ps(lanes, b + kk);
    [[maybe_unused]] __m512 b1, b2, b3;
    if constexpr (Cols == 4) {
      b1 = _mm512_maskz_loadu_ps(lanes, b + ldb + kk);
      b2 = _mm512_maskz_loadu_ps(lanes, b + 2 * ldb + kk);
      b3 = _mm512_maskz_loadu_ps(lanes, b + 3 * ldb + kk);
    }
#define MOE_DOT_ROW(r)                                                \
  if constexpr (Rows > r) {                                           \
    const __m512 av = _mm512_maskz_loadu_ps(lanes, a + r * lda + kk); \
    s##r##0 = _mm512_fmadd_ps(av, b0, s##r##0);                       \
    if constexpr (Cols == 4) {                                        \
      s##r##1 = _mm512_fmadd_ps(av, b1, s##r##1);                     \
      s##r##2 = _mm512_fmadd_ps(av, b2, s##r##2);                     \
      s##r##3 = _mm512_fmadd_ps(av, b3, s##r##3);                     \
    }                                                                 \
  }
    MOE_DOT_ROW(0)
    MOE_DOT_ROW(1)
    MOE_DOT_ROW(2)
    MOE_DOT_ROW(3)
#undef MOE_DOT_ROW
  }
#define MOE_DOT_STORE(r)                                                                                              \
  if constexpr (Rows > r) {                                                                                           \
    if constexpr (Cols == 4) {                                                                                        \
      _mm_storeu_ps(c + r * ldc, _mm_add_ps(_mm_loadu_ps(c + r * ldc), SumFour(s##r##0, s##r##1, s##r##2, s##r##3))); \
    } else {                                                                                                          \
      c[r * ldc] += _mm512_reduce_add_ps(s##r##0);                                                                    \
    }                                                                                                                 \
  }
  MOE_DOT_STORE(0)
  MOE_DOT_STORE(1)
  MOE_DOT_STORE(2)
  MOE_DOT_STORE(3)
#undef MOE_DOT_STORE
}

// Every row of A against Cols rows of B, in tiles of four rows.
template <int Cols>
inline void DotColumns(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t depth, float* c,
                       int64_t ldc) {
  int64_t i = 0;
  for (; i + 4 <= rows; i += 4) DotTile<4, Cols>(a + i * lda, lda, b, ldb, depth, c + i * ldc, ldc);
  switch (rows - i) {
    case 3:
      DotTile<3, Cols>(a + i * lda, lda, b, ldb, depth, c + i * ldc, ldc);
      break;
    case 2:
      DotTile<2, Cols>(a + i * lda, lda, b, ldb, depth, c + i * ldc, ldc);
      break;
    case 1:
      DotTile<1, Cols>(a + i * lda, lda, b, ldb, depth, c + i * ldc, ldc);
      break;
    default:
      break;
  }
}

// Few rows of A: four rows of B at a time against all of A. Those rows stay in L1 while every row tile of A passes
// over them, so B (an MLA page, which does not fit L1) streams from memory once instead of once per row tile.
void DotNt(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t cols, int64_t depth,
           float* c, int64_t ldc) {
  int64_t j = 0;
  for (; j + 4 <= cols; j += 4) DotColumns<4>(a, lda, rows, b + j * ldb, ldb, depth, c + j, ldc);
  for (; j < cols; ++j) DotColumns<1>(a, lda, rows, b + j * ldb, ldb, depth, c + j, ldc);
}

float ExpSum(const float* x, float scale, float shift, float* out, int64_t n) {
  const __m512 a = _mm512_set1_ps(scale), b = _mm512_set1_ps(-shift);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 lanes = n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : FirstLanes(n - i);
    const __m512 e = Exp(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, x + i), a, b));
    _mm512_mask_storeu_ps(out + i, lanes, e);
    acc = _mm512_mask_add_ps(acc, lanes, acc, e);
  }
  return _mm512_reduce_add_ps(acc);
}

}  // namespace

const SimdKernels* Avx512Kernels() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx2") ||
      !__builtin_cpu_supports("fma") || !__builtin_cpu_supports("f16c")) {
    return nullptr;
  }
  static const SimdKernels kernels{"avx512",   Dot,   Axpy,   Scale,  DecodeE4m3Scaled, DotCodes,     PackB,
                                   GemmPacked, DotNt, GemmNn, ExpSum, Avx512MlaPage,    kPackMinRows, nullptr};
  return &kernels;
}

}  // namespace moe
