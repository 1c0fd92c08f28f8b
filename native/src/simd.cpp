// Picks the inner-loop implementation once, at first use: the widest the processor runs, capped by MOE_CPU_PATH.
#include "simd.h"

#include <cstdlib>
#include <cstring>

#include "moe_status.h"

namespace moe {

const SimdKernels& Cpu() {
  // A pointer, not a reference: GCC 13 mistakes a reference bound to a lambda's result for a dangling temporary.
  static const SimdKernels* const chosen = []() -> const SimdKernels* {
    // A cap, not a demand: "avx2" on a machine without AVX2 still runs, on the scalar loops (moe_cpu_path says so).
    // "avx512" keeps the float32 AVX-512 GEMM where the bfloat16 one would run.
    const char* cap = std::getenv("MOE_CPU_PATH");
    const auto capped = [cap](const char* name) { return cap != nullptr && std::strcmp(cap, name) == 0; };
    if (capped("scalar")) return &ScalarKernels();
    if (!capped("avx2")) {
      if (!capped("avx512")) {
        if (const SimdKernels* widest = Avx512Bf16Kernels()) return widest;
      }
      if (const SimdKernels* avx512 = Avx512Kernels()) return avx512;
    }
    const SimdKernels* avx2 = Avx2Kernels();
    return avx2 != nullptr ? avx2 : &ScalarKernels();
  }();
  return *chosen;
}

}  // namespace moe

extern "C" const char* moe_cpu_path(void) { return moe::Cpu().name; }
