// Scalar e4m3 and bf16 conversions, exact by construction: they follow the bit layout rather than a table, so
// the table in the tests is an independent check.
#ifndef MOE_SRC_E4M3_H_
#define MOE_SRC_E4M3_H_

#include <cmath>
#include <cstdint>
#include <cstring>

namespace moe {

constexpr float kE4m3Max = 448.0f;
constexpr uint8_t kE4m3MaxCode = 0x7E;
constexpr uint8_t kE4m3NanCode = 0x7F;

inline float E4m3ToFloat(uint8_t code) {
  const int sign = code >> 7;
  const int exponent = (code >> 3) & 0xF;
  const int mantissa = code & 0x7;
  float magnitude;
  if (exponent == 0xF && mantissa == 0x7) {
    magnitude = NAN;
  } else if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -9);  // subnormal: m * 2^-9
  } else {
    magnitude = std::ldexp(1.0f + static_cast<float>(mantissa) / 8.0f, exponent - 7);
  }
  return sign ? -magnitude : magnitude;
}

// Round to nearest even, saturating to +-448 (infinities included); NaN keeps its sign.
inline uint8_t FloatToE4m3(float value) {
  const uint8_t sign = std::signbit(value) ? 0x80 : 0x00;
  if (std::isnan(value)) return sign | kE4m3NanCode;
  const float magnitude = std::fabs(value);
  if (magnitude >= kE4m3Max) return sign | kE4m3MaxCode;
  if (magnitude < 0.015625f) {  // below the smallest normal, 2^-6: multiples of 2^-9, and 8 * 2^-9 is code 0x08
    return sign | static_cast<uint8_t>(std::nearbyint(magnitude * 512.0f));
  }
  int exponent;
  std::frexp(magnitude, &exponent);  // magnitude = f * 2^exponent, f in [0.5, 1)
  const int unbiased = exponent - 1;
  int steps = static_cast<int>(std::nearbyint(std::ldexp(magnitude, 3 - unbiased)));  // in [8, 16]
  int biased = unbiased + 7;
  if (steps == 16) {
    steps = 8;
    ++biased;
  }
  const int code = (biased << 3) | (steps - 8);
  return sign | static_cast<uint8_t>(code > kE4m3MaxCode ? kE4m3MaxCode : code);
}

inline uint16_t FloatToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (std::isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x40);  // keep it a quiet NaN
  bits += 0x7FFF + ((bits >> 16) & 1);                                       // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

}  // namespace moe

#endif  // MOE_SRC_E4M3_H_
