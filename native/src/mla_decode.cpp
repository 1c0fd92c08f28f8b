// MLA decoding on the CPU. Each piece of the schedule runs flash-attention style over its pages: a page of 64 KV
// tokens is read once for all query rows (s_q * h_q of them share the single KV head), scores for the page update a
// running max and denominator, then the page's values are accumulated. Pieces of one sequence are merged by their
// log-sum-exp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "error.h"
#include "mla_pieces.h"
#include "moe_mla.h"
#include "parallel.h"
#include "simd.h"

namespace moe {
namespace {

constexpr int64_t kPage = MOE_MLA_PAGE_SIZE;
constexpr int64_t kHead = MOE_MLA_HEAD_DIM;
constexpr int64_t kValue = MOE_MLA_VALUE_DIM;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
// From this many query rows (s_q * h_q) the scores are computed by outer products; fewer rows take dot products
// (SimdKernels::dot_nt), each page row read once for all of them.
constexpr int64_t kOuterProductRows = 8;

struct Problem {
  const float* q;
  const float* k_cache;
  const int32_t* block_table;
  const int32_t* cache_seqlens;
  int64_t s_q, h_q, max_blocks;
  float scale;
  bool causal;
};

// Tokens query position i of s_q may see.
int64_t Visible(const Problem& p, int64_t seq, int64_t i) {
  const int64_t seqlen = p.cache_seqlens[seq];
  return p.causal ? std::max<int64_t>(0, seqlen - (p.s_q - 1 - i)) : seqlen;
}

const float* PageAt(const Problem& p, int64_t seq, int64_t page) {
  return p.k_cache + static_cast<int64_t>(p.block_table[seq * p.max_blocks + page]) * kPage * kHead;
}

// The path's fused page (SimdKernels::mla_page), 16 query rows at a time: Q transposed once for the whole piece,
// each page read from memory once (by the first group; the others find it in L2) while the next one is prefetched.
void AttendPagesFused(const Problem& p, int64_t seq, int64_t page_begin, int64_t page_end, float* row_max,
                      float* row_sum, float* out) {
  constexpr int64_t kLanes = 16;
  const int64_t rows = p.s_q * p.h_q;
  const int64_t groups = (rows + kLanes - 1) / kLanes;
  const int64_t seqlen = p.cache_seqlens[seq];
  const float* q = p.q + seq * rows * kHead;
  // Element d of 16 query rows, one cache line: the scores load one per step, and a load split across two lines
  // costs the page about 5%.
  struct alignas(64) LaneRow {
    float lane[kLanes];
  };
  std::vector<LaneRow> q_t(static_cast<size_t>(groups * kHead), LaneRow{});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t d = 0; d < kHead; ++d)
      q_t[static_cast<size_t>((r / kLanes) * kHead + d)].lane[r % kLanes] = q[r * kHead + d];
  }
  std::vector<int32_t> visible(static_cast<size_t>(groups * kLanes), 0);
  for (int64_t page = page_begin; page < page_end; ++page) {
    const int64_t first = page * kPage;
    const int64_t tokens = std::min(kPage, seqlen - first);
    for (int64_t r = 0; r < rows; ++r) {
      visible[static_cast<size_t>(r)] =
          static_cast<int32_t>(std::max<int64_t>(0, std::min(tokens, Visible(p, seq, r / p.h_q) - first)));
    }
    const float* kv = PageAt(p, seq, page);
    const float* next = page + 1 < page_end ? PageAt(p, seq, page + 1) : nullptr;
    for (int64_t g = 0; g < groups; ++g) {
      Cpu().mla_page(MlaPage{kv, tokens, q_t[static_cast<size_t>(g * kHead)].lane, std::min(kLanes, rows - g * kLanes),
                             visible.data() + g * kLanes, p.scale, row_max + g * kLanes, row_sum + g * kLanes,
                             out + g * kLanes * kValue, kValue, g == 0 ? next : nullptr});
    }
  }
}

