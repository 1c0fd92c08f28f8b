// The shape checks of the EP kernels, shared by the CPU and the GPU (the CPU also checks every expert id; the GPU's
// ids stay on the device and are guarded in the kernels).
#ifndef MOE_SRC_EP_CHECKS_H_
#define MOE_SRC_EP_CHECKS_H_

#include "error.h"
#include "moe_ep.h"

namespace moe {

inline moe_status CheckRouting(const int64_t* topk_idx, int64_t tokens, int64_t top_k, int64_t num_experts,
                               int64_t num_ranks) {
  MOE_REQUIRE(tokens >= 0, MOE_ERR_SHAPE, "tokens must not be negative, got %lld", static_cast<long long>(tokens));
  MOE_REQUIRE_POSITIVE(top_k);
  MOE_REQUIRE_POSITIVE(num_experts);
  MOE_REQUIRE_POSITIVE(num_ranks);
  MOE_REQUIRE(num_experts % num_ranks == 0, MOE_ERR_SHAPE,
              "num_experts (%lld) must be a multiple of num_ranks (%lld): every rank holds the same number of experts",
              static_cast<long long>(num_experts), static_cast<long long>(num_ranks));
  MOE_REQUIRE(tokens == 0 || topk_idx != nullptr, MOE_ERR_NULL_POINTER, "topk_idx is null");
  return MOE_OK;
}

inline moe_status CheckUnpermute(const float* y, const int32_t* src_token, int64_t received, int64_t hidden,
                                 int64_t tokens, const float* out) {
  MOE_REQUIRE(received >= 0, MOE_ERR_SHAPE, "received must not be negative, got %lld",
              static_cast<long long>(received));
  MOE_REQUIRE(tokens >= 0, MOE_ERR_SHAPE, "tokens must not be negative, got %lld", static_cast<long long>(tokens));
  MOE_REQUIRE_POSITIVE(hidden);
  MOE_REQUIRE(received == 0 || (y != nullptr && src_token != nullptr), MOE_ERR_NULL_POINTER, "y or src_token is null");
  MOE_REQUIRE(tokens == 0 || out != nullptr, MOE_ERR_NULL_POINTER, "out is null");
  return MOE_OK;
}

}  // namespace moe

#endif  // MOE_SRC_EP_CHECKS_H_
