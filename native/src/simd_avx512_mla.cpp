// One page of MLA decoding in AVX-512, for up to 16 query rows: one vector register holds a value for every row, so
// the scores come out as tokens x rows (one outer-product accumulator per token, no horizontal sums), the softmax
// runs down the tokens with the rows in lanes (the page max is a vector max, no transposes), and the weights feed
// the values' outer products as broadcasts. Composing the same page from gemm_nn and exp_sum costs a transpose of
// the scores and a scalar max per row; here the whole page is arithmetic. While it computes, the next page is
// prefetched into L2 at a steady rate, so that page's scores (which read every byte of it) start from cache rather
// than from memory. Compiled with the AVX-512 flags; reached only through Avx512Kernels().

#include <limits>

#include "moe_mla.h"
#include "simd.h"
#include "simd_avx512_shared.h"
#include "simd_x86_shared.h"

namespace moe {
namespace {

constexpr int64_t kLanes = 16;
constexpr int64_t kPage = MOE_MLA_PAGE_SIZE;
constexpr int64_t kHead = MOE_MLA_HEAD_DIM;
constexpr int64_t kValue = MOE_MLA_VALUE_DIM;
constexpr int64_t kLineBytes = 64;
constexpr int64_t kSmallPageBytes = 4096;

// Walks the next page one cache line per Step, into L2 (which holds this page and the next with room to spare).
// Spread over the page's arithmetic, the memory reads overlap it at a rate the core's outstanding misses sustain;
// all at once, they would queue behind each other and stall the loads this page needs. One line of every 4 KiB
// goes first, starting each of the 36 (its address translation first of all) before the steady walk reaches it:
// 0.7 us of a 21 us page on two threads, about what huge pages gave, so most likely the translations.
class NextPagePrefetch {
 public:
  NextPagePrefetch(const float* page, int64_t bytes)
      : next_(reinterpret_cast<const char*>(page)), end_(page == nullptr ? next_ : next_ + bytes) {
    for (const char* line = next_; line < end_; line += kSmallPageBytes) _mm_prefetch(line, _MM_HINT_T1);
  }

  void Step() {
    if (next_ < end_) {
      _mm_prefetch(next_, _MM_HINT_T1);
      next_ += kLineBytes;
    }
  }

