/* Expert-parallel dispatch layout and the permutation behind dispatch and combine (DeepEP semantics).
 *
 * topk_idx [tokens, top_k] holds expert ids (-1 = none); experts are spread evenly over ranks, expert e living
 * on rank e / (num_experts / num_ranks). A token goes once to every rank that holds one of its experts. */
#ifndef MOE_EP_H_
#define MOE_EP_H_

#include "moe_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tokens_per_rank [num_ranks], tokens_per_expert [num_experts], is_token_in_rank [tokens, num_ranks] (0 or 1).
 * num_experts % num_ranks == 0. */
MOE_API moe_status moe_ep_dispatch_layout(const int64_t* topk_idx, int64_t tokens, int64_t top_k, int64_t num_experts,
                                          int64_t num_ranks, int32_t* tokens_per_rank, int32_t* tokens_per_expert,
                                          uint8_t* is_token_in_rank);

/* Dispatch's permutation: the rows every rank receives, rank after rank, tokens in their original order within a
 * rank. received = sum(tokens_per_rank). recv_x [received, hidden]; recv_src_token [received] (the token each
 * row came from); recv_topk_idx [received, top_k] rewritten to the receiving rank's local expert ids, -1 for
 * experts elsewhere, and recv_topk_weights [received, top_k] with weight 0 there; rank_offsets [num_ranks + 1].
 * topk_weights may be null (then recv_topk_weights must be null too). */
MOE_API moe_status moe_ep_permute(const float* x, const int64_t* topk_idx, const float* topk_weights, int64_t tokens,
                                  int64_t hidden, int64_t top_k, int64_t num_experts, int64_t num_ranks,
                                  int64_t received, float* recv_x, int32_t* recv_src_token, int64_t* recv_topk_idx,
                                  float* recv_topk_weights, int32_t* rank_offsets);

/* Combine's reduction: out[t] = sum over rows r with src_token[r] == t of row_weights[r] * y[r] (row_weights
 * null means 1). out [tokens, hidden] is overwritten; a token no row came from gets zeros. */
MOE_API moe_status moe_ep_unpermute(const float* y, const int32_t* src_token, const float* row_weights,
                                    int64_t received, int64_t hidden, int64_t tokens, float* out);

#ifdef __cplusplus
}
#endif

#endif /* MOE_EP_H_ */
