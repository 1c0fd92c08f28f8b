// Expert-parallel layout, dispatch permutation and combine on the GPU.
//   layout:    one thread per token; counts with atomics.
//   permute:   one block per rank scans its column of is_token_in_rank (tokens keep their order within a rank),
//              then one block per (token, rank) pair that goes copies the row.
//   unpermute: one block per received row adds it into its token with atomics (the order of a token's few rows
//              may vary, so sums can differ from the CPU's in the last bit).
#include "../src/ep_checks.h"
#include "cuda_common.cuh"
#include "moe_cuda.h"

namespace moe {
namespace cuda {
namespace {

constexpr int kScanThreads = 1024;

__device__ __forceinline__ int64_t RankOf(int64_t expert, int64_t experts, int64_t experts_per_rank) {
  return expert >= 0 && expert < experts ? expert / experts_per_rank : -1;  // out of range: not routed
}

__global__ void LayoutKernel(const int64_t* topk_idx, int64_t tokens, int64_t top_k, int64_t experts, int64_t ranks,
                             int32_t* tokens_per_rank, int32_t* tokens_per_expert, uint8_t* is_token_in_rank) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= tokens) return;
  const int64_t per_rank = experts / ranks;
  const int64_t* topk = topk_idx + t * top_k;
  for (int64_t j = 0; j < top_k; ++j) {
    const int64_t rank = RankOf(topk[j], experts, per_rank);
    if (rank < 0) continue;
    atomicAdd(&tokens_per_expert[topk[j]], 1);
    bool seen = false;  // a token goes to a rank once however many of its experts live there
    for (int64_t i = 0; i < j && !seen; ++i) seen = RankOf(topk[i], experts, per_rank) == rank;
    if (!seen) {
      is_token_in_rank[t * ranks + rank] = 1;
      atomicAdd(&tokens_per_rank[rank], 1);
    }
  }
}

// One block per rank: exclusive scan of the rank's column, giving each token its row in that rank's segment.
// rank_offsets must hold the exclusive sum of tokens_per_rank.
__global__ void __launch_bounds__(kScanThreads)
    RowsKernel(const uint8_t* is_token_in_rank, int64_t tokens, int64_t ranks, const int32_t* rank_offsets,
               int32_t* row_of) {
  __shared__ int32_t partial[kScanThreads];
  const int64_t rank = blockIdx.x;
  int32_t base = rank_offsets[rank];
  for (int64_t chunk = 0; chunk < tokens; chunk += kScanThreads) {
    const int64_t t = chunk + threadIdx.x;
    const int32_t in = t < tokens ? is_token_in_rank[t * ranks + rank] : 0;
    partial[threadIdx.x] = in;
    __syncthreads();
    for (int offset = 1; offset < kScanThreads; offset *= 2) {  // inclusive Hillis-Steele scan
      const int32_t add = static_cast<int>(threadIdx.x) >= offset ? partial[threadIdx.x - offset] : 0;
      __syncthreads();
      partial[threadIdx.x] += add;
      __syncthreads();
    }
    if (t < tokens) row_of[t * ranks + rank] = in ? base + partial[threadIdx.x] - 1 : -1;
    base += partial[kScanThreads - 1];
    __syncthreads();
  }
}

__global__ void OffsetsKernel(const int32_t* tokens_per_rank, int64_t ranks, int32_t* rank_offsets) {
  if (threadIdx.x != 0 || blockIdx.x != 0) return;
  rank_offsets[0] = 0;
  for (int64_t r = 0; r < ranks; ++r) rank_offsets[r + 1] = rank_offsets[r] + tokens_per_rank[r];
}

// One block per (token, rank): copies the row where it goes and rewrites its experts to the rank's local ids.
__global__ void CopyKernel(const float* x, const int64_t* topk_idx, const float* topk_weights, int64_t hidden,
                           int64_t top_k, int64_t experts, int64_t ranks, int64_t received, const int32_t* row_of,
                           float* recv_x, int32_t* recv_src_token, int64_t* recv_topk_idx, float* recv_topk_weights) {
  const int64_t t = blockIdx.x, rank = blockIdx.y;
  const int32_t row = row_of[t * ranks + rank];
  if (row < 0 || row >= received) return;
  for (int64_t h = threadIdx.x; h < hidden; h += blockDim.x) recv_x[row * hidden + h] = x[t * hidden + h];
  if (threadIdx.x == 0) recv_src_token[row] = static_cast<int32_t>(t);
  const int64_t per_rank = experts / ranks;
  for (int64_t j = threadIdx.x; j < top_k; j += blockDim.x) {
    const int64_t expert = topk_idx[t * top_k + j];
    const bool local = RankOf(expert, experts, per_rank) == rank;
    recv_topk_idx[row * top_k + j] = local ? expert - rank * per_rank : -1;
    if (recv_topk_weights != nullptr) recv_topk_weights[row * top_k + j] = local ? topk_weights[t * top_k + j] : 0.0f;
  }
}

__global__ void UnpermuteKernel(const float* y, const int32_t* src_token, const float* row_weights, int64_t hidden,
                                int64_t tokens, float* out) {
  const int64_t row = blockIdx.x;
  const int32_t token = src_token[row];
  if (token < 0 || token >= tokens) return;
  const float weight = row_weights == nullptr ? 1.0f : row_weights[row];
  for (int64_t h = threadIdx.x; h < hidden; h += blockDim.x)
    atomicAdd(&out[token * hidden + h], weight * y[row * hidden + h]);
}

}  // namespace
}  // namespace cuda
}  // namespace moe

