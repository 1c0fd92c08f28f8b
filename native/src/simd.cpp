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
    const char* cap = std::getenv("MOE_CPU_PATH");
    const bool scalar_only = cap != nullptr && std::strcmp(cap, "scalar") == 0;
    const bool avx2_at_most = cap != nullptr && std::strcmp(cap, "avx2") == 0;
    if (scalar_only) return &ScalarKernels();
    if (!avx2_at_most) {
      if (const SimdKernels* widest = Avx512Kernels()) return widest;
    }
    const SimdKernels* avx2 = Avx2Kernels();
    return avx2 != nullptr ? avx2 : &ScalarKernels();
  }();
  return *chosen;
}

}  // namespace moe

extern "C" const char* moe_cpu_path(void) { return moe::Cpu().name; }
