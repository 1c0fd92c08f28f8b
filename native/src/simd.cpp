// Picks the inner-loop implementation once, at first use.
#include "simd.h"

#include <cstdlib>
#include <cstring>

#include "moe_status.h"

namespace moe {

const SimdKernels& Cpu() {
  static const SimdKernels& chosen = []() -> const SimdKernels& {
    const char* forced = std::getenv("MOE_CPU_PATH");
    if (forced != nullptr && std::strcmp(forced, "scalar") == 0) return ScalarKernels();
    const SimdKernels* fast = Avx2Kernels();
    return fast != nullptr ? *fast : ScalarKernels();
  }();
  return chosen;
}

}  // namespace moe

extern "C" const char* moe_cpu_path(void) { return moe::Cpu().name; }
