// e4m3fn's NaN codes (0x7F, 0xFF) on whichever CPU path this run uses (ctest runs every test on the fast, AVX2 and
// scalar paths): decoding gives exactly the bits of the format's definition, and a NaN operand makes exactly the
// outputs it touches NaN in every GEMM. Codes from the library's own quantiser are never NaN, so these inputs are
// written by hand, as a caller holding codes from PyTorch's float8_e4m3fn (NaN on overflow) would pass them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "moe_kernels.h"
#include "reference.h"

namespace {

uint32_t Bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

// The float32 bits of code * scale by the format's definition: the table's value, or the quiet NaN with the code's
// sign (the scalar path's bits; every path must give the same).
uint32_t ExpectedBits(uint8_t code, float scale) {
  const double value = moe_test::E4m3Value(code);
  if (std::isnan(value)) return (code & 0x80) ? 0xFFC00000u : 0x7FC00000u;
  return Bits(static_cast<float>(value) * scale);
}

std::vector<uint8_t> AllCodesTwice() {
  std::vector<uint8_t> codes(512);
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<uint8_t>(i % 256);
  return codes;
}

TEST(NanCodes, DequantizeGivesTheDefinitionsBitsForAll256Codes) {
  // Two rows of 256 codes; the scales differ per 128 columns, so every code meets a scale other than 1.
  const auto codes = AllCodesTwice();
  const std::vector<float> token_scales = {1.0f, 0.125f, 3.0f, 1.0f / 448.0f};
  std::vector<float> x(codes.size());
  ASSERT_EQ(moe_fp8_dequantize_per_token(codes.data(), token_scales.data(), 2, 256, x.data()), MOE_OK) << moe_last_error();
  for (size_t i = 0; i < codes.size(); ++i) {
    const float scale = token_scales[i / 128];
    ASSERT_EQ(Bits(x[i]), ExpectedBits(codes[i], scale)) << "code " << static_cast<int>(codes[i]) << " scale " << scale;
  }

  const std::vector<float> block_scales = {0.5f, 2.0f};
  ASSERT_EQ(moe_fp8_dequantize_per_block(codes.data(), block_scales.data(), 2, 256, x.data()), MOE_OK) << moe_last_error();
  for (size_t i = 0; i < codes.size(); ++i) {
    ASSERT_EQ(Bits(x[i]), ExpectedBits(codes[i], block_scales[(i % 256) / 128])) << "code " << static_cast<int>(codes[i]);
  }

  // The unscaled bulk decode agrees too.
  std::vector<float> values(256);
  ASSERT_EQ(moe_e4m3_decode(codes.data(), 256, values.data()), MOE_OK);
  for (int code = 0; code < 256; ++code) ASSERT_EQ(Bits(values[code]), ExpectedBits(static_cast<uint8_t>(code), 1.0f));
}

struct Operands {
  moe_test::Quantized a, b;
};

// Random finite operands with NaN codes planted in row nan_a_row of A and row nan_b_row of B (one +NaN, one -NaN).
Operands WithNanCodes(int64_t m, int64_t n, int64_t k, int64_t nan_a_row, int64_t nan_b_row) {
  Operands o{moe_test::QuantizePerToken(moe_test::RandomFloats(static_cast<size_t>(m * k), 31, 2.0f), m, k),
             moe_test::QuantizePerBlock(moe_test::RandomFloats(static_cast<size_t>(n * k), 32, 0.05f), n, k)};
  o.a.codes[static_cast<size_t>(nan_a_row * k + k - 1)] = 0x7F;
  o.b.codes[static_cast<size_t>(nan_b_row * k + 5)] = 0xFF;
  return o;
}

// Every element of D [rows, n] is NaN exactly where its row is nan_row or its column is nan_col.
void ExpectNanExactlyWhereTouched(const std::vector<float>& d, int64_t rows, int64_t n, int64_t nan_row, int64_t nan_col) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const bool touched = i == nan_row || j == nan_col;
      ASSERT_EQ(std::isnan(d[static_cast<size_t>(i * n + j)]), touched) << "row " << i << " column " << j;
    }
  }
}

class NanGemmTest : public ::testing::TestWithParam<int64_t> {};

// Few rows decode B in registers, many pack it: both must carry the NaN.
TEST_P(NanGemmTest, DenseGemmMakesTheRowAndColumnOfANanCodeNan) {
  const int64_t m = GetParam(), n = 150, k = 256;
  const auto o = WithNanCodes(m, n, k, m / 2, 37);
  std::vector<float> d(static_cast<size_t>(m * n));
  ASSERT_EQ(moe_fp8_gemm_nt(o.a.codes.data(), o.a.scales.data(), o.b.codes.data(), o.b.scales.data(), m, n, k, d.data(),
                            MOE_DTYPE_F32),
            MOE_OK)
      << moe_last_error();
  ExpectNanExactlyWhereTouched(d, m, n, m / 2, 37);
}

TEST_P(NanGemmTest, ContiguousGroupedGemmMakesTheRowAndColumnOfANanCodeNan) {
  const int64_t m = 256, n = 150, k = 128, groups = 2;
  const int64_t nan_row = GetParam() % m;
  // A's NaN in row nan_row; B stacked [groups, n, k], each group quantised on its own, the NaN in group 1's row 37.
  const auto o = WithNanCodes(m, n, k, nan_row, 0);
  std::vector<uint8_t> b_codes;
  std::vector<float> b_scales;
  for (int64_t g = 0; g < groups; ++g) {
    const auto q = moe_test::QuantizePerBlock(moe_test::RandomFloats(static_cast<size_t>(n * k), 40 + g, 0.05f), n, k);
    b_codes.insert(b_codes.end(), q.codes.begin(), q.codes.end());
    b_scales.insert(b_scales.end(), q.scales.begin(), q.scales.end());
  }
  b_codes[static_cast<size_t>((n + 37) * k + 5)] = 0xFF;
  // Every row multiplies group 1; group 0 (no NaN) is the one no row uses.
  const std::vector<int32_t> group_of_row(static_cast<size_t>(m), 1);
  std::vector<float> d(static_cast<size_t>(m * n));
  ASSERT_EQ(moe_fp8_grouped_gemm_contiguous(o.a.codes.data(), o.a.scales.data(), b_codes.data(), b_scales.data(),
                                            group_of_row.data(), m, groups, n, k, d.data(), MOE_DTYPE_F32),
            MOE_OK)
      << moe_last_error();
  ExpectNanExactlyWhereTouched(d, m, n, nan_row, 37);
}

TEST_P(NanGemmTest, MaskedGroupedGemmMakesTheRowAndColumnOfANanCodeNan) {
  const int64_t m_max = GetParam(), n = 150, k = 128;
  // One group: A [1, m_max, k], every row valid.
  const auto o = WithNanCodes(m_max, n, k, m_max - 1, 37);
  const std::vector<int32_t> masked_m = {static_cast<int32_t>(m_max)};
  std::vector<float> d(static_cast<size_t>(m_max * n));
  ASSERT_EQ(moe_fp8_grouped_gemm_masked(o.a.codes.data(), o.a.scales.data(), o.b.codes.data(), o.b.scales.data(),
                                        masked_m.data(), 1, m_max, n, k, d.data(), MOE_DTYPE_F32),
            MOE_OK)
      << moe_last_error();
  ExpectNanExactlyWhereTouched(d, m_max, n, m_max - 1, 37);
}

INSTANTIATE_TEST_SUITE_P(Rows, NanGemmTest, ::testing::Values(1, 5, 23, 40, 130));

}  // namespace
