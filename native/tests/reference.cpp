#include "reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe_test {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// Magnitudes of codes 0x00..0x7F, row by row of the OCP FP8 e4m3 table (exponent field 0..15, mantissa 0..7).
constexpr double kMagnitudes[128] = {
    0.0,         0.001953125, 0.00390625,  0.005859375, 0.0078125,   0.009765625, 0.01171875,  0.013671875, 0.015625,
    0.017578125, 0.01953125,  0.021484375, 0.0234375,   0.025390625, 0.02734375,  0.029296875, 0.03125,     0.03515625,
    0.0390625,   0.04296875,  0.046875,    0.05078125,  0.0546875,   0.05859375,  0.0625,      0.0703125,   0.078125,
    0.0859375,   0.09375,     0.1015625,   0.109375,    0.1171875,   0.125,       0.140625,    0.15625,     0.171875,
    0.1875,      0.203125,    0.21875,     0.234375,    0.25,        0.28125,     0.3125,      0.34375,     0.375,
    0.40625,     0.4375,      0.46875,     0.5,         0.5625,      0.625,       0.6875,      0.75,        0.8125,
    0.875,       0.9375,      1.0,         1.125,       1.25,        1.375,       1.5,         1.625,       1.75,
    1.875,       2.0,         2.25,        2.5,         2.75,        3.0,         3.25,        3.5,         3.75,
    4.0,         4.5,         5.0,         5.5,         6.0,         6.5,         7.0,         7.5,         8.0,
    9.0,         10.0,        11.0,        12.0,        13.0,        14.0,        15.0,        16.0,        18.0,
    20.0,        22.0,        24.0,        26.0,        28.0,        30.0,        32.0,        36.0,        40.0,
    44.0,        48.0,        52.0,        56.0,        60.0,        64.0,        72.0,        80.0,        88.0,
    96.0,        104.0,       112.0,       120.0,       128.0,       144.0,       160.0,       176.0,       192.0,
    208.0,       224.0,       240.0,       256.0,       288.0,       320.0,       352.0,       384.0,       416.0,
    448.0,       kNan};

}  // namespace

double E4m3Value(uint8_t code) {
  const double magnitude = kMagnitudes[code & 0x7F];
  return (code & 0x80) ? -magnitude : magnitude;
}

uint8_t NearestE4m3(double value) {
  const uint8_t sign = std::signbit(value) ? 0x80 : 0x00;
  if (std::isnan(value)) return sign | 0x7F;
  const double magnitude = std::fabs(value);
  if (std::isinf(magnitude)) return sign | 0x7E;
  uint8_t best = 0;
  for (uint8_t code = 1; code < 0x7F; ++code) {
    const double distance = std::fabs(kMagnitudes[code] - magnitude);
    const double best_distance = std::fabs(kMagnitudes[best] - magnitude);
    if (distance < best_distance || (distance == best_distance && (code & 1) == 0)) best = code;
  }
  return sign | best;
}

double CalcDiff(const std::vector<double>& x, const std::vector<double>& y) {
  double cross = 0, squares = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    cross += (x[i] + 1) * (y[i] + 1);
    squares += (x[i] + 1) * (x[i] + 1) + (y[i] + 1) * (y[i] + 1);
  }
  return 1 - 2 * cross / squares;
}

double CosineDiff(const std::vector<double>& x, const std::vector<double>& y) {
  double cross = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    cross += x[i] * y[i];
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  return 1 - cross / std::sqrt(xx * yy);
}

std::vector<float> RandomFloats(size_t count, uint32_t seed, float scale) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> values(count);
  for (auto& value : values) value = normal(generator);
  return values;
}

namespace {

Quantized Quantize(const std::vector<float>& x, int64_t rows, int64_t k, int64_t block_rows) {
  Quantized q{std::vector<uint8_t>(x.size()), {}};
  const int64_t col_blocks = k / 128;
  for (int64_t row0 = 0; row0 < rows; row0 += block_rows) {
    const int64_t row1 = std::min(rows, row0 + block_rows);
    for (int64_t cb = 0; cb < col_blocks; ++cb) {
      float amax = 0;
      for (int64_t r = row0; r < row1; ++r) {
        for (int64_t c = cb * 128; c < cb * 128 + 128; ++c) amax = std::max(amax, std::fabs(x[r * k + c]));
      }
      amax = std::max(amax, 1e-4f);
      q.scales.push_back(amax / 448.0f);
      const float multiplier = 448.0f / amax;
      for (int64_t r = row0; r < row1; ++r) {
        for (int64_t c = cb * 128; c < cb * 128 + 128; ++c) q.codes[r * k + c] = NearestE4m3(x[r * k + c] * multiplier);
      }
    }
  }
  return q;
}

}  // namespace

Quantized QuantizePerToken(const std::vector<float>& x, int64_t m, int64_t k) { return Quantize(x, m, k, 1); }

Quantized QuantizePerBlock(const std::vector<float>& w, int64_t n, int64_t k) { return Quantize(w, n, k, 128); }

std::vector<double> ReferenceGemm(const Quantized& a, int64_t m, const Quantized& b, int64_t n, int64_t k) {
  const int64_t kb = k / 128;
  std::vector<double> d(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t c = 0; c < k; ++c) {
        sum += E4m3Value(a.codes[i * k + c]) * a.scales[i * kb + c / 128] * E4m3Value(b.codes[j * k + c]) *
               b.scales[(j / 128) * kb + c / 128];
      }
      d[static_cast<size_t>(i * n + j)] = sum;
    }
  }
  return d;
}

}  // namespace moe_test