 private:
  const char* next_;
  const char* end_;
};

// scores[(t0 + i) * 16 + r] = scale * dot(token t0 + i, query row r) for Tokens consecutive tokens: per element d,
// one vector of q_t (all rows) against the token's element broadcast. One prefetch step per eight elements.
template <int Tokens>
inline void ScoresTile(const float* kv, const float* q_t, __m512 scale, float* scores, NextPagePrefetch& prefetch) {
  __m512 acc[Tokens];
#pragma GCC unroll 12
  for (int i = 0; i < Tokens; ++i) acc[i] = _mm512_setzero_ps();
  for (int64_t d0 = 0; d0 < kHead; d0 += 8) {
    prefetch.Step();
#pragma GCC unroll 8
    for (int64_t d = d0; d < d0 + 8; ++d) {
      const __m512 q = _mm512_loadu_ps(q_t + d * kLanes);
#pragma GCC unroll 12
      for (int i = 0; i < Tokens; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(kv[i * kHead + d]), q, acc[i]);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < Tokens; ++i) _mm512_store_ps(scores + i * kLanes, _mm512_mul_ps(acc[i], scale));
}

// The online-softmax step: folds the page's max into row_max (rescaling row_sum and the rows of out it already
// holds), writes weights[t * 16 + r] = exp(score - max) for the tokens row r sees (0 for the rest) and adds them
// to row_sum.
inline void Softmax(const MlaPage& p, int64_t tokens, const float* scores, float* weights) {
  const __mmask16 rows = p.rows >= kLanes ? static_cast<__mmask16>(0xFFFF) : FirstLanes(p.rows);
  const __m512 minus_infinity = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  // Lanes past rows see nothing, so their weights stay 0.
  const __m512i visible = _mm512_maskz_loadu_epi32(rows, p.visible);
  const __m512 old_max = _mm512_mask_loadu_ps(minus_infinity, rows, p.row_max);
  __m512 page_max = minus_infinity;
  for (int64_t t = 0; t < tokens; ++t) {
    const __mmask16 seen = _mm512_cmpgt_epi32_mask(visible, _mm512_set1_epi32(static_cast<int32_t>(t)));
    page_max = _mm512_mask_max_ps(page_max, seen, page_max, _mm512_load_ps(scores + t * kLanes));
  }
  const __m512 new_max = _mm512_max_ps(old_max, page_max);
  __m512 sum = _mm512_maskz_loadu_ps(rows, p.row_sum);
  if (const __mmask16 grown = _mm512_cmp_ps_mask(new_max, old_max, _CMP_GT_OQ); grown != 0) {
    // exp(old - new); exactly 0 where the old max was -inf (no token yet: the sum and the row of out are 0).
    const __mmask16 had_tokens = _mm512_cmp_ps_mask(old_max, minus_infinity, _CMP_NEQ_OQ);
    const __m512 factor = _mm512_maskz_mov_ps(had_tokens, Exp(_mm512_sub_ps(old_max, new_max)));
    sum = _mm512_mask_mul_ps(sum, grown, sum, factor);
    alignas(64) float factors[kLanes];
    _mm512_store_ps(factors, factor);
    for (int64_t r = 0; r < p.rows; ++r) {
      if ((grown >> r & 1) == 0) continue;
      const __m512 f = _mm512_set1_ps(factors[r]);
      float* row = p.out + r * p.ldo;
      for (int64_t j = 0; j < kValue; j += kLanes)
        _mm512_storeu_ps(row + j, _mm512_mul_ps(f, _mm512_loadu_ps(row + j)));
    }
  }
  for (int64_t t = 0; t < tokens; ++t) {
    const __mmask16 seen = _mm512_cmpgt_epi32_mask(visible, _mm512_set1_epi32(static_cast<int32_t>(t)));
    const __m512 w = _mm512_maskz_mov_ps(seen, Exp(_mm512_sub_ps(_mm512_load_ps(scores + t * kLanes), new_max)));
    _mm512_store_ps(weights + t * kLanes, w);
    sum = _mm512_add_ps(sum, w);
  }
  _mm512_mask_storeu_ps(p.row_max, rows, new_max);
  _mm512_mask_storeu_ps(p.row_sum, rows, sum);
}

// out[r, j + 16c] += sum over tokens t of weights[t * 16 + r] * V[t, j + 16c] for one block of 16 * Cols columns:
// Rows x Cols accumulators (16 of them), each token's weight for a row broadcast against Cols vectors of its values.
// One prefetch step per token.
template <int Rows, int Cols>
inline void ValuesBlock(const float* kv, int64_t tokens, const float* weights, int64_t rows, float* out, int64_t ldo,
                        NextPagePrefetch& prefetch) {
  static_assert(Rows * Cols == 16, "16 accumulators: the rest of the registers hold values and weights");
  __m512 acc[Rows][Cols];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 2
    for (int c = 0; c < Cols; ++c) {
      acc[r][c] = r < rows ? _mm512_loadu_ps(out + r * ldo + c * kLanes) : _mm512_setzero_ps();
    }
  }
  for (int64_t t = 0; t < tokens; ++t) {
    prefetch.Step();
    __m512 v[Cols];
#pragma GCC unroll 2
    for (int c = 0; c < Cols; ++c) v[c] = _mm512_loadu_ps(kv + t * kHead + c * kLanes);
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      const __m512 w = _mm512_set1_ps(weights[t * kLanes + r]);
#pragma GCC unroll 2
      for (int c = 0; c < Cols; ++c) acc[r][c] = _mm512_fmadd_ps(w, v[c], acc[r][c]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
    if (r >= rows) break;
#pragma GCC unroll 2
    for (int c = 0; c < Cols; ++c) _mm512_storeu_ps(out + r * ldo + c * kLanes, acc[r][c]);
  }
}

template <int Rows, int Cols>
inline void Values(const MlaPage& p, int64_t tokens, const float* weights, NextPagePrefetch& prefetch) {
  for (int64_t j = 0; j < kValue; j += kLanes * Cols) {
    ValuesBlock<Rows, Cols>(p.kv + j, tokens, weights, p.rows, p.out + j, p.ldo, prefetch);
  }
}

// Tokens: the page's, known at compile time for a full page (constant loop bounds and tiles: 5% of a page), or 0 to
// take p.tokens.
template <int64_t Tokens>
void Page(const MlaPage& p) {
  const int64_t tokens = Tokens != 0 ? Tokens : p.tokens;
  alignas(64) float scores[kPage * kLanes];
  alignas(64) float weights[kPage * kLanes];
  NextPagePrefetch prefetch(p.next_kv, kPage * kHead * static_cast<int64_t>(sizeof(float)));
  const __m512 scale = _mm512_set1_ps(p.scale);
  ForBalancedRowTiles(tokens, [&](auto tile_tokens, int64_t t0) {
    ScoresTile<decltype(tile_tokens)::value>(p.kv + t0 * kHead, p.q_t, scale, scores + t0 * kLanes, prefetch);
  });
  Softmax(p, tokens, scores, weights);
  // Up to 8 rows: 8 x 32-column blocks, so no multiply-add works on an empty lane of rows.
  if (p.rows <= 8) {
    Values<8, 2>(p, tokens, weights, prefetch);
  } else {
    Values<16, 1>(p, tokens, weights, prefetch);
  }
}

}  // namespace

void Avx512MlaPage(const MlaPage& p) {
  if (p.tokens == kPage) {
    Page<kPage>(p);
  } else {
    Page<0>(p);
  }
}

}  // namespace moe
