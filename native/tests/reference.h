// Independent float64 references for the kernel tests: nothing here calls the library, so a test compares two
// separate computations of the same definition.
#ifndef MOE_TESTS_REFERENCE_H_
#define MOE_TESTS_REFERENCE_H_

#include <cstdint>
#include <random>
#include <vector>

namespace moe_test {

// The e4m3fn value of a code, from the format's table of all 128 magnitudes (NaN for 0x7F and 0xFF).
double E4m3Value(uint8_t code);

// The code nearest to value by searching the table: ties go to the even code (mantissa LSB 0), magnitudes beyond
// 448 saturate, NaN maps to a NaN code with value's sign.
uint8_t NearestE4m3(double value);

// DeepGEMM's accuracy metric: 1 - 2 * sum(x * y) / sum(x * x + y * y).
double CalcDiff(const std::vector<double>& x, const std::vector<double>& y);

// 1 - cosine similarity, FlashMLA's metric.
double CosineDiff(const std::vector<double>& x, const std::vector<double>& y);

std::vector<float> RandomFloats(size_t count, uint32_t seed, float scale = 1.0f);

struct Quantized {
  std::vector<uint8_t> codes;
  std::vector<float> scales;
};

// DeepGEMM's quantisation written out in the test: amax per 128-wide block of a row (per_token) or per 128x128 block
// (per_block), scale = max(amax, 1e-4) / 448, code = nearest(x * (448 / amax)) with the multiplier in float32 as
// DeepGEMM computes it.
Quantized QuantizePerToken(const std::vector<float>& x, int64_t m, int64_t k);
Quantized QuantizePerBlock(const std::vector<float>& w, int64_t n, int64_t k);

// D[m, n] = sum_k A[m, k] * B[n, k] of the dequantised operands, in float64.
std::vector<double> ReferenceGemm(const Quantized& a, int64_t m, const Quantized& b, int64_t n, int64_t k);

}  // namespace moe_test

#endif  // MOE_TESTS_REFERENCE_H_
