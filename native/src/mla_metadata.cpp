// Split-KV scheduling for MLA decoding: partitions get about equal numbers of pages, each sequence costing a fixed
// extra (its merge and setup), so one long sequence is cut across several partitions and short ones share one.
#include "error.h"
#include "mla_pieces.h"
#include "moe_mla.h"

namespace moe {

int64_t PagesOf(int32_t seqlen) { return (seqlen + MOE_MLA_PAGE_SIZE - 1) / MOE_MLA_PAGE_SIZE; }

}  // namespace moe

extern "C" moe_status moe_mla_get_metadata(const int32_t* cache_seqlens, int64_t batch, int64_t num_parts,
                                           int32_t* tile_metadata, int32_t* num_splits) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(batch);
    MOE_REQUIRE_POSITIVE(num_parts);
    MOE_REQUIRE_NOT_NULL(cache_seqlens);
    MOE_REQUIRE_NOT_NULL(tile_metadata);
    MOE_REQUIRE_NOT_NULL(num_splits);
    constexpr int64_t kOverhead = MOE_MLA_FIXED_OVERHEAD_PAGES;
    int64_t total = 0;
    for (int64_t b = 0; b < batch; ++b) {
      MOE_REQUIRE(cache_seqlens[b] >= 0, MOE_ERR_SHAPE, "cache_seqlens[%lld] is %d: lengths must not be negative",
                  static_cast<long long>(b), cache_seqlens[b]);
      total += moe::PagesOf(cache_seqlens[b]) + kOverhead;
    }
    const int64_t payload = (total + num_parts - 1) / num_parts + kOverhead;

    int64_t seq = 0, page = 0, splits_of_seq = 0, cumulative = 0;
    num_splits[0] = 0;
    for (int64_t part = 0; part < num_parts; ++part) {
      int32_t* meta = tile_metadata + part * MOE_MLA_METADATA_INTS;
      const int64_t begin_seq = seq, begin_page = page;
      int64_t remaining = payload;
      while (seq < batch) {
        const int64_t left = moe::PagesOf(cache_seqlens[seq]) - page;
        if (remaining >= left + kOverhead) {
          cumulative += splits_of_seq + 1;
          num_splits[seq + 1] = static_cast<int32_t>(cumulative);
          remaining -= left + kOverhead;
          ++seq;
          page = 0;
          splits_of_seq = 0;
        } else {
          if (remaining > kOverhead) {
            page += remaining - kOverhead;
            ++splits_of_seq;
          }
          break;
        }
      }
      if (begin_seq == batch) {
        meta[0] = static_cast<int32_t>(batch);
        meta[1] = meta[2] = meta[3] = 0;
        continue;
      }
      meta[0] = static_cast<int32_t>(begin_seq);
      meta[1] = static_cast<int32_t>(begin_page);
      if (page > 0) {
        meta[2] = static_cast<int32_t>(seq);
        meta[3] = static_cast<int32_t>(page);
      } else {
        meta[2] = static_cast<int32_t>(seq - 1);
        meta[3] = static_cast<int32_t>(moe::PagesOf(cache_seqlens[seq - 1]));
      }
    }
    MOE_REQUIRE(seq == batch, MOE_ERR_INTERNAL, "the schedule left sequences %lld.. without a partition",
                static_cast<long long>(seq));
    return MOE_OK;
  });
}