extern "C" {

moe_status moe_cuda_ep_dispatch_layout(const int64_t* topk_idx, int64_t tokens, int64_t top_k, int64_t num_experts,
                                       int64_t num_ranks, int32_t* tokens_per_rank, int32_t* tokens_per_expert,
                                       uint8_t* is_token_in_rank, void* stream) {
  using namespace moe::cuda;
  return moe::Guarded([&] {
    if (const moe_status status = moe::CheckRouting(topk_idx, tokens, top_k, num_experts, num_ranks);
        status != MOE_OK) {
      return status;
    }
    MOE_REQUIRE_NOT_NULL(tokens_per_rank);
    MOE_REQUIRE_NOT_NULL(tokens_per_expert);
    MOE_REQUIRE(tokens == 0 || is_token_in_rank != nullptr, MOE_ERR_NULL_POINTER, "is_token_in_rank is null");
    const cudaStream_t s = Stream(stream);
    cudaMemsetAsync(tokens_per_rank, 0, static_cast<size_t>(num_ranks) * sizeof(int32_t), s);
    cudaMemsetAsync(tokens_per_expert, 0, static_cast<size_t>(num_experts) * sizeof(int32_t), s);
    if (tokens > 0) {
      cudaMemsetAsync(is_token_in_rank, 0, static_cast<size_t>(tokens * num_ranks), s);
      LayoutKernel<<<static_cast<unsigned>(CeilDiv(tokens, 256)), 256, 0, s>>>(
          topk_idx, tokens, top_k, num_experts, num_ranks, tokens_per_rank, tokens_per_expert, is_token_in_rank);
    }
    return LaunchStatus("moe_cuda_ep_dispatch_layout");
  });
}

moe_status moe_cuda_ep_permute(const float* x, const int64_t* topk_idx, const float* topk_weights, int64_t tokens,
                               int64_t hidden, int64_t top_k, int64_t num_experts, int64_t num_ranks, int64_t received,
                               float* recv_x, int32_t* recv_src_token, int64_t* recv_topk_idx, float* recv_topk_weights,
                               int32_t* rank_offsets, void* stream) {
  using namespace moe::cuda;
  return moe::Guarded([&] {
    if (const moe_status status = moe::CheckRouting(topk_idx, tokens, top_k, num_experts, num_ranks);
        status != MOE_OK) {
      return status;
    }
    MOE_REQUIRE_POSITIVE(hidden);
    MOE_REQUIRE(received >= 0, MOE_ERR_SHAPE, "received must not be negative, got %lld",
                static_cast<long long>(received));
    MOE_REQUIRE(tokens == 0 || x != nullptr, MOE_ERR_NULL_POINTER, "x is null");
    MOE_REQUIRE_NOT_NULL(rank_offsets);
    MOE_REQUIRE((topk_weights == nullptr) == (recv_topk_weights == nullptr), MOE_ERR_NULL_POINTER,
                "topk_weights and recv_topk_weights must both be given or both be null");
    if (received > 0) {
      MOE_REQUIRE_NOT_NULL(recv_x);
      MOE_REQUIRE_NOT_NULL(recv_src_token);
      MOE_REQUIRE_NOT_NULL(recv_topk_idx);
    }
    const cudaStream_t s = Stream(stream);
    int32_t *per_rank = nullptr, *per_expert = nullptr, *row_of = nullptr;
    uint8_t* in_rank = nullptr;
    const size_t pairs = static_cast<size_t>(tokens * num_ranks);
    if (cudaMallocAsync(&per_rank, static_cast<size_t>(num_ranks) * sizeof(int32_t), s) != cudaSuccess ||
        cudaMallocAsync(&per_expert, static_cast<size_t>(num_experts) * sizeof(int32_t), s) != cudaSuccess ||
        cudaMallocAsync(&in_rank, pairs + 1, s) != cudaSuccess ||
        cudaMallocAsync(&row_of, (pairs + 1) * sizeof(int32_t), s) != cudaSuccess) {
      return moe::Fail(MOE_ERR_INTERNAL, "moe_cuda_ep_permute: device allocation failed: %s",
                       cudaGetErrorString(cudaGetLastError()));
    }
    moe_status status = moe_cuda_ep_dispatch_layout(topk_idx, tokens, top_k, num_experts, num_ranks, per_rank,
                                                    per_expert, in_rank, stream);
    if (status == MOE_OK) {
      OffsetsKernel<<<1, 1, 0, s>>>(per_rank, num_ranks, rank_offsets);
      if (tokens > 0) {
        RowsKernel<<<static_cast<unsigned>(num_ranks), kScanThreads, 0, s>>>(in_rank, tokens, num_ranks, rank_offsets,
                                                                             row_of);
        CopyKernel<<<dim3(static_cast<unsigned>(tokens), static_cast<unsigned>(num_ranks)), 128, 0, s>>>(
            x, topk_idx, topk_weights, hidden, top_k, num_experts, num_ranks, received, row_of, recv_x, recv_src_token,
            recv_topk_idx, recv_topk_weights);
      }
      status = LaunchStatus("moe_cuda_ep_permute");
    }
    cudaFreeAsync(per_rank, s);
    cudaFreeAsync(per_expert, s);
    cudaFreeAsync(in_rank, s);
    cudaFreeAsync(row_of, s);
    return status;
  });
}

moe_status moe_cuda_ep_unpermute(const float* y, const int32_t* src_token, const float* row_weights, int64_t received,
                                 int64_t hidden, int64_t tokens, float* out, void* stream) {
  using namespace moe::cuda;
  return moe::Guarded([&] {
    if (const moe_status status = moe::CheckUnpermute(y, src_token, received, hidden, tokens, out); status != MOE_OK) {
      return status;
    }
    const cudaStream_t s = Stream(stream);
    if (tokens > 0) cudaMemsetAsync(out, 0, static_cast<size_t>(tokens * hidden) * sizeof(float), s);
    if (received > 0) {
      UnpermuteKernel<<<static_cast<unsigned>(received), 128, 0, s>>>(y, src_token, row_weights, hidden, tokens, out);
    }
    return LaunchStatus("moe_cuda_ep_unpermute");
  });
}

}  // extern "C"
