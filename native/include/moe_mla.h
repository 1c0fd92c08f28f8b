/* Multi-head latent attention decoding over a paged KV cache (FlashMLA semantics), float32 on the CPU.
 *
 * q [batch, s_q, h_q, 576]; k_cache [num_blocks, 64, 1, 576] (one KV head; V is the first 512 dims of K);
 * block_table [batch, max_blocks_per_seq] maps page p of sequence b to a cache block; cache_seqlens [batch].
 * out [batch, s_q, h_q, 512] and lse [batch, h_q, s_q] (natural log of the softmax denominator, after scaling).
 * With causal != 0, query position i of s_q sees the first cache_seqlens[b] - (s_q - 1 - i) tokens, the last
 * s_q cache entries being the queries' own. A query that sees no token gets out = 0 and lse = -inf.
 *
 * Work is split by moe_mla_get_metadata: each of num_parts partitions gets about the same number of pages (a
 * sequence costs a fixed MOE_MLA_FIXED_OVERHEAD_PAGES extra), so one long sequence is cut across partitions and
 * the pieces are merged by their log-sum-exp. On the CPU the pieces go to the library's threads longest first,
 * whatever their partitions; one partition per thread (moe_get_num_threads()) keeps them few, which is fastest. */
#ifndef MOE_MLA_H_
#define MOE_MLA_H_

#include "moe_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MOE_MLA_PAGE_SIZE 64
#define MOE_MLA_HEAD_DIM 576
#define MOE_MLA_VALUE_DIM 512
#define MOE_MLA_FIXED_OVERHEAD_PAGES 5
/* Ints per partition in tile_metadata: begin_seq, begin_page, end_seq, end_page (the partition covers pages
 * [begin_page, ...) of begin_seq through pages [..., end_page) of end_seq; end_page is exclusive). */
#define MOE_MLA_METADATA_INTS 4

/* tile_metadata [num_parts, 4]; num_splits [batch + 1]: num_splits[b + 1] - num_splits[b] is the number of
 * partitions sequence b is cut into, num_splits[0] == 0. A partition with no work has begin_seq == batch. */
MOE_API moe_status moe_mla_get_metadata(const int32_t* cache_seqlens, int64_t batch, int64_t num_parts,
                                        int32_t* tile_metadata, int32_t* num_splits);

/* softmax_scale <= 0 means the default 1 / sqrt(576). */
MOE_API moe_status moe_mla_decode(const float* q, const float* k_cache, const int32_t* block_table,
                                  const int32_t* cache_seqlens, int64_t batch, int64_t s_q, int64_t h_q,
                                  int64_t num_blocks, int64_t max_blocks_per_seq, float softmax_scale, int32_t causal,
                                  const int32_t* tile_metadata, const int32_t* num_splits, int64_t num_parts,
                                  float* out, float* lse);

#ifdef __cplusplus
}
#endif

#endif /* MOE_MLA_H_ */
