#include "mla_pieces.h"

#include "error.h"
#include "moe_mla.h"

namespace moe {

moe_status CheckMlaArguments(int64_t batch, int64_t s_q, int64_t h_q, int64_t num_blocks, int64_t max_blocks_per_seq,
                             int64_t num_parts, const void* q, const void* k_cache, const void* block_table,
                             const void* cache_seqlens, const void* tile_metadata, const void* num_splits,
                             const void* out, const void* lse) {
  MOE_REQUIRE_POSITIVE(batch);
  MOE_REQUIRE_POSITIVE(s_q);
  MOE_REQUIRE_POSITIVE(h_q);
  MOE_REQUIRE_POSITIVE(num_blocks);
  MOE_REQUIRE_POSITIVE(max_blocks_per_seq);
  MOE_REQUIRE_POSITIVE(num_parts);
  MOE_REQUIRE_NOT_NULL(q);
  MOE_REQUIRE_NOT_NULL(k_cache);
  MOE_REQUIRE_NOT_NULL(block_table);
  MOE_REQUIRE_NOT_NULL(cache_seqlens);
  MOE_REQUIRE_NOT_NULL(tile_metadata);
  MOE_REQUIRE_NOT_NULL(num_splits);
  MOE_REQUIRE_NOT_NULL(out);
  MOE_REQUIRE_NOT_NULL(lse);
  return MOE_OK;
}

moe_status CheckSeqlens(const int32_t* cache_seqlens, int64_t batch, int64_t max_blocks_per_seq) {
  for (int64_t b = 0; b < batch; ++b) {
    MOE_REQUIRE(cache_seqlens[b] >= 0 && cache_seqlens[b] <= max_blocks_per_seq * MOE_MLA_PAGE_SIZE, MOE_ERR_SHAPE,
                "cache_seqlens[%lld] is %d: it must lie in [0, max_blocks_per_seq * 64 = %lld]",
                static_cast<long long>(b), cache_seqlens[b],
                static_cast<long long>(max_blocks_per_seq * MOE_MLA_PAGE_SIZE));
  }
  return MOE_OK;
}

moe_status PiecesFromMetadata(const int32_t* tile_metadata, const int32_t* num_splits, const int32_t* cache_seqlens,
                              int64_t batch, int64_t num_parts, std::vector<MlaPiece>& pieces) {
  pieces.clear();
  MOE_REQUIRE(num_splits[0] == 0, MOE_ERR_INDEX,
              "num_splits[0] must be 0, got %d: pass the output of moe_mla_get_metadata", num_splits[0]);
  int64_t next_seq = 0, next_page = 0, splits_of_seq = 0;
  for (int64_t part = 0; part < num_parts; ++part) {
    const int32_t* meta = tile_metadata + part * MOE_MLA_METADATA_INTS;
    if (meta[0] == batch) continue;  // a partition without work
    MOE_REQUIRE(meta[0] == next_seq && meta[1] == next_page && meta[2] >= meta[0] && meta[2] < batch, MOE_ERR_INDEX,
                "tile_metadata of partition %lld starts at sequence %d page %d, expected sequence %lld page %lld: "
                "recompute it with moe_mla_get_metadata for these cache_seqlens",
                static_cast<long long>(part), meta[0], meta[1], static_cast<long long>(next_seq),
                static_cast<long long>(next_page));
    for (int64_t seq = meta[0]; seq <= meta[2]; ++seq) {
      const int64_t pages = PagesOf(cache_seqlens[seq]);
      const int64_t begin = seq == meta[0] ? meta[1] : 0;
      const int64_t end = seq == meta[2] ? meta[3] : pages;
      MOE_REQUIRE(
          begin <= end && end <= pages, MOE_ERR_INDEX,
          "tile_metadata of partition %lld gives sequence %lld pages [%lld, %lld) but it has %lld: recompute it",
          static_cast<long long>(part), static_cast<long long>(seq), static_cast<long long>(begin),
          static_cast<long long>(end), static_cast<long long>(pages));
      pieces.push_back({part, seq, begin, end, num_splits[seq] + splits_of_seq});
      if (end == pages) {
        MOE_REQUIRE(num_splits[seq + 1] - num_splits[seq] == splits_of_seq + 1, MOE_ERR_INDEX,
                    "num_splits says sequence %lld has %d pieces, the partitions give %lld: recompute the metadata",
                    static_cast<long long>(seq), num_splits[seq + 1] - num_splits[seq],
                    static_cast<long long>(splits_of_seq + 1));
        next_seq = seq + 1;
        next_page = 0;
        splits_of_seq = 0;
      } else {
        next_seq = seq;
        next_page = end;
        ++splits_of_seq;
      }
    }
  }
  MOE_REQUIRE(next_seq == batch, MOE_ERR_INDEX,
              "tile_metadata leaves sequences from %lld on without a partition: recompute it for batch %lld",
              static_cast<long long>(next_seq), static_cast<long long>(batch));
  return MOE_OK;
}

}  // namespace moe
