/* The kernels on an NVIDIA GPU: the same semantics as the CPU functions with the same name minus "cuda_", on
 * device memory, queued on a CUDA stream (passed as void*, null for the default stream).
 *
 * Shapes, sizes and pointers are checked on the host as on the CPU, with the same messages. Index arrays live on
 * the device, so they are not read back for checking: the kernels guard every access and skip an entry out of
 * range (a block id, a group id, an expert id) rather than touch memory outside the arrays. Check a producer's
 * indices with the CPU functions or `moe-worker selftest`. A launch failure returns MOE_ERR_INTERNAL with CUDA's
 * message. Built only where nvcc exists (libmoe_kernels_cuda.so). */
#ifndef MOE_CUDA_H_
#define MOE_CUDA_H_

#include "moe_ep.h"
#include "moe_fp8.h"
#include "moe_gemm.h"
#include "moe_mla.h"
#include "moe_status.h"

#ifdef __cplusplus
extern "C" {
#endif

MOE_API moe_status moe_cuda_fp8_quantize_per_token(const float* x, int64_t m, int64_t k, uint8_t* codes, float* scales,
                                                   void* stream);
MOE_API moe_status moe_cuda_fp8_quantize_per_block(const float* w, int64_t n, int64_t k, uint8_t* codes, float* scales,
                                                   void* stream);

MOE_API moe_status moe_cuda_fp8_gemm_nt(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                        const float* b_scales, int64_t m, int64_t n, int64_t k, void* d,
                                        moe_dtype d_type, void* stream);
MOE_API moe_status moe_cuda_fp8_grouped_gemm_contiguous(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                                        const float* b_scales, const int32_t* group_of_row,
                                                        int64_t m_sum, int64_t groups, int64_t n, int64_t k, void* d,
                                                        moe_dtype d_type, void* stream);
MOE_API moe_status moe_cuda_fp8_grouped_gemm_masked(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                                    const float* b_scales, const int32_t* masked_m, int64_t groups,
                                                    int64_t m_max, int64_t n, int64_t k, void* d, moe_dtype d_type,
                                                    void* stream);

/* tile_metadata and num_splits are host arrays (from moe_mla_get_metadata, which needs only the lengths); every
 * other pointer is device memory. The call copies the work list to the device and returns once it is queued. */
MOE_API moe_status moe_cuda_mla_decode(const float* q, const float* k_cache, const int32_t* block_table,
                                       const int32_t* cache_seqlens, const int32_t* host_cache_seqlens, int64_t batch,
                                       int64_t s_q, int64_t h_q, int64_t num_blocks, int64_t max_blocks_per_seq,
                                       float softmax_scale, int32_t causal, const int32_t* tile_metadata,
                                       const int32_t* num_splits, int64_t num_parts, float* out, float* lse,
                                       void* stream);

MOE_API moe_status moe_cuda_ep_dispatch_layout(const int64_t* topk_idx, int64_t tokens, int64_t top_k,
                                               int64_t num_experts, int64_t num_ranks, int32_t* tokens_per_rank,
                                               int32_t* tokens_per_expert, uint8_t* is_token_in_rank, void* stream);
/* received must be sum(tokens_per_rank), as on the CPU; the caller knows it from the layout. */
MOE_API moe_status moe_cuda_ep_permute(const float* x, const int64_t* topk_idx, const float* topk_weights,
                                       int64_t tokens, int64_t hidden, int64_t top_k, int64_t num_experts,
                                       int64_t num_ranks, int64_t received, float* recv_x, int32_t* recv_src_token,
                                       int64_t* recv_topk_idx, float* recv_topk_weights, int32_t* rank_offsets,
                                       void* stream);
MOE_API moe_status moe_cuda_ep_unpermute(const float* y, const int32_t* src_token, const float* row_weights,
                                         int64_t received, int64_t hidden, int64_t tokens, float* out, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* MOE_CUDA_H_ */
