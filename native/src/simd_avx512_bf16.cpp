// The AVX512_BF16 GEMM pieces. Every e4m3 value is exactly a bfloat16 (4 significant bits, exponents 2^-9..2^8),
// so the codes become bfloat16 with no rounding, vdpbf16ps multiplies pairs of them and adds both products to
// float32 accumulators (twice the multiply-adds of vfmadd231ps per instruction), and the scales, which are not
// bfloat16, are applied in float32 once per 128 columns of K: each 128-column block accumulates on its own, then
// joins the sum multiplied by its A and B scales. vdpbf16ps treats subnormal inputs and results as zero; none arise:
// every decoded value is at least 2^-9 and every nonzero sum of products a multiple of 2^-18. This file alone is
// compiled with AVX512_BF16 and AVX512_VBMI; nothing here runs unless the processor reports both (and the AVX-512
// path's features).

#include <cstring>

#include "e4m3.h"
#include "simd.h"
#include "simd_avx512_shared.h"
#include "simd_x86_shared.h"

namespace moe {
namespace {

constexpr int64_t kWidth = 32;  // columns of a packed panel: two vectors of 16 pairs
// Below this many rows of A, B is decoded in registers rather than packed (measured with moe_peer_bench: from 8
// rows on, packing B costs less than the shuffles of decoding it once per row tile).
constexpr int64_t kPackMinRows = 8;

// The bfloat16 bits of the 128 magnitudes (code & 0x7F), split into low and high bytes: two 64-byte halves each, the
// operands of vpermt2b, which looks up 64 bytes at once by their low seven bits. The sign bit is ORed in afterwards.
struct MagnitudeTables {
  __m512i low0, low1, high0, high1;
};

MagnitudeTables BuildTables() {
  alignas(64) uint8_t low[128], high[128];
  for (int code = 0; code < 128; ++code) {
    const float value = E4m3ToFloat(static_cast<uint8_t>(code));
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    // Exact: e4m3's 3 mantissa bits leave the float's low 16 bits zero. The NaN code gives the quiet NaN 0x7FC0.
    const uint16_t bf16 = static_cast<uint16_t>(bits >> 16);
    low[code] = static_cast<uint8_t>(bf16 & 0xFF);
    high[code] = static_cast<uint8_t>(bf16 >> 8);
  }
  return {_mm512_load_si512(low), _mm512_load_si512(low + 64), _mm512_load_si512(high), _mm512_load_si512(high + 64)};
}

const MagnitudeTables& Tables() {
  static const MagnitudeTables tables = BuildTables();
  return tables;
}

// 64 codes -> 64 bfloat16 in two vectors, each 32-bit lane one pair. The byte interleave works within 128-bit lanes,
// so the order is permuted: first holds codes 0-7, 16-23, 32-39, 48-55 and second the others. A and B are decoded
// by this same function, so their pairs still meet, and a 128-column block is two whole calls.
struct SixtyFour {
  __m512i first, second;
};

inline SixtyFour DecodeSixtyFour(const MagnitudeTables& t, __m512i codes) {
  const __m512i low = _mm512_permutex2var_epi8(t.low0, codes, t.low1);
  const __m512i high = _mm512_permutex2var_epi8(t.high0, codes, t.high1);
  // high | (codes & 0x80): the code's sign becomes the bfloat16's.
  const __m512i signed_high = _mm512_ternarylogic_epi32(high, codes, _mm512_set1_epi8(static_cast<char>(0x80)), 0xF8);
  return {_mm512_unpacklo_epi8(low, signed_high), _mm512_unpackhi_epi8(low, signed_high)};
}

inline SixtyFour DecodeSixtyFour(const MagnitudeTables& t, const uint8_t* codes) {
  return DecodeSixtyFour(t, _mm512_loadu_si512(codes));
}

inline __m512 Dp(__m512 acc, __m512i a, __m512i b) {
  return _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh>(a), reinterpret_cast<__m512bh>(b));
}

void Decode(const uint8_t* codes, uint16_t* out, int64_t n) {
  const MagnitudeTables& t = Tables();
  for (int64_t i = 0; i < n; i += 64) {
    const SixtyFour v = DecodeSixtyFour(t, codes + i);
    _mm512_storeu_si512(out + i, v.first);
    _mm512_storeu_si512(out + i + 32, v.second);
  }
}

// Sixteen vectors of sixteen 32-bit lanes transposed in place: r[i] becomes lane i of every input.
inline void Transpose16x16(__m512i* r) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  // Each 128-bit lane now holds a 4x4 block; move the blocks.
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xDD);
    r[i + 4] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0xDD);
  }
}

