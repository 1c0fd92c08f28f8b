// Expert-parallel dispatch layout and the permutation of dispatch and combine.
#include <algorithm>
#include <cstring>
#include <vector>

#include "ep_checks.h"
#include "error.h"
#include "moe_ep.h"
#include "parallel.h"
#include "simd.h"

namespace moe {
namespace {

moe_status CheckTopk(const int64_t* topk_idx, int64_t tokens, int64_t top_k, int64_t num_experts, int64_t num_ranks) {
  if (const moe_status status = CheckRouting(topk_idx, tokens, top_k, num_experts, num_ranks); status != MOE_OK) {
    return status;
  }
  for (int64_t i = 0; i < tokens * top_k; ++i) {
    MOE_REQUIRE(topk_idx[i] >= -1 && topk_idx[i] < num_experts, MOE_ERR_INDEX,
                "topk_idx[%lld, %lld] is %lld: expert ids lie in [0, %lld), or -1 for none",
                static_cast<long long>(i / top_k), static_cast<long long>(i % top_k),
                static_cast<long long>(topk_idx[i]), static_cast<long long>(num_experts));
  }
  return MOE_OK;
}

// Marks the ranks a token goes to.
void RanksOfToken(const int64_t* topk, int64_t top_k, int64_t experts_per_rank, uint8_t* in_rank) {
  for (int64_t j = 0; j < top_k; ++j) {
    if (topk[j] >= 0) in_rank[topk[j] / experts_per_rank] = 1;
  }
}

}  // namespace
}  // namespace moe