// Unnormalised attention of every query row of one sequence over pages [page_begin, page_end); leaves the running
// max in row_max, the denominator in row_sum and the weighted values in out (rows = s_q * h_q, row = i * h_q + h).
// Per page both products are register-tiled matrix products over the page's 64 tokens: scores = Q K^T, then
// out += P V, so each KV byte read serves every query row.
void AttendPages(const Problem& p, int64_t seq, int64_t page_begin, int64_t page_end, float* row_max, float* row_sum,
                 float* out) {
  const auto& cpu = Cpu();
  const int64_t rows = p.s_q * p.h_q;
  const int64_t seqlen = p.cache_seqlens[seq];
  const float* q = p.q + seq * rows * kHead;
  std::vector<float> scores(static_cast<size_t>(rows * kPage));
  std::vector<float> weights(static_cast<size_t>(rows * kPage));
  // Many query rows (heads): the scores are K Q^T, tokens by rows, in outer products (no horizontal sums, each KV
  // element loaded once for a vector of rows), with Q transposed once here rather than once per page.
  const bool outer_products = rows >= kOuterProductRows;
  std::vector<float> q_t, scores_t;
  if (outer_products) {
    q_t.resize(static_cast<size_t>(kHead * rows));
    scores_t.resize(static_cast<size_t>(kPage * rows));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t d = 0; d < kHead; ++d) q_t[static_cast<size_t>(d * rows + r)] = q[r * kHead + d];
    }
  }
  for (int64_t page = page_begin; page < page_end; ++page) {
    const float* kv = PageAt(p, seq, page);
    const int64_t first = page * kPage;
    const int64_t tokens = std::min(kPage, seqlen - first);
    if (outer_products) {
      std::fill(scores_t.begin(), scores_t.end(), 0.0f);
      cpu.gemm_nn(kv, kHead, tokens, q_t.data(), rows, rows, kHead, scores_t.data(), rows);
      for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t r = 0; r < rows; ++r) {
          scores[static_cast<size_t>(r * kPage + t)] = scores_t[static_cast<size_t>(t * rows + r)];
        }
      }
    } else {
      std::fill(scores.begin(), scores.end(), 0.0f);
      cpu.dot_nt(q, kHead, rows, kv, kHead, tokens, kHead, scores.data(), kPage);
    }
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t visible = std::max<int64_t>(0, std::min(tokens, Visible(p, seq, r / p.h_q) - first));
      float* s = scores.data() + r * kPage;
      float* w = weights.data() + r * kPage;
      std::fill(w + visible, w + tokens, 0.0f);
      if (visible == 0) continue;
      float page_max = kNegInf;
      for (int64_t t = 0; t < visible; ++t) page_max = std::max(page_max, s[t] * p.scale);
      const float new_max = std::max(row_max[r], page_max);
      if (row_max[r] != new_max) {
        const float rescale = std::exp(row_max[r] - new_max);  // 0 when the old max was -inf
        row_sum[r] *= rescale;
        cpu.scale(rescale, out + r * kValue, kValue);
        row_max[r] = new_max;
      }
      row_sum[r] += cpu.exp_sum(s, p.scale, new_max, w, visible);
    }
    cpu.gemm_nn(weights.data(), kPage, rows, kv, kHead, kValue, tokens, out, kValue);
  }
}

}  // namespace
}  // namespace moe