// Panels of 32 rows: packed[(g * depth / 2 + p) * 32 + j] is pair p (in decode order) of row g * 32 + j, zero past
// the last row. Sixteen rows' 64 columns are decoded, then transposed sixteen pairs at a time.
void PackB(const uint8_t* b, int64_t ldb, int64_t rows, int64_t depth, uint32_t* packed) {
  const MagnitudeTables& t = Tables();
  const int64_t groups = (rows + kWidth - 1) / kWidth;
  const int64_t pairs = depth / 2;
  for (int64_t g = 0; g < groups; ++g) {
    uint32_t* out = packed + g * pairs * kWidth;
    for (int64_t half = 0; half < 2; ++half) {
      for (int64_t kk = 0; kk < depth; kk += 64) {
        __m512i first[16], second[16];
        for (int64_t j = 0; j < 16; ++j) {
          const int64_t row = g * kWidth + half * 16 + j;
          if (row < rows) {
            const SixtyFour v = DecodeSixtyFour(t, b + row * ldb + kk);
            first[j] = v.first;
            second[j] = v.second;
          } else {
            first[j] = second[j] = _mm512_setzero_si512();
          }
        }
        Transpose16x16(first);
        Transpose16x16(second);
        uint32_t* block = out + (kk / 2) * kWidth + half * 16;
        for (int64_t p = 0; p < 16; ++p) {
          _mm512_storeu_si512(block + p * kWidth, first[p]);
          _mm512_storeu_si512(block + (16 + p) * kWidth, second[p]);
        }
      }
    }
  }
}

// c += scale * sum, on the columns the masks keep.
inline void FoldRow(float* row, __m512 low, __m512 high, __m512 scale, __mmask16 low_mask, __mmask16 high_mask) {
  _mm512_mask_storeu_ps(row, low_mask, _mm512_fmadd_ps(low, scale, _mm512_maskz_loadu_ps(low_mask, row)));
  if (high_mask != 0) {
    _mm512_mask_storeu_ps(row + 16, high_mask,
                          _mm512_fmadd_ps(high, scale, _mm512_maskz_loadu_ps(high_mask, row + 16)));
  }
}

