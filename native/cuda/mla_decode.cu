// MLA decoding on the GPU: one block of 128 threads per (piece of the split-KV schedule, query row). Four warps
// score the page's tokens (a warp per token, lanes across the 576 dims), the running max and denominator update
// once per page, and each thread accumulates four of the 512 value dims. A second kernel merges a sequence's
// pieces by their log-sum-exp. Straightforward rather than fast: rows of a sequence re-read its pages (L2 serves
// them), which a FlashMLA-style kernel with all heads per block avoids.
#include <cmath>
#include <vector>

#include "../src/mla_pieces.h"
#include "cuda_common.cuh"
#include "moe_cuda.h"

namespace moe {
namespace cuda {
namespace {

constexpr int kPage = MOE_MLA_PAGE_SIZE;
constexpr int kHead = MOE_MLA_HEAD_DIM;
constexpr int kValue = MOE_MLA_VALUE_DIM;
constexpr int kThreads = 128;

struct DevicePiece {
  int32_t seq, page_begin, page_end, slot;
};

struct MlaArgs {
  const float* q;
  const float* k_cache;
  const int32_t* block_table;
  const int32_t* cache_seqlens;
  const DevicePiece* pieces;
  int64_t s_q, h_q, num_blocks, max_blocks;
  float scale;
  int causal;
  float* partial_out;  // [slots, rows, 512]
  float* partial_lse;  // [slots, rows]
};

__global__ void __launch_bounds__(kThreads) AttendPiece(MlaArgs args) {
  __shared__ float q[kHead];
  __shared__ float weights[kPage];
  __shared__ float page_state[2];  // the page's rescale factor and the new running max
  const DevicePiece piece = args.pieces[blockIdx.x];
  const int64_t rows = args.s_q * args.h_q;
  const int64_t r = blockIdx.y;
  const int64_t seqlen = args.cache_seqlens[piece.seq];
  const int64_t causal_visible = seqlen - (args.s_q - 1 - r / args.h_q);
  const int64_t visible = args.causal ? (causal_visible > 0 ? causal_visible : 0) : seqlen;
  for (int d = threadIdx.x; d < kHead; d += kThreads) q[d] = args.q[(piece.seq * rows + r) * kHead + d];
  float acc[kValue / kThreads] = {};
  float running_max = -INFINITY, running_sum = 0.0f;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  for (int64_t page = piece.page_begin; page < piece.page_end; ++page) {
    const int64_t first = page * kPage;
    const int64_t tokens = visible - first < kPage ? visible - first : kPage;
    if (tokens <= 0) break;
    const int32_t block = args.block_table[piece.seq * args.max_blocks + page];
    if (block < 0 || block >= args.num_blocks) break;  // an index out of range is skipped, never followed
    const float* kv = args.k_cache + static_cast<int64_t>(block) * kPage * kHead;
    for (int t = warp; t < tokens; t += kThreads / 32) {
      float dot = 0.0f;
      for (int d = lane; d < kHead; d += 32) dot = fmaf(q[d], kv[t * kHead + d], dot);
      dot = WarpSum(dot);
      if (lane == 0) weights[t] = dot * args.scale;
    }
    __syncthreads();
    if (warp == 0) {
      float page_max = -INFINITY;
      for (int t = lane; t < tokens; t += 32) page_max = fmaxf(page_max, weights[t]);
      page_max = WarpMax(page_max);
      const float new_max = fmaxf(running_max, page_max);
      float page_sum = 0.0f;
      for (int t = lane; t < tokens; t += 32) {
        weights[t] = expf(weights[t] - new_max);
        page_sum += weights[t];
      }
      page_sum = WarpSum(page_sum);
      if (lane == 0) {
        page_state[0] = expf(running_max - new_max);
        page_state[1] = new_max;
      }
      running_sum = running_sum * expf(running_max - new_max) + page_sum;
    }
    __syncthreads();
    const float rescale = page_state[0];
    running_max = page_state[1];
    for (int i = 0; i < kValue / kThreads; ++i) {
      const int d = threadIdx.x + i * kThreads;
      float value = acc[i] * rescale;
      for (int t = 0; t < tokens; ++t) value = fmaf(weights[t], kv[t * kHead + d], value);
      acc[i] = value;
    }
    __syncthreads();
  }
  // Warp 0 holds the denominator; share it through shared memory.
  if (threadIdx.x == 0) page_state[0] = running_sum;
  __syncthreads();
  const float denominator = page_state[0];
  float* out = args.partial_out + (static_cast<int64_t>(piece.slot) * rows + r) * kValue;
  for (int i = 0; i < kValue / kThreads; ++i)
    out[threadIdx.x + i * kThreads] = denominator > 0 ? acc[i] / denominator : 0.0f;
  if (threadIdx.x == 0) {
    args.partial_lse[piece.slot * rows + r] = denominator > 0 ? running_max + logf(denominator) : -INFINITY;
  }
}

// One block per (sequence, query row): the pieces' results weighted by exp(lse_i - lse).
__global__ void MergePieces(const float* partial_out, const float* partial_lse, const int32_t* num_splits, int64_t s_q,
                            int64_t h_q, float* out, float* lse) {
  const int64_t b = blockIdx.x, r = blockIdx.y, rows = s_q * h_q;
  const int first = num_splits[b], count = num_splits[b + 1] - num_splits[b];
  float max_lse = -INFINITY;
  for (int s = 0; s < count; ++s) max_lse = fmaxf(max_lse, partial_lse[(first + s) * rows + r]);
  float total = 0.0f;
  if (max_lse != -INFINITY) {
    for (int s = 0; s < count; ++s) total += expf(partial_lse[(first + s) * rows + r] - max_lse);
  }
  const float merged = max_lse == -INFINITY ? -INFINITY : max_lse + logf(total);
  for (int d = threadIdx.x; d < kValue; d += blockDim.x) {
    float value = 0.0f;
    for (int s = 0; s < count && merged != -INFINITY; ++s) {
      const float weight = expf(partial_lse[(first + s) * rows + r] - merged);
      value = fmaf(weight, partial_out[((first + s) * rows + r) * kValue + d], value);
    }
    out[(b * rows + r) * kValue + d] = value;
  }
  if (threadIdx.x == 0) lse[(b * h_q + r % h_q) * s_q + r / h_q] = merged;
}

}  // namespace
}  // namespace cuda
}  // namespace moe

