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

}  // namespace moe

#endif  // MOE_SRC_GEMM_CHECKS_H_
