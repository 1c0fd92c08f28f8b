#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "moe_kernels.h"
#include "reference.h"

namespace {

using moe_test::E4m3Value;
using moe_test::NearestE4m3;

TEST(E4m3, DecodesAll256CodesExactlyAsTheTable) {
  for (int code = 0; code < 256; ++code) {
    const double expected = E4m3Value(static_cast<uint8_t>(code));
    const float actual = moe_e4m3_to_float(static_cast<uint8_t>(code));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(actual)) << "code " << code;
    } else {
      EXPECT_EQ(static_cast<double>(actual), expected) << "code " << code;
      EXPECT_EQ(std::signbit(actual), (code & 0x80) != 0) << "code " << code;
    }
  }
}

TEST(E4m3, EncodingEveryRepresentableValueGivesItsCode) {
  for (int code = 0; code < 256; ++code) {
    if ((code & 0x7F) == 0x7F) continue;
    EXPECT_EQ(moe_float_to_e4m3(static_cast<float>(E4m3Value(static_cast<uint8_t>(code)))), code) << "code " << code;
  }
}

TEST(E4m3, MidpointsRoundToTheEvenCodeAndNeighboursToTheNearest) {
  for (int code = 0; code < 0x7E; ++code) {
    const double low = E4m3Value(static_cast<uint8_t>(code)), high = E4m3Value(static_cast<uint8_t>(code + 1));
    const float mid = static_cast<float>((low + high) / 2);
    const int even = (code % 2 == 0) ? code : code + 1;
    EXPECT_EQ(moe_float_to_e4m3(mid), even) << "between codes " << code << " and " << code + 1;
    EXPECT_EQ(moe_float_to_e4m3(std::nextafter(mid, -1.0f)), code) << "just below the midpoint after " << code;
    EXPECT_EQ(moe_float_to_e4m3(std::nextafter(mid, 1000.0f)), code + 1) << "just above the midpoint after " << code;
    EXPECT_EQ(moe_float_to_e4m3(-mid), 0x80 | even) << "negative midpoint after " << code;
  }
}

TEST(E4m3, SaturatesBeyond448AndKeepsNan) {
  EXPECT_EQ(moe_float_to_e4m3(448.0f), 0x7E);
  EXPECT_EQ(moe_float_to_e4m3(463.9f), 0x7E);
  EXPECT_EQ(moe_float_to_e4m3(480.0f), 0x7E);
  EXPECT_EQ(moe_float_to_e4m3(1e30f), 0x7E);
  EXPECT_EQ(moe_float_to_e4m3(-1e30f), 0xFE);
  EXPECT_EQ(moe_float_to_e4m3(std::numeric_limits<float>::infinity()), 0x7E);
  EXPECT_EQ(moe_float_to_e4m3(-std::numeric_limits<float>::infinity()), 0xFE);
  EXPECT_EQ(moe_float_to_e4m3(std::numeric_limits<float>::quiet_NaN()) & 0x7F, 0x7F);
  EXPECT_EQ(moe_float_to_e4m3(-0.0f), 0x80);
  EXPECT_EQ(moe_float_to_e4m3(1e-30f), 0x00);
}

TEST(E4m3, RandomValuesMatchATableSearch) {
  const auto values = moe_test::RandomFloats(20000, 7, 100.0f);
  for (const float value : values) {
    ASSERT_EQ(moe_float_to_e4m3(value), NearestE4m3(value)) << "value " << value;
    const float tiny = value * 1e-4f;  // the subnormal range
    ASSERT_EQ(moe_float_to_e4m3(tiny), NearestE4m3(tiny)) << "value " << tiny;
  }
}

TEST(E4m3, BulkDecodeAndEncodeAgreeWithTheScalarCalls) {
  std::vector<uint8_t> codes(256);
  for (int i = 0; i < 256; ++i) codes[i] = static_cast<uint8_t>(i);
  std::vector<float> values(256);
  ASSERT_EQ(moe_e4m3_decode(codes.data(), 256, values.data()), MOE_OK);
  std::vector<uint8_t> again(256);
  ASSERT_EQ(moe_e4m3_encode(values.data(), 256, again.data()), MOE_OK);
  for (int i = 0; i < 256; ++i) {
    if ((i & 0x7F) == 0x7F) continue;
    EXPECT_EQ(again[i], i);
  }
  EXPECT_EQ(moe_e4m3_decode(nullptr, 4, values.data()), MOE_ERR_NULL_POINTER);
  EXPECT_NE(std::string(moe_last_error()).find("codes"), std::string::npos);
}

}  // namespace