extern "C" moe_status moe_cuda_mla_decode(const float* q, const float* k_cache, const int32_t* block_table,
                                          const int32_t* cache_seqlens, const int32_t* host_cache_seqlens,
                                          int64_t batch, int64_t s_q, int64_t h_q, int64_t num_blocks,
                                          int64_t max_blocks_per_seq, float softmax_scale, int32_t causal,
                                          const int32_t* tile_metadata, const int32_t* num_splits, int64_t num_parts,
                                          float* out, float* lse, void* stream) {
  using namespace moe::cuda;
  return moe::Guarded([&] {
    MOE_REQUIRE_NOT_NULL(host_cache_seqlens);
    if (const moe_status status =
            moe::CheckMlaArguments(batch, s_q, h_q, num_blocks, max_blocks_per_seq, num_parts, q, k_cache, block_table,
                                   cache_seqlens, tile_metadata, num_splits, out, lse);
        status != MOE_OK) {
      return status;
    }
    if (const moe_status status = moe::CheckSeqlens(host_cache_seqlens, batch, max_blocks_per_seq); status != MOE_OK) {
      return status;
    }
    std::vector<moe::MlaPiece> pieces;
    if (const moe_status status =
            moe::PiecesFromMetadata(tile_metadata, num_splits, host_cache_seqlens, batch, num_parts, pieces);
        status != MOE_OK) {
      return status;
    }
    std::vector<DevicePiece> device_pieces;
    for (const auto& piece : pieces) {
      device_pieces.push_back({static_cast<int32_t>(piece.seq), static_cast<int32_t>(piece.page_begin),
                               static_cast<int32_t>(piece.page_end), static_cast<int32_t>(piece.slot)});
    }
    const int64_t rows = s_q * h_q, slots = num_splits[batch];
    // Scratch for the pieces and the schedule, freed in stream order once the kernels are done with it.
    DevicePiece* d_pieces = nullptr;
    float *partial_out = nullptr, *partial_lse = nullptr;
    int32_t* d_splits = nullptr;
    const cudaStream_t s = Stream(stream);
    if (cudaMallocAsync(&d_pieces, device_pieces.size() * sizeof(DevicePiece), s) != cudaSuccess ||
        cudaMallocAsync(&partial_out, static_cast<size_t>(slots * rows * kValue) * sizeof(float), s) != cudaSuccess ||
        cudaMallocAsync(&partial_lse, static_cast<size_t>(slots * rows) * sizeof(float), s) != cudaSuccess ||
        cudaMallocAsync(&d_splits, static_cast<size_t>(batch + 1) * sizeof(int32_t), s) != cudaSuccess) {
      return moe::Fail(MOE_ERR_INTERNAL, "moe_cuda_mla_decode: device allocation failed: %s",
                       cudaGetErrorString(cudaGetLastError()));
    }
    cudaMemcpyAsync(d_pieces, device_pieces.data(), device_pieces.size() * sizeof(DevicePiece), cudaMemcpyHostToDevice,
                    s);
    cudaMemcpyAsync(d_splits, num_splits, static_cast<size_t>(batch + 1) * sizeof(int32_t), cudaMemcpyHostToDevice, s);
    const MlaArgs args{q,
                       k_cache,
                       block_table,
                       cache_seqlens,
                       d_pieces,
                       s_q,
                       h_q,
                       num_blocks,
                       max_blocks_per_seq,
                       softmax_scale > 0 ? softmax_scale : 1.0f / std::sqrt(static_cast<float>(kHead)),
                       causal != 0,
                       partial_out,
                       partial_lse};
    AttendPiece<<<dim3(static_cast<unsigned>(device_pieces.size()), static_cast<unsigned>(rows)), kThreads, 0, s>>>(
        args);
    MergePieces<<<dim3(static_cast<unsigned>(batch), static_cast<unsigned>(rows)), 128, 0, s>>>(
        partial_out, partial_lse, d_splits, s_q, h_q, out, lse);
    const moe_status status = LaunchStatus("moe_cuda_mla_decode");
    cudaFreeAsync(d_pieces, s);
    cudaFreeAsync(partial_out, s);
    cudaFreeAsync(partial_lse, s);
    cudaFreeAsync(d_splits, s);
    return status;
  });
}
