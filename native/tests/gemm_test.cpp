#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <ostream>
#include <string>
#include <thread>

#include "moe_kernels.h"
#include "reference.h"

namespace {

struct GemmShape {
  int64_t m, n, k;
};

std::ostream& operator<<(std::ostream& os, const GemmShape& s) {
  return os << "m" << s.m << "_n" << s.n << "_k" << s.k;
}

float Bf16(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

// Sum over k of |a| * |b|: the scale of the rounding error float32 accumulation may make.
std::vector<double> MagnitudeProduct(const moe_test::Quantized& a, int64_t m, const moe_test::Quantized& b, int64_t n,
                                     int64_t k) {
  moe_test::Quantized abs_a = a, abs_b = b;
  for (auto& code : abs_a.codes) code &= 0x7F;
  for (auto& code : abs_b.codes) code &= 0x7F;
  return moe_test::ReferenceGemm(abs_a, m, abs_b, n, k);
}

class GemmTest : public ::testing::TestWithParam<GemmShape> {};

TEST_P(GemmTest, MatchesTheFloat64ProductOfTheDequantisedInputs) {
  const auto [m, n, k] = GetParam();
  const auto a = moe_test::QuantizePerToken(moe_test::RandomFloats(static_cast<size_t>(m * k), 21, 2.0f), m, k);
  const auto b = moe_test::QuantizePerBlock(moe_test::RandomFloats(static_cast<size_t>(n * k), 22, 0.05f), n, k);
  const auto expected = moe_test::ReferenceGemm(a, m, b, n, k);
  const auto magnitude = MagnitudeProduct(a, m, b, n, k);

  std::vector<float> d(static_cast<size_t>(m * n), NAN);
  ASSERT_EQ(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, d.data(),
                            MOE_DTYPE_F32),
            MOE_OK)
      << moe_last_error();
  std::vector<double> actual(d.begin(), d.end());
  EXPECT_LT(moe_test::CalcDiff(actual, expected), 1e-3);
  for (size_t i = 0; i < d.size(); ++i) {
    ASSERT_NEAR(actual[i], expected[i], 1e-5 * magnitude[i] + 1e-30) << "element " << i;
  }

  std::vector<uint16_t> d16(static_cast<size_t>(m * n));
  ASSERT_EQ(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, d16.data(),
                            MOE_DTYPE_BF16),
            MOE_OK);
  for (size_t i = 0; i < d16.size(); ++i) {
    // bf16 keeps 8 significant bits: within half a step of the float result, plus the float's own error.
    const double value = Bf16(d16[i]);
    ASSERT_NEAR(value, expected[i], std::fabs(expected[i]) / 256 + 1e-5 * magnitude[i] + 1e-30) << "element " << i;
  }
}

// Shapes for every edge of the vector paths: a single row; few rows (B decoded in registers, in balanced row tiles:
// 17 = 8 + 9); many rows (B packed); last panels of B of 2, 1, 8 and 20 rows (a partial 16- and a partial 32-lane
// tile); k over several 128-blocks and slices.
INSTANTIATE_TEST_SUITE_P(Shapes, GemmTest,
                         ::testing::Values(GemmShape{1, 128, 128}, GemmShape{3, 200, 256}, GemmShape{7, 1000, 128},
                                           GemmShape{17, 148, 384}, GemmShape{64, 130, 640}, GemmShape{129, 257, 384},
                                           GemmShape{40, 148, 512}));

TEST(Gemm, RejectsBadShapesWithTheFieldNamed) {
  std::vector<uint8_t> a(256), b(256);
  std::vector<float> sa(2), sb(2), d(4);
  EXPECT_EQ(moe_fp8_gemm_nt(a.data(), sa.data(), b.data(), sb.data(), 1, 1, 100, d.data(), MOE_DTYPE_F32),
            MOE_ERR_ALIGNMENT);
  EXPECT_NE(std::string(moe_last_error()).find("k must be a multiple of 128"), std::string::npos);
  EXPECT_EQ(moe_fp8_gemm_nt(a.data(), sa.data(), b.data(), sb.data(), 0, 1, 128, d.data(), MOE_DTYPE_F32),
            MOE_ERR_SHAPE);
  EXPECT_NE(std::string(moe_last_error()).find("m must be positive"), std::string::npos);
  EXPECT_EQ(moe_fp8_gemm_nt(a.data(), nullptr, b.data(), sb.data(), 1, 1, 128, d.data(), MOE_DTYPE_F32),
            MOE_ERR_NULL_POINTER);
  EXPECT_NE(std::string(moe_last_error()).find("a_scales"), std::string::npos);
  EXPECT_EQ(moe_fp8_gemm_nt(a.data(), sa.data(), b.data(), sb.data(), 1, 1, 128, d.data(), static_cast<moe_dtype>(7)),
            MOE_ERR_UNSUPPORTED);
}

TEST(Gemm, GivesTheSameResultOnOneThreadAndOnMany) {
  const int64_t m = 5, n = 384, k = 512;
  const auto a = moe_test::QuantizePerToken(moe_test::RandomFloats(static_cast<size_t>(m * k), 31), m, k);
  const auto b = moe_test::QuantizePerBlock(moe_test::RandomFloats(static_cast<size_t>(n * k), 32), n, k);
  std::vector<float> many(static_cast<size_t>(m * n)), one(static_cast<size_t>(m * n));
  const int32_t threads = moe_get_num_threads();
  ASSERT_EQ(moe_set_num_threads(4), MOE_OK);
  ASSERT_EQ(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, many.data(),
                            MOE_DTYPE_F32),
            MOE_OK);
  ASSERT_EQ(moe_set_num_threads(1), MOE_OK);
  ASSERT_EQ(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, one.data(),
                            MOE_DTYPE_F32),
            MOE_OK);
  ASSERT_EQ(moe_set_num_threads(threads), MOE_OK);
  EXPECT_EQ(many, one);
  EXPECT_EQ(moe_set_num_threads(0), MOE_ERR_SHAPE);
}

TEST(Gemm, CallsFromSeveralThreadsAtOnceGiveEachTheSameResultAsAlone) {
  const int64_t m = 9, n = 256, k = 384;
  const auto a = moe_test::QuantizePerToken(moe_test::RandomFloats(static_cast<size_t>(m * k), 33), m, k);
  const auto b = moe_test::QuantizePerBlock(moe_test::RandomFloats(static_cast<size_t>(n * k), 34), n, k);
  std::vector<float> alone(static_cast<size_t>(m * n));
  ASSERT_EQ(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, alone.data(),
                            MOE_DTYPE_F32),
            MOE_OK);
  std::vector<std::vector<float>> results(4, std::vector<float>(static_cast<size_t>(m * n)));
  std::vector<moe_status> statuses(4, MOE_ERR_INTERNAL);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < results.size(); ++i) {
    callers.emplace_back([&, i] {
      for (int round = 0; round < 20; ++round) {
        statuses[i] = moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k,
                                      results[i].data(), MOE_DTYPE_F32);
        if (statuses[i] != MOE_OK || results[i] != alone) return;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(statuses[i], MOE_OK) << "caller " << i;
    EXPECT_EQ(results[i], alone) << "caller " << i;
  }
}

}  // namespace
