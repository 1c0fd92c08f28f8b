// The split-KV schedule read back into pieces of work: one (sequence, page range) per partition and sequence.
#ifndef MOE_SRC_MLA_PIECES_H_
#define MOE_SRC_MLA_PIECES_H_

#include <cstdint>
#include <vector>

#include "moe_status.h"

namespace moe {

struct MlaPiece {
  int64_t part;
  int64_t seq;
  int64_t page_begin;
  int64_t page_end;  // exclusive
  int64_t slot;      // index of this partial result: num_splits[seq] + its order within the sequence
};

int64_t PagesOf(int32_t seqlen);

// Checks that the metadata covers every page of every sequence exactly once, in order, and that num_splits counts
// the pieces; a schedule made for other lengths or another batch is refused rather than read out of bounds.
// The decoding call's sizes and pointers, checked the same way on the CPU and the GPU.
moe_status CheckMlaArguments(int64_t batch, int64_t s_q, int64_t h_q, int64_t num_blocks, int64_t max_blocks_per_seq,
                             int64_t num_parts, const void* q, const void* k_cache, const void* block_table,
                             const void* cache_seqlens, const void* tile_metadata, const void* num_splits,
                             const void* out, const void* lse);

// Every length in [0, max_blocks_per_seq * 64]; seqlens in host memory.
moe_status CheckSeqlens(const int32_t* cache_seqlens, int64_t batch, int64_t max_blocks_per_seq);

moe_status PiecesFromMetadata(const int32_t* tile_metadata, const int32_t* num_splits, const int32_t* cache_seqlens,
                              int64_t batch, int64_t num_parts, std::vector<MlaPiece>& pieces);

}  // namespace moe

#endif  // MOE_SRC_MLA_PIECES_H_
