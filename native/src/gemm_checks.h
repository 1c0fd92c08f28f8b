// Argument checks shared by the GEMM entry points.
#ifndef MOE_SRC_GEMM_CHECKS_H_
#define MOE_SRC_GEMM_CHECKS_H_

#include "error.h"
#include "moe_gemm.h"

namespace moe {

inline moe_status CheckOutputType(moe_dtype d_type) {
  MOE_REQUIRE(d_type == MOE_DTYPE_F32 || d_type == MOE_DTYPE_BF16, MOE_ERR_UNSUPPORTED,
              "d_type must be MOE_DTYPE_F32 (0) or MOE_DTYPE_BF16 (1), got %d", static_cast<int>(d_type));
  return MOE_OK;
}

// The operands every FP8 GEMM takes (B's rows n, the depth k, the four operand pointers and the output), checked
// the same way on the CPU and the GPU.
inline moe_status CheckFp8Operands(const uint8_t* a, const float* a_scales, const uint8_t* b, const float* b_scales,
                                   int64_t n, int64_t k, const void* d, moe_dtype d_type) {
  MOE_REQUIRE_POSITIVE(n);
  MOE_REQUIRE_POSITIVE(k);
  MOE_REQUIRE_MULTIPLE(k, MOE_FP8_BLOCK);
  MOE_REQUIRE_NOT_NULL(a);
  MOE_REQUIRE_NOT_NULL(a_scales);
  MOE_REQUIRE_NOT_NULL(b);
  MOE_REQUIRE_NOT_NULL(b_scales);
  MOE_REQUIRE_NOT_NULL(d);
  return CheckOutputType(d_type);
}

}  // namespace moe

#endif  // MOE_SRC_GEMM_CHECKS_H_
