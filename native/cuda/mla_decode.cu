// MLA decoding on the GPU: one block of 256 threads per (piece of the split-KV schedule, eight query rows). The
// rows share each page, so a page is read once per eight heads instead of once per head: eight warps score the
// page's tokens against all eight rows (a warp per token, lanes across the 576 dims two at a time), warp r keeps
// row r's running max and denominator, and each thread accumulates two of the 512 value dims of every row. A
// second kernel merges a sequence's pieces by their log-sum-exp. Float32 FMAs, no tensor cores: FlashMLA's shape
// (all heads of a sequence per block, WGMMA) is the step after this.
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
constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;  // warp r owns row r's softmax state
static_assert(kHead % 64 == 0 && kValue % kThreads == 0, "lanes read dims in pairs; threads split the values");

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

// Tokens of the sequence a query row sees: all of them, or under causal masking those up to its own position.
__device__ __forceinline__ int64_t VisibleTokens(const MlaArgs& args, int64_t seqlen, int64_t row, int64_t rows) {
  if (row >= rows) return 0;
  if (!args.causal) return seqlen;
  const int64_t visible = seqlen - (args.s_q - 1 - row / args.h_q);
  return visible > 0 ? visible : 0;
}

__global__ void __launch_bounds__(kThreads) AttendPiece(MlaArgs args) {
  __shared__ float2 q[kRowsPerBlock][kHead / 2];
  __shared__ float weights[kRowsPerBlock][kPage];
  __shared__ float rescale[kRowsPerBlock];
  const DevicePiece piece = args.pieces[blockIdx.x];
  const int64_t rows = args.s_q * args.h_q;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kRowsPerBlock;
  const int64_t seqlen = args.cache_seqlens[piece.seq];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int i = threadIdx.x; i < kRowsPerBlock * kHead; i += kThreads) {
    const int r = i / kHead, d = i % kHead;
    const int64_t row = row0 + r;
    reinterpret_cast<float*>(q[r])[d] = row < rows ? args.q[(piece.seq * rows + row) * kHead + d] : 0.0f;
  }
  int64_t block_visible = 0;  // the most any row of the block sees: pages past it are not read
  for (int r = 0; r < kRowsPerBlock; ++r) {
    const int64_t visible = VisibleTokens(args, seqlen, row0 + r, rows);
    block_visible = visible > block_visible ? visible : block_visible;
  }
  const int64_t own_visible = VisibleTokens(args, seqlen, row0 + warp, rows);
  float acc[kRowsPerBlock][kValue / kThreads] = {};
  float running_max = -INFINITY, running_sum = 0.0f;  // this warp's row, the same in every lane
  __syncthreads();
  for (int64_t page = piece.page_begin; page < piece.page_end; ++page) {
    const int64_t first = page * kPage;
    const int64_t tokens = block_visible - first < kPage ? block_visible - first : kPage;
    if (tokens <= 0) break;
    const int32_t block = args.block_table[piece.seq * args.max_blocks + page];
    if (block < 0 || block >= args.num_blocks) break;  // an index out of range is skipped, never followed
    const float* kv = args.k_cache + static_cast<int64_t>(block) * kPage * kHead;
    for (int t = warp; t < tokens; t += kRowsPerBlock) {
      const float2* key = reinterpret_cast<const float2*>(kv + t * kHead);
      float dot[kRowsPerBlock] = {};
      for (int pair = lane; pair < kHead / 2; pair += 32) {
        const float2 k = key[pair];
#pragma unroll
        for (int r = 0; r < kRowsPerBlock; ++r) dot[r] = fmaf(q[r][pair].x, k.x, fmaf(q[r][pair].y, k.y, dot[r]));
      }
#pragma unroll
      for (int r = 0; r < kRowsPerBlock; ++r) {
        const float sum = WarpSum(dot[r]);
        if (lane == 0) weights[r][t] = sum * args.scale;
      }
    }
    __syncthreads();
    // Warp r turns row r's scores into weights; tokens the row may not see weigh 0.
    {
      const int64_t own_tokens = own_visible - first;
      float page_max = -INFINITY;
      for (int t = lane; t < tokens; t += 32) {
        if (t < own_tokens) page_max = fmaxf(page_max, weights[warp][t]);
      }
      page_max = WarpMax(page_max);
      const float new_max = fmaxf(running_max, page_max);
      float page_sum = 0.0f;
      for (int t = lane; t < tokens; t += 32) {
        const float weight = t < own_tokens ? expf(weights[warp][t] - new_max) : 0.0f;
        weights[warp][t] = weight;
        page_sum += weight;
      }
      page_sum = WarpSum(page_sum);
      // Nothing seen yet (running_max -inf): the accumulators are 0, and exp(-inf - -inf) would be NaN.
      const float old_scale = running_max == -INFINITY ? 0.0f : expf(running_max - new_max);
      running_sum = running_sum * old_scale + page_sum;
      running_max = new_max;
      if (lane == 0) rescale[warp] = old_scale;
    }
    __syncthreads();
#pragma unroll
    for (int r = 0; r < kRowsPerBlock; ++r) {
#pragma unroll
      for (int i = 0; i < kValue / kThreads; ++i) acc[r][i] *= rescale[r];
    }
    for (int t = 0; t < tokens; ++t) {
      float value[kValue / kThreads];
#pragma unroll
      for (int i = 0; i < kValue / kThreads; ++i) value[i] = kv[t * kHead + threadIdx.x + i * kThreads];
#pragma unroll
      for (int r = 0; r < kRowsPerBlock; ++r) {
        const float weight = weights[r][t];
#pragma unroll
        for (int i = 0; i < kValue / kThreads; ++i) acc[r][i] = fmaf(weight, value[i], acc[r][i]);
      }
    }
    __syncthreads();
  }
  // Warp r's lanes hold row r's denominator; share them through shared memory.
  if (lane == 0) rescale[warp] = running_sum;
  __syncthreads();
#pragma unroll
  for (int r = 0; r < kRowsPerBlock; ++r) {
    const int64_t row = row0 + r;
    if (row >= rows) continue;
    const float denominator = rescale[r];
    float* out = args.partial_out + (static_cast<int64_t>(piece.slot) * rows + row) * kValue;
#pragma unroll
    for (int i = 0; i < kValue / kThreads; ++i) {
      out[threadIdx.x + i * kThreads] = denominator > 0 ? acc[r][i] / denominator : 0.0f;
    }
  }
  if (lane == 0 && row0 + warp < rows) {
    args.partial_lse[piece.slot * rows + row0 + warp] =
        running_sum > 0 ? running_max + logf(running_sum) : -INFINITY;
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
    if (reinterpret_cast<uintptr_t>(k_cache) % 8 != 0) {
      return moe::Fail(MOE_ERR_ALIGNMENT, "moe_cuda_mla_decode: k_cache must start on an 8-byte boundary (the "
                                          "kernel reads it two floats at a time); cudaMalloc's pointers do");
    }
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
    AttendPiece<<<dim3(static_cast<unsigned>(device_pieces.size()), static_cast<unsigned>(CeilDiv(rows, kRowsPerBlock))),
                  kThreads, 0, s>>>(args);
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