// Rows x 32 outer-product tile over one packed panel: per pair, two vectors of B against one broadcast pair of A
// per row; each 128-column block's sums are folded into C with that block's scales.
template <int Rows>
inline void OuterTile(const uint16_t* a, int64_t lda, const float* a_scales, int64_t a_scales_stride,
                      const uint32_t* panel, __mmask16 low_mask, __mmask16 high_mask, int64_t depth,
                      const float* b_scales, float* c, int64_t ldc) {
  static_assert(Rows >= 1 && Rows <= 12, "twelve rows use 24 of the 32 vector registers");
  for (int64_t kb = 0; kb < depth; kb += 128) {
    [[maybe_unused]] __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
                            c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00,
                            c71 = c00, c80 = c00, c81 = c00, c90 = c00, c91 = c00, c100 = c00, c101 = c00, c110 = c00,
                            c111 = c00;
    const uint32_t* pairs = panel + (kb / 2) * kWidth;
    for (int64_t p = 0; p < 64; ++p) {
      const __m512i b0 = _mm512_loadu_si512(pairs + p * kWidth);
      const __m512i b1 = _mm512_loadu_si512(pairs + p * kWidth + 16);
#define MOE_TILE_ROW(r)                                         \
  if constexpr (Rows > r) {                                     \
    int32_t pair;                                               \
    std::memcpy(&pair, a + r * lda + kb + 2 * p, sizeof(pair)); \
    const __m512i av = _mm512_set1_epi32(pair);                 \
    c##r##0 = Dp(c##r##0, av, b0);                              \
    c##r##1 = Dp(c##r##1, av, b1);                              \
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
    const float b_scale = b_scales[kb / 128];
#define MOE_TILE_FOLD(r)                                                                                       \
  if constexpr (Rows > r) {                                                                                    \
    FoldRow(c + r * ldc, c##r##0, c##r##1, _mm512_set1_ps(a_scales[r * a_scales_stride + kb / 128] * b_scale), \
            low_mask, high_mask);                                                                              \
  }
    MOE_TILE_FOLD(0)
    MOE_TILE_FOLD(1)
    MOE_TILE_FOLD(2)
    MOE_TILE_FOLD(3)
    MOE_TILE_FOLD(4)
    MOE_TILE_FOLD(5)
    MOE_TILE_FOLD(6)
    MOE_TILE_FOLD(7)
    MOE_TILE_FOLD(8)
    MOE_TILE_FOLD(9)
    MOE_TILE_FOLD(10)
    MOE_TILE_FOLD(11)
#undef MOE_TILE_FOLD
  }
}

void GemmPacked(const uint16_t* a, int64_t lda, int64_t rows, const float* a_scales, int64_t a_scales_stride,
                const uint32_t* packed, int64_t cols, int64_t depth, const float* b_scales, float* c, int64_t ldc) {
  ForBalancedRowTiles(rows, [&](auto tile_rows, int64_t i) {
    for (int64_t j = 0; j < cols; j += kWidth) {
      const int64_t left = cols - j;
      const __mmask16 low_mask = left >= 16 ? static_cast<__mmask16>(0xFFFF) : FirstLanes(left);
      const __mmask16 high_mask = left >= 32 ? static_cast<__mmask16>(0xFFFF) : left > 16 ? FirstLanes(left - 16) : 0;
      OuterTile<decltype(tile_rows)::value>(a + i * lda, lda, a_scales + i * a_scales_stride, a_scales_stride,
                                            packed + (j / kWidth) * (depth / 2) * kWidth, low_mask, high_mask, depth,
                                            b_scales, c + i * ldc + j, ldc);
    }
  });
}

// Rows of A against Cols rows of B decoded in registers. Each (row, column) has the running total and its current
// block's sum, which starts from zero every 128 columns, so blocks do not wait on each other; small tiles split the
// block's sum in two more (the two vectors of each 64 codes), as a chain of vdpbf16ps would otherwise set the pace.
template <int Rows, int Cols>
inline void DotCodesTile(const MagnitudeTables& t, const uint16_t* a, int64_t lda, const float* a_scales,
                         int64_t a_scales_stride, const uint8_t* b, int64_t ldb, int64_t depth, const float* b_scales,
                         float* c, int64_t ldc) {
  static_assert(Rows * Cols <= 8 && (Cols == 1 || Cols == 2), "two registers per dot product");
  constexpr bool kSplit = Rows * Cols <= 4;
  __m512 total[Rows][Cols];
  for (int r = 0; r < Rows; ++r) {
    for (int j = 0; j < Cols; ++j) total[r][j] = _mm512_setzero_ps();
  }
  for (int64_t kb = 0; kb < depth; kb += 128) {
    __m512 block[Rows][Cols], second[Rows][Cols];
    for (int r = 0; r < Rows; ++r) {
      for (int j = 0; j < Cols; ++j) block[r][j] = second[r][j] = _mm512_setzero_ps();
    }
    // Both 64-code halves of a block in one iteration: a fifth faster for one row of A (moe_peer_bench).
#pragma GCC unroll 2
    for (int64_t kk = kb; kk < kb + 128; kk += 64) {
      SixtyFour bv[Cols];
      for (int j = 0; j < Cols; ++j) bv[j] = DecodeSixtyFour(t, b + j * ldb + kk);
      for (int r = 0; r < Rows; ++r) {
        const __m512i a0 = _mm512_loadu_si512(a + r * lda + kk), a1 = _mm512_loadu_si512(a + r * lda + kk + 32);
        for (int j = 0; j < Cols; ++j) {
          block[r][j] = Dp(block[r][j], a0, bv[j].first);
          if constexpr (kSplit) {
            second[r][j] = Dp(second[r][j], a1, bv[j].second);
          } else {
            block[r][j] = Dp(block[r][j], a1, bv[j].second);
          }
        }
      }
    }
    const float b_scale = b_scales[kb / 128];
    for (int r = 0; r < Rows; ++r) {
      const __m512 scale = _mm512_set1_ps(a_scales[r * a_scales_stride + kb / 128] * b_scale);
      for (int j = 0; j < Cols; ++j) {
        const __m512 sum = kSplit ? _mm512_add_ps(block[r][j], second[r][j]) : block[r][j];
        total[r][j] = _mm512_fmadd_ps(sum, scale, total[r][j]);
      }
    }
  }
  for (int r = 0; r < Rows; ++r) {
    for (int j = 0; j < Cols; ++j) c[r * ldc + j] += _mm512_reduce_add_ps(total[r][j]);
  }
}

// Rows of A in tiles of up to Max against Cols rows of B.
template <int Max, int Cols>
inline void DotCodesColumns(const MagnitudeTables& t, const uint16_t* a, int64_t lda, int64_t rows,
                            const float* a_scales, int64_t a_scales_stride, const uint8_t* b, int64_t ldb,
                            int64_t depth, const float* b_scales, float* c, int64_t ldc) {
  ForRowTiles<Max>(rows, [&](auto tile_rows, int64_t i) {
    constexpr int kRows = decltype(tile_rows)::value;
    DotCodesTile<kRows, Cols>(t, a + i * lda, lda, a_scales + i * a_scales_stride, a_scales_stride, b, ldb, depth,
                              b_scales, c + i * ldc, ldc);
  });
}

// Fewer rows of A than pack_min_rows. One row of A takes B one row at a time, so B streams through in the order it
// lies in memory (measured faster than two or four rows of B side by side); more rows of A take B two rows at a
// time, so each load of A serves two rows of B.
void DotCodes(const uint16_t* a, int64_t lda, int64_t rows, const float* a_scales, int64_t a_scales_stride,
              const uint8_t* b, int64_t ldb, int64_t cols, int64_t depth, const float* b_scales, float* c,
              int64_t ldc) {
  const MagnitudeTables& t = Tables();
  int64_t j = 0;
  if (rows > 1) {
    for (; j + 2 <= cols; j += 2) {
      DotCodesColumns<4, 2>(t, a, lda, rows, a_scales, a_scales_stride, b + j * ldb, ldb, depth, b_scales, c + j, ldc);
    }
  }
  for (; j < cols; ++j) {
    DotCodesColumns<8, 1>(t, a, lda, rows, a_scales, a_scales_stride, b + j * ldb, ldb, depth, b_scales, c + j, ldc);
  }
}

}  // namespace

const SimdKernels* Avx512Bf16Kernels() {
  const SimdKernels* avx512 = Avx512Kernels();
  __builtin_cpu_init();
  if (avx512 == nullptr || !__builtin_cpu_supports("avx512bf16") || !__builtin_cpu_supports("avx512vbmi")) {
    return nullptr;
  }
  static const Bf16Gemm bf16{Decode, PackB, GemmPacked, DotCodes, kPackMinRows};
  static const SimdKernels kernels = [&] {
    SimdKernels widened = *avx512;
    widened.name = "avx512_bf16";
    widened.bf16 = &bf16;
    return widened;
  }();
  return &kernels;
}

}  // namespace moe