extern "C" {

moe_status moe_ep_dispatch_layout(const int64_t* topk_idx, int64_t tokens, int64_t top_k, int64_t num_experts,
                                  int64_t num_ranks, int32_t* tokens_per_rank, int32_t* tokens_per_expert,
                                  uint8_t* is_token_in_rank) {
  return moe::Guarded([&] {
    if (const moe_status status = moe::CheckTopk(topk_idx, tokens, top_k, num_experts, num_ranks); status != MOE_OK) {
      return status;
    }
    MOE_REQUIRE_NOT_NULL(tokens_per_rank);
    MOE_REQUIRE_NOT_NULL(tokens_per_expert);
    MOE_REQUIRE(tokens == 0 || is_token_in_rank != nullptr, MOE_ERR_NULL_POINTER, "is_token_in_rank is null");
    const int64_t experts_per_rank = num_experts / num_ranks;
    std::fill_n(tokens_per_rank, num_ranks, 0);
    std::fill_n(tokens_per_expert, num_experts, 0);
    if (tokens > 0) std::memset(is_token_in_rank, 0, static_cast<size_t>(tokens * num_ranks));
    for (int64_t t = 0; t < tokens; ++t) {
      const int64_t* topk = topk_idx + t * top_k;
      uint8_t* in_rank = is_token_in_rank + t * num_ranks;
      for (int64_t j = 0; j < top_k; ++j) {
        if (topk[j] >= 0) ++tokens_per_expert[topk[j]];
      }
      moe::RanksOfToken(topk, top_k, experts_per_rank, in_rank);
      for (int64_t r = 0; r < num_ranks; ++r) tokens_per_rank[r] += in_rank[r];
    }
    return MOE_OK;
  });
}

moe_status moe_ep_permute(const float* x, const int64_t* topk_idx, const float* topk_weights, int64_t tokens,
                          int64_t hidden, int64_t top_k, int64_t num_experts, int64_t num_ranks, int64_t received,
                          float* recv_x, int32_t* recv_src_token, int64_t* recv_topk_idx, float* recv_topk_weights,
                          int32_t* rank_offsets) {
  return moe::Guarded([&] {
    if (const moe_status status = moe::CheckTopk(topk_idx, tokens, top_k, num_experts, num_ranks); status != MOE_OK) {
      return status;
    }
    MOE_REQUIRE_POSITIVE(hidden);
    MOE_REQUIRE(tokens == 0 || x != nullptr, MOE_ERR_NULL_POINTER, "x is null");
    MOE_REQUIRE_NOT_NULL(rank_offsets);
    MOE_REQUIRE((topk_weights == nullptr) == (recv_topk_weights == nullptr), MOE_ERR_NULL_POINTER,
                "topk_weights and recv_topk_weights must both be given or both be null");
    const int64_t experts_per_rank = num_experts / num_ranks;
    std::vector<uint8_t> in_rank(static_cast<size_t>(tokens * num_ranks), 0);
    std::vector<int64_t> offsets(static_cast<size_t>(num_ranks + 1), 0);
    for (int64_t t = 0; t < tokens; ++t) {
      moe::RanksOfToken(topk_idx + t * top_k, top_k, experts_per_rank, in_rank.data() + t * num_ranks);
      for (int64_t r = 0; r < num_ranks; ++r)
        offsets[static_cast<size_t>(r + 1)] += in_rank[static_cast<size_t>(t * num_ranks + r)];
    }
    for (int64_t r = 0; r < num_ranks; ++r) offsets[static_cast<size_t>(r + 1)] += offsets[static_cast<size_t>(r)];
    MOE_REQUIRE(received == offsets[static_cast<size_t>(num_ranks)], MOE_ERR_SHAPE,
                "received is %lld but the tokens go to %lld rank slots: size the outputs by sum(tokens_per_rank) from "
                "moe_ep_dispatch_layout",
                static_cast<long long>(received), static_cast<long long>(offsets[static_cast<size_t>(num_ranks)]));
    if (received > 0) {
      MOE_REQUIRE_NOT_NULL(recv_x);
      MOE_REQUIRE_NOT_NULL(recv_src_token);
      MOE_REQUIRE_NOT_NULL(recv_topk_idx);
    }
    for (int64_t r = 0; r <= num_ranks; ++r) rank_offsets[r] = static_cast<int32_t>(offsets[static_cast<size_t>(r)]);
    std::vector<int64_t> cursor(offsets.begin(), offsets.end() - 1);
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t r = 0; r < num_ranks; ++r) {
        if (!in_rank[static_cast<size_t>(t * num_ranks + r)]) continue;
        const int64_t row = cursor[static_cast<size_t>(r)]++;
        std::memcpy(recv_x + row * hidden, x + t * hidden, static_cast<size_t>(hidden) * sizeof(float));
        recv_src_token[row] = static_cast<int32_t>(t);
        for (int64_t j = 0; j < top_k; ++j) {
          const int64_t expert = topk_idx[t * top_k + j];
          const bool local = expert >= 0 && expert / experts_per_rank == r;
          recv_topk_idx[row * top_k + j] = local ? expert - r * experts_per_rank : -1;
          if (recv_topk_weights != nullptr)
            recv_topk_weights[row * top_k + j] = local ? topk_weights[t * top_k + j] : 0.0f;
        }
      }
    }
    return MOE_OK;
  });
}

moe_status moe_ep_unpermute(const float* y, const int32_t* src_token, const float* row_weights, int64_t received,
                            int64_t hidden, int64_t tokens, float* out) {
  return moe::Guarded([&] {
    if (const moe_status status = moe::CheckUnpermute(y, src_token, received, hidden, tokens, out); status != MOE_OK) {
      return status;
    }
    for (int64_t row = 0; row < received; ++row) {
      MOE_REQUIRE(src_token[row] >= 0 && src_token[row] < tokens, MOE_ERR_INDEX,
                  "src_token[%lld] is %d: source tokens lie in [0, tokens = %lld)", static_cast<long long>(row),
                  src_token[row], static_cast<long long>(tokens));
    }
    if (tokens > 0) std::memset(out, 0, static_cast<size_t>(tokens * hidden) * sizeof(float));
    const auto& cpu = moe::Cpu();
    for (int64_t row = 0; row < received; ++row) {
      const float weight = row_weights == nullptr ? 1.0f : row_weights[row];
      cpu.axpy(weight, y + row * hidden, out + static_cast<int64_t>(src_token[row]) * hidden, hidden);
    }
    return MOE_OK;
  });
}

}  // extern "C"
