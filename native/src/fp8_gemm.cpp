// moe_fp8_gemm_nt: validation and the dense FP8 GEMM.
#include <algorithm>
#include <vector>

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
    if (d_type == MOE_DTYPE_F32) {  // accumulate in place: no second m x n buffer
      float* out = static_cast<float*>(d);
      std::fill(out, out + m * n, 0.0f);
      moe::GemmFp8(a, a_scales, m, b, b_scales, n, k, out, n);
      return MOE_OK;
    }
    std::vector<float> acc(static_cast<size_t>(m * n), 0.0f);
    moe::GemmFp8(a, a_scales, m, b, b_scales, n, k, acc.data(), n);
    moe::StoreRows(acc.data(), 0, m, n, d, d_type);
    return MOE_OK;
  });
}
