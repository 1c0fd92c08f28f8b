#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "moe_kernels.h"
#include "reference.h"

namespace {

struct Shape {
  int64_t rows, k;
};

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.rows << "x" << s.k; }

class QuantizeTest : public ::testing::TestWithParam<Shape> {};

TEST_P(QuantizeTest, PerTokenMatchesDeepGemmsDefinitionExactly) {
  const auto [m, k] = GetParam();
  auto x = moe_test::RandomFloats(static_cast<size_t>(m * k), 11, 3.0f);
  x[0] = 0.0f;
  const auto expected = moe_test::QuantizePerToken(x, m, k);
  std::vector<uint8_t> codes(x.size());
  std::vector<float> scales(static_cast<size_t>(m * k / 128));
  ASSERT_EQ(moe_fp8_quantize_per_token(x.data(), m, k, codes.data(), scales.data()), MOE_OK) << moe_last_error();
  EXPECT_EQ(codes, expected.codes);
  EXPECT_EQ(scales, expected.scales);

  std::vector<float> back(x.size());
  ASSERT_EQ(moe_fp8_dequantize_per_token(codes.data(), scales.data(), m, k, back.data()), MOE_OK);
  for (size_t i = 0; i < x.size(); ++i) {
    const double exact = moe_test::E4m3Value(codes[i]) * scales[i / 128];
    ASSERT_EQ(back[i], static_cast<float>(exact)) << "element " << i;
    // e4m3 keeps 3 mantissa bits: half a step is 1/16 of the value, and the block's amax bounds the subnormals.
    ASSERT_LE(std::fabs(back[i] - x[i]), std::fabs(x[i]) / 16 + scales[i / 128] / 512 * 1.01) << "element " << i;
  }
}

TEST_P(QuantizeTest, PerBlockMatchesDeepGemmsDefinitionExactly) {
  const auto [n, k] = GetParam();
  const auto w = moe_test::RandomFloats(static_cast<size_t>(n * k), 12, 0.02f);
  const auto expected = moe_test::QuantizePerBlock(w, n, k);
  std::vector<uint8_t> codes(w.size());
  std::vector<float> scales(static_cast<size_t>((n + 127) / 128 * (k / 128)));
  ASSERT_EQ(moe_fp8_quantize_per_block(w.data(), n, k, codes.data(), scales.data()), MOE_OK) << moe_last_error();
  EXPECT_EQ(codes, expected.codes);
  EXPECT_EQ(scales, expected.scales);

  std::vector<float> back(w.size());
  ASSERT_EQ(moe_fp8_dequantize_per_block(codes.data(), scales.data(), n, k, back.data()), MOE_OK);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < k; ++c) {
      const double exact = moe_test::E4m3Value(codes[r * k + c]) * scales[(r / 128) * (k / 128) + c / 128];
      ASSERT_EQ(back[r * k + c], static_cast<float>(exact));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, QuantizeTest,
                         ::testing::Values(Shape{1, 128}, Shape{3, 256}, Shape{130, 384}, Shape{257, 128}));

TEST(Quantize, ConstantZeroBlocksUseTheAmaxFloor) {
  std::vector<float> x(256, 0.0f);
  std::vector<uint8_t> codes(256, 0xFF);
  std::vector<float> scales(2);
  ASSERT_EQ(moe_fp8_quantize_per_token(x.data(), 1, 256, codes.data(), scales.data()), MOE_OK);
  EXPECT_FLOAT_EQ(scales[0], 1e-4f / 448.0f);
  for (const uint8_t code : codes) EXPECT_EQ(code, 0);
}

TEST(Quantize, RejectsAKThatIsNotAMultipleOf128AndNamesIt) {
  std::vector<float> x(200);
  std::vector<uint8_t> codes(200);
  std::vector<float> scales(2);
  EXPECT_EQ(moe_fp8_quantize_per_token(x.data(), 1, 200, codes.data(), scales.data()), MOE_ERR_ALIGNMENT);
  const std::string message = moe_last_error();
  EXPECT_NE(message.find("k must be a multiple of 128"), std::string::npos) << message;
  EXPECT_NE(message.find("256"), std::string::npos) << message;
  EXPECT_EQ(moe_fp8_quantize_per_block(x.data(), 0, 128, codes.data(), scales.data()), MOE_ERR_SHAPE);
  EXPECT_EQ(moe_fp8_quantize_per_block(nullptr, 1, 128, codes.data(), scales.data()), MOE_ERR_NULL_POINTER);
}

}  // namespace
