// moe_fp8_gemm_nt: validation and the dense FP8 GEMM.
#include "error.h"
#include "gemm_checks.h"
#include "gemm_core.h"
#include "moe_gemm.h"

extern "C" moe_status moe_fp8_gemm_nt(const uint8_t* a, const float* a_scales, const uint8_t* b, const float* b_scales,
                                      int64_t m, int64_t n, int64_t k, void* d, moe_dtype d_type) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m);
    if (const moe_status status = moe::CheckFp8Operands(a, a_scales, b, b_scales, n, k, d, d_type); status != MOE_OK) {
      return status;
    }
    moe::GemmFp8IntoRows(a, a_scales, m, b, b_scales, n, k, d, 0, d_type);
    return MOE_OK;
  });
}