extern "C" moe_status moe_mla_decode(const float* q, const float* k_cache, const int32_t* block_table,
                                     const int32_t* cache_seqlens, int64_t batch, int64_t s_q, int64_t h_q,
                                     int64_t num_blocks, int64_t max_blocks_per_seq, float softmax_scale,
                                     int32_t causal, const int32_t* tile_metadata, const int32_t* num_splits,
                                     int64_t num_parts, float* out, float* lse) {
  using moe::kHead;
  using moe::kValue;
  return moe::Guarded([&] {
    if (const moe_status status =
            moe::CheckMlaArguments(batch, s_q, h_q, num_blocks, max_blocks_per_seq, num_parts, q, k_cache, block_table,
                                   cache_seqlens, tile_metadata, num_splits, out, lse);
        status != MOE_OK) {
      return status;
    }
    if (const moe_status status = moe::CheckSeqlens(cache_seqlens, batch, max_blocks_per_seq); status != MOE_OK) {
      return status;
    }
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t page = 0; page < moe::PagesOf(cache_seqlens[b]); ++page) {
        const int32_t block = block_table[b * max_blocks_per_seq + page];
        MOE_REQUIRE(block >= 0 && block < num_blocks, MOE_ERR_INDEX,
                    "block_table[%lld, %lld] is %d: cache blocks are numbered [0, num_blocks = %lld)",
                    static_cast<long long>(b), static_cast<long long>(page), block, static_cast<long long>(num_blocks));
      }
    }
    std::vector<moe::MlaPiece> pieces;
    if (const moe_status status =
            moe::PiecesFromMetadata(tile_metadata, num_splits, cache_seqlens, batch, num_parts, pieces);
        status != MOE_OK) {
      return status;
    }

    const moe::Problem problem{q,
                               k_cache,
                               block_table,
                               cache_seqlens,
                               s_q,
                               h_q,
                               max_blocks_per_seq,
                               softmax_scale > 0 ? softmax_scale : 1.0f / std::sqrt(static_cast<float>(kHead)),
                               causal != 0};
    const int64_t rows = s_q * h_q;
    const int64_t slots = num_splits[batch];
    std::vector<float> partial_out(static_cast<size_t>(slots * rows * kValue), 0.0f);
    std::vector<float> partial_lse(static_cast<size_t>(slots * rows), moe::kNegInf);
    // The pieces go to the threads longest first, each to whichever is free: the partitions are sized for a GPU's
    // compute units (a piece counts MOE_MLA_FIXED_OVERHEAD_PAGES extra pages there), and a thread that ran whole
    // partitions in order could finish a long one after the other thread had run out of work.
    std::vector<const moe::MlaPiece*> longest_first;
    for (const auto& piece : pieces) longest_first.push_back(&piece);
    std::stable_sort(longest_first.begin(), longest_first.end(), [](const moe::MlaPiece* a, const moe::MlaPiece* b) {
      return a->page_end - a->page_begin > b->page_end - b->page_begin;
    });
    // Enough rows for outer products and a fused page on this path: AttendPagesFused.
    const bool fused = rows >= moe::kOuterProductRows && moe::Cpu().mla_page != nullptr;
    moe::ParallelFor(static_cast<int64_t>(longest_first.size()), [&](int64_t index) {
      const moe::MlaPiece* piece = longest_first[static_cast<size_t>(index)];
      std::vector<float> row_max(static_cast<size_t>(rows), moe::kNegInf), row_sum(static_cast<size_t>(rows), 0.0f);
      float* o = partial_out.data() + piece->slot * rows * kValue;
      if (fused) {
        moe::AttendPagesFused(problem, piece->seq, piece->page_begin, piece->page_end, row_max.data(), row_sum.data(),
                              o);
      } else {
        moe::AttendPages(problem, piece->seq, piece->page_begin, piece->page_end, row_max.data(), row_sum.data(), o);
      }
      for (int64_t r = 0; r < rows; ++r) {
        if (row_sum[static_cast<size_t>(r)] == 0.0f) continue;
        moe::Cpu().scale(1.0f / row_sum[static_cast<size_t>(r)], o + r * kValue, kValue);
        partial_lse[static_cast<size_t>(piece->slot * rows + r)] =
            row_max[static_cast<size_t>(r)] + std::log(row_sum[static_cast<size_t>(r)]);
      }
    });

    moe::ParallelFor(batch, [&](int64_t b) {
      const int64_t first = num_splits[b], count = num_splits[b + 1] - num_splits[b];
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = r / h_q, h = r % h_q;
        float* o = out + (b * rows + r) * kValue;
        float max_lse = moe::kNegInf;
        for (int64_t s = 0; s < count; ++s)
          max_lse = std::max(max_lse, partial_lse[static_cast<size_t>((first + s) * rows + r)]);
        float* row_lse = lse + (b * h_q + h) * s_q + i;
        std::fill(o, o + kValue, 0.0f);
        if (max_lse == moe::kNegInf) {
          *row_lse = moe::kNegInf;
          continue;
        }
        float total = 0.0f;
        for (int64_t s = 0; s < count; ++s)
          total += std::exp(partial_lse[static_cast<size_t>((first + s) * rows + r)] - max_lse);
        const float merged = max_lse + std::log(total);
        for (int64_t s = 0; s < count; ++s) {
          const float weight = std::exp(partial_lse[static_cast<size_t>((first + s) * rows + r)] - merged);
          if (weight > 0.0f) moe::Cpu().axpy(weight, partial_out.data() + ((first + s) * rows + r) * kValue, o, kValue);
        }
        *row_lse = merged;
      }
    });
    return MOE_OK;
  });
}
