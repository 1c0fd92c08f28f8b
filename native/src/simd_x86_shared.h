// AVX2-level pieces both vector paths build on: decoding e4m3 eight codes at a time, the 8x8 transpose, packing
// panels of B, and splitting rows into register tiles. Included only by simd_avx2.cpp and simd_avx512.cpp; the
// anonymous namespace gives each its own copy, compiled with its own instruction set, so the linker can never hand
// the AVX2 path a function built with AVX-512 encodings.
#ifndef MOE_SRC_SIMD_X86_SHARED_H_
#define MOE_SRC_SIMD_X86_SHARED_H_

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

namespace moe {
namespace {

// e4m3 s.eeee.mmm placed as the half-precision pattern s.0eeee.mmm0000000 is the same number divided by 2^8 (both
// the normal and the subnormal range line up), so three integer operations and vcvtph2ps decode eight codes; the
// 2^8 is folded into the scale. Interleaving zero bytes puts each code in the high byte (code << 8); an arithmetic
// shift by one then leaves the sign in bits 15 and 14 and the rest in bits 13..7, and the mask clears bit 14.
// The one exception is e4m3fn's NaN, s.1111.111, which that pattern would make +-1.875 (480 once scaled): such lanes
// (kHalfOfNanCode without the sign) become the half quiet NaN s.11111.1000000000, which vcvtph2ps turns into the
// float NaN 0x7FC00000 with the code's sign, bit for bit what the scalar path gives.
constexpr int16_t kHalfOfNanCode = 0x3F80;
constexpr int16_t kHalfNanFlip = 0x3F80 ^ 0x7E00;

inline __m128i HalvesOfEight(__m128i bytes) {
  const __m128i high = _mm_unpacklo_epi8(_mm_setzero_si128(), bytes);
  const __m128i half = _mm_and_si128(_mm_srai_epi16(high, 1), _mm_set1_epi16(static_cast<int16_t>(0xBFFF)));
  const __m128i nan = _mm_cmpeq_epi16(_mm_and_si128(half, _mm_set1_epi16(0x7FFF)), _mm_set1_epi16(kHalfOfNanCode));
  return _mm_xor_si128(half, _mm_and_si128(nan, _mm_set1_epi16(kHalfNanFlip)));
}

inline __m256 DecodeEightUnscaled(const uint8_t* codes) {
  return _mm256_cvtph_ps(HalvesOfEight(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes))));
}

inline __m256 DecodeEight(const uint8_t* codes, __m256 scale) {
  return _mm256_mul_ps(DecodeEightUnscaled(codes), scale);
}

// Eight rows of eight floats in, eight columns out: r[i] becomes element i of every input row.
inline void Transpose8x8(__m256* r) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Decodes B (row stride ldb; column kk scaled by scales[kk / 128]) into panels Width rows wide, transposed eight by
// eight: packed[(g * depth + kk) * Width + j] is row g * Width + j at column kk, zero past the last row.
template <int64_t Width>
void PackTransposed(const uint8_t* b, int64_t ldb, int64_t rows, int64_t depth, const float* scales, float* packed) {
  static_assert(Width % 8 == 0, "panels are whole 8x8 transposes");
  const int64_t groups = (rows + Width - 1) / Width;
  for (int64_t g = 0; g < groups; ++g) {
    float* out = packed + g * depth * Width;
    for (int64_t kk = 0; kk < depth; kk += 8) {
      const __m256 scale = _mm256_set1_ps(scales[kk / 128] * 256.0f);
      for (int64_t eighth = 0; eighth < Width / 8; ++eighth) {
        __m256 r[8];
        for (int64_t j = 0; j < 8; ++j) {
          const int64_t row = g * Width + eighth * 8 + j;
          r[j] = row < rows ? DecodeEight(b + row * ldb + kk, scale) : _mm256_setzero_ps();
        }
        Transpose8x8(r);
        for (int64_t i = 0; i < 8; ++i) _mm256_storeu_ps(out + (kk + i) * Width + eighth * 8, r[i]);
      }
    }
  }
}

// body(std::integral_constant<int, Rows>, i) for the one tile of the rows left over, Rows < Max.
template <int Rows, typename Body>
inline void LastRowTile(int64_t rest, int64_t i, Body& body) {
  if constexpr (Rows > 0) {
    if (rest == Rows) {
      body(std::integral_constant<int, Rows>{}, i);
    } else {
      LastRowTile<Rows - 1>(rest, i, body);
    }
  }
}

// Calls body(std::integral_constant<int, R>, i) for row tiles of R = Max rows, then one tile of the rest.
template <int Max, typename Body>
inline void ForRowTiles(int64_t rows, Body body) {
  int64_t i = 0;
  for (; i + Max <= rows; i += Max) body(std::integral_constant<int, Max>{}, i);
  LastRowTile<Max - 1>(rows - i, i, body);
}

// As ForRowTiles with Max = 12 (the AVX-512 tiles), with tiles of equal size (16 rows: 8 + 8, not 12 + 4): a small
// tile does as much decoding per step as a big one for fewer multiply-adds.
template <typename Body>
inline void ForBalancedRowTiles(int64_t rows, Body body) {
  const int64_t tiles = (rows + 11) / 12;
  int64_t start = 0;
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t tile_rows = (rows - start) / (tiles - t);
    ForRowTiles<12>(tile_rows, [&](auto constant, int64_t i) { body(constant, start + i); });
    start += tile_rows;
  }
}

}  // namespace
}  // namespace moe

#endif  // MOE_SRC_SIMD_X86_SHARED_H_
