// Grouped FP8 GEMMs for MoE: every group (expert) multiplies its rows of A by its own B. Runs of rows that share a
// group go through the dense core in one call, so a group's B is decoded once however many blocks it has.
#include <vector>

#include "error.h"
#include "gemm_checks.h"
#include "gemm_core.h"
#include "moe_gemm.h"

namespace moe {
namespace {

constexpr int64_t kAlign = MOE_GROUPED_M_ALIGNMENT;

moe_status CheckGroupedShapes(const uint8_t* a, const float* a_scales, const uint8_t* b, const float* b_scales,
                              int64_t groups, int64_t n, int64_t k, const void* d, moe_dtype d_type) {
  MOE_REQUIRE_POSITIVE(groups);
  return CheckFp8Operands(a, a_scales, b, b_scales, n, k, d, d_type);
}

// Each 128-row block must hold one group; returns that group per block (-1 for a block of padding only).
moe_status BlockGroups(const int32_t* group_of_row, int64_t m_sum, int64_t groups, std::vector<int32_t>& block_group) {
  block_group.assign(static_cast<size_t>(m_sum / kAlign), -1);
  for (int64_t row = 0; row < m_sum; ++row) {
    const int32_t group = group_of_row[row];
    MOE_REQUIRE(group >= -1 && group < groups, MOE_ERR_INDEX,
                "group_of_row[%lld] is %d: it must be a group in [0, %lld) or -1 for padding",
                static_cast<long long>(row), group, static_cast<long long>(groups));
    if (group < 0) continue;
    int32_t& owner = block_group[static_cast<size_t>(row / kAlign)];
    MOE_REQUIRE(owner < 0 || owner == group, MOE_ERR_ALIGNMENT,
                "rows %lld..%lld mix groups %d and %d: each group's segment must start at a multiple of %lld rows "
                "(pad the previous segment with -1 rows)",
                static_cast<long long>(row / kAlign * kAlign),
                static_cast<long long>(row / kAlign * kAlign + kAlign - 1), owner, group,
                static_cast<long long>(kAlign));
    owner = group;
  }
  return MOE_OK;
}

}  // namespace
}  // namespace moe

extern "C" {

moe_status moe_fp8_grouped_gemm_contiguous(const uint8_t* a, const float* a_scales, const uint8_t* b,
                                           const float* b_scales, const int32_t* group_of_row, int64_t m_sum,
                                           int64_t groups, int64_t n, int64_t k, void* d, moe_dtype d_type) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m_sum);
    MOE_REQUIRE_MULTIPLE(m_sum, moe::kAlign);
    MOE_REQUIRE_NOT_NULL(group_of_row);
    if (const moe_status status = moe::CheckGroupedShapes(a, a_scales, b, b_scales, groups, n, k, d, d_type);
        status != MOE_OK) {
      return status;
    }
    std::vector<int32_t> block_group;
    if (const moe_status status = moe::BlockGroups(group_of_row, m_sum, groups, block_group); status != MOE_OK) {
      return status;
    }
    const int64_t k_blocks = k / MOE_FP8_BLOCK;
    const int64_t scale_rows = (n + MOE_FP8_BLOCK - 1) / MOE_FP8_BLOCK;
    const int64_t blocks = static_cast<int64_t>(block_group.size());
    for (int64_t first = 0; first < blocks;) {
      int64_t last = first + 1;
      while (last < blocks && block_group[static_cast<size_t>(last)] == block_group[static_cast<size_t>(first)]) ++last;
      const int64_t row0 = first * moe::kAlign;
      const int64_t rows = (last - first) * moe::kAlign;
      const int32_t group = block_group[static_cast<size_t>(first)];
      if (group < 0) {
        moe::ZeroRows(row0, rows, n, d, d_type);
      } else {
        moe::GemmFp8IntoRows(a + row0 * k, a_scales + row0 * k_blocks, rows, b + group * n * k,
                             b_scales + group * scale_rows * k_blocks, n, k, d, row0, d_type);
        for (int64_t r = 0; r < rows; ++r) {
          if (group_of_row[row0 + r] < 0) moe::ZeroRows(row0 + r, 1, n, d, d_type);
        }
      }
      first = last;
    }
    return MOE_OK;
  });
}

moe_status moe_fp8_grouped_gemm_masked(const uint8_t* a, const float* a_scales, const uint8_t* b, const float* b_scales,
                                       const int32_t* masked_m, int64_t groups, int64_t m_max, int64_t n, int64_t k,
                                       void* d, moe_dtype d_type) {
  return moe::Guarded([&] {
    MOE_REQUIRE_POSITIVE(m_max);
    MOE_REQUIRE_NOT_NULL(masked_m);
    if (const moe_status status = moe::CheckGroupedShapes(a, a_scales, b, b_scales, groups, n, k, d, d_type);
        status != MOE_OK) {
      return status;
    }
    for (int64_t g = 0; g < groups; ++g) {
      MOE_REQUIRE(masked_m[g] >= 0 && masked_m[g] <= m_max, MOE_ERR_INDEX,
                  "masked_m[%lld] is %d: valid rows per group must lie in [0, m_max = %lld]", static_cast<long long>(g),
                  masked_m[g], static_cast<long long>(m_max));
    }
    const int64_t k_blocks = k / MOE_FP8_BLOCK;
    const int64_t scale_rows = (n + MOE_FP8_BLOCK - 1) / MOE_FP8_BLOCK;
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t row0 = g * m_max;
      const int64_t rows = masked_m[g];
      if (rows > 0) {
        moe::GemmFp8IntoRows(a + row0 * k, a_scales + row0 * k_blocks, rows, b + g * n * k,
                             b_scales + g * scale_rows * k_blocks, n, k, d, row0, d_type);
      }
      moe::ZeroRows(row0 + rows, m_max - rows, n, d, d_type);
    }
    return MOE_OK;
  });
}

}  // extern "C"
