// Seeded normal floats: the inputs both benchmark binaries quantise.
#ifndef MOE_BENCH_RANDOM_FLOATS_H_
#define MOE_BENCH_RANDOM_FLOATS_H_

#include <cstdint>
#include <random>
#include <vector>

inline std::vector<float> Random(size_t count, uint32_t seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(count);
  for (auto& value : values) value = normal(generator);
  return values;
}

#endif  // MOE_BENCH_RANDOM_FLOATS_H_
