#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "moe_kernels.h"
#include "reference.h"

namespace {

struct Groups {
  int64_t n, k;
  std::vector<moe_test::Quantized> b;
  std::vector<uint8_t> b_codes;
  std::vector<float> b_scales;
};

Groups MakeGroups(int64_t groups, int64_t n, int64_t k) {
  Groups g{n, k, {}, {}, {}};
  for (int64_t i = 0; i < groups; ++i) {
    g.b.push_back(moe_test::QuantizePerBlock(moe_test::RandomFloats(static_cast<size_t>(n * k), 40 + i, 0.05f), n, k));
    g.b_codes.insert(g.b_codes.end(), g.b.back().codes.begin(), g.b.back().codes.end());
    g.b_scales.insert(g.b_scales.end(), g.b.back().scales.begin(), g.b.back().scales.end());
  }
  return g;
}

// One row of A times group g's B, in float64.
std::vector<double> ReferenceRow(const moe_test::Quantized& a, int64_t row, const Groups& g, int64_t group) {
  moe_test::Quantized one_row;
  one_row.codes.assign(a.codes.begin() + row * g.k, a.codes.begin() + (row + 1) * g.k);
  one_row.scales.assign(a.scales.begin() + row * (g.k / 128), a.scales.begin() + (row + 1) * (g.k / 128));
  return moe_test::ReferenceGemm(one_row, 1, g.b[static_cast<size_t>(group)], g.n, g.k);
}

TEST(GroupedGemm, ContiguousLayoutComputesEachSegmentWithItsGroupAndZeroesPadding) {
  const int64_t n = 200, k = 256;
  const Groups g = MakeGroups(3, n, k);
  // Group 0 has 100 rows (padded to 128), group 1 none, group 2 250 rows (padded to 256).
  std::vector<int32_t> group_of_row(384, -1);
  for (int i = 0; i < 100; ++i) group_of_row[i] = 0;
  for (int i = 0; i < 250; ++i) group_of_row[128 + i] = 2;
  const int64_t m_sum = 384;
  const auto a = moe_test::QuantizePerToken(moe_test::RandomFloats(static_cast<size_t>(m_sum * k), 50), m_sum, k);
  std::vector<float> d(static_cast<size_t>(m_sum * n), NAN);
  ASSERT_EQ(moe_fp8_grouped_gemm_contiguous(a.codes.data(), a.scales.data(), g.b_codes.data(), g.b_scales.data(),
                                            group_of_row.data(), m_sum, 3, n, k, d.data(), MOE_DTYPE_F32),
            MOE_OK)
      << moe_last_error();
  std::vector<double> actual, expected;
  for (int64_t row = 0; row < m_sum; ++row) {
    if (group_of_row[row] < 0) {
      for (int64_t j = 0; j < n; ++j) ASSERT_EQ(d[row * n + j], 0.0f) << "padding row " << row;
      continue;
    }
    const auto reference = ReferenceRow(a, row, g, group_of_row[row]);
    expected.insert(expected.end(), reference.begin(), reference.end());
    actual.insert(actual.end(), d.begin() + row * n, d.begin() + (row + 1) * n);
  }
  EXPECT_LT(moe_test::CalcDiff(actual, expected), 1e-6);
}

TEST(GroupedGemm, ContiguousLayoutRejectsMisalignedSegmentsAndUnknownGroups) {
  const Groups g = MakeGroups(2, 128, 128);
  const auto a = moe_test::QuantizePerToken(moe_test::RandomFloats(256 * 128, 51), 256, 128);
  std::vector<float> d(256 * 128);
  std::vector<int32_t> mixed(256, 0);
  for (int i = 100; i < 256; ++i) mixed[i] = 1;  // group 1 starts at row 100, inside the first block
  EXPECT_EQ(moe_fp8_grouped_gemm_contiguous(a.codes.data(), a.scales.data(), g.b_codes.data(), g.b_scales.data(),
                                            mixed.data(), 256, 2, 128, 128, d.data(), MOE_DTYPE_F32),
            MOE_ERR_ALIGNMENT);
  EXPECT_NE(std::string(moe_last_error()).find("mix groups 0 and 1"), std::string::npos) << moe_last_error();
  std::vector<int32_t> unknown(256, 0);
  unknown[3] = 2;
  EXPECT_EQ(moe_fp8_grouped_gemm_contiguous(a.codes.data(), a.scales.data(), g.b_codes.data(), g.b_scales.data(),
                                            unknown.data(), 256, 2, 128, 128, d.data(), MOE_DTYPE_F32),
            MOE_ERR_INDEX);
  EXPECT_NE(std::string(moe_last_error()).find("group_of_row[3] is 2"), std::string::npos) << moe_last_error();
  EXPECT_EQ(moe_fp8_grouped_gemm_contiguous(a.codes.data(), a.scales.data(), g.b_codes.data(), g.b_scales.data(),
                                            unknown.data(), 200, 2, 128, 128, d.data(), MOE_DTYPE_F32),
            MOE_ERR_ALIGNMENT);
  EXPECT_NE(std::string(moe_last_error()).find("m_sum must be a multiple of 128"), std::string::npos);
}

TEST(GroupedGemm, MaskedLayoutComputesValidRowsAndZeroesTheRest) {
  const int64_t groups = 3, m_max = 64, n = 256, k = 384;
  const Groups g = MakeGroups(groups, n, k);
  const std::vector<int32_t> masked_m = {64, 0, 17};
  const auto a = moe_test::QuantizePerToken(moe_test::RandomFloats(static_cast<size_t>(groups * m_max * k), 60),
                                            groups * m_max, k);
  std::vector<uint16_t> d(static_cast<size_t>(groups * m_max * n), 0xFFFF);
  ASSERT_EQ(moe_fp8_grouped_gemm_masked(a.codes.data(), a.scales.data(), g.b_codes.data(), g.b_scales.data(),
                                        masked_m.data(), groups, m_max, n, k, d.data(), MOE_DTYPE_BF16),
            MOE_OK)
      << moe_last_error();
  std::vector<double> actual, expected;
  for (int64_t group = 0; group < groups; ++group) {
    for (int64_t i = 0; i < m_max; ++i) {
      const int64_t row = group * m_max + i;
      if (i >= masked_m[group]) {
        for (int64_t j = 0; j < n; ++j) ASSERT_EQ(d[row * n + j], 0) << "masked row " << row;
        continue;
      }
      const auto reference = ReferenceRow(a, row, g, group);
      expected.insert(expected.end(), reference.begin(), reference.end());
      for (int64_t j = 0; j < n; ++j) {
        const uint32_t wide = static_cast<uint32_t>(d[row * n + j]) << 16;
        float value;
        std::memcpy(&value, &wide, sizeof(value));
        actual.push_back(value);
      }
    }
  }
  EXPECT_LT(moe_test::CalcDiff(actual, expected), 1e-3);
  const std::vector<int32_t> too_many = {65, 0, 0};
  EXPECT_EQ(moe_fp8_grouped_gemm_masked(a.codes.data(), a.scales.data(), g.b_codes.data(), g.b_scales.data(),
                                        too_many.data(), groups, m_max, n, k, d.data(), MOE_DTYPE_BF16),
            MOE_ERR_INDEX);
  EXPECT_NE(std::string(moe_last_error()).find("masked_m[0] is 65"), std::string::npos);
}

}  // namespace
