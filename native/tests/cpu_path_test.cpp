// The path the library picks is the widest the processor runs (so the ".fast" tests exercise it), and
// MOE_CPU_PATH caps it (so the other suffixes exercise the narrower ones).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "moe_kernels.h"

namespace {

std::string Widest() {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  if (avx512 && __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vbmi")) return "avx512_bf16";
  if (avx512) return "avx512";
  return avx2 ? "avx2+fma" : "scalar";
}

TEST(CpuPath, IsTheWidestTheProcessorRunsUnderTheCap) {
  const char* cap = std::getenv("MOE_CPU_PATH");
  const std::string widest = Widest(), chosen = moe_cpu_path();
  if (cap == nullptr) {
    EXPECT_EQ(chosen, widest);
  } else if (std::string(cap) == "scalar") {
    EXPECT_EQ(chosen, "scalar");
  } else if (std::string(cap) == "avx2") {
    EXPECT_EQ(chosen, widest == "scalar" ? "scalar" : "avx2+fma");
  } else if (std::string(cap) == "avx512") {
    EXPECT_EQ(chosen, widest == "avx512_bf16" ? "avx512" : widest);
  } else {
    FAIL() << "unknown MOE_CPU_PATH " << cap;
  }
}

}  // namespace
