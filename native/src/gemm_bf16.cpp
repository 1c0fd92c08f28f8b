// Blocking for the FP8 GEMM on bfloat16 dot products: tasks as gemm_tasks.h cuts them, but the codes stay codes:
// decoded to bfloat16 they take half the bytes of float32, so a pass covers 512 columns of K with the same cache
// footprint, and the scales go to the inner kernels, which apply them per 128 columns.
#include "gemm_bf16.h"

#include <algorithm>
#include <vector>

#include "gemm_tasks.h"
#include "moe_fp8.h"
#include "parallel.h"

namespace moe {
namespace {

constexpr int64_t kBlock = MOE_FP8_BLOCK;
constexpr int64_t kPanelDepth = 4 * kBlock;  // columns of K per pass
constexpr int64_t kLinePad = 32;             // bfloat16s in a cache line
constexpr int64_t kASliceValues = kGemmRowBlock * (kPanelDepth + kLinePad);

}  // namespace

void GemmFp8Bf16(const Bf16Gemm& kernels, const uint8_t* a, const float* a_scales, int64_t m, const uint8_t* b,
                 const float* b_scales, int64_t n, int64_t k, float* acc, int64_t ldc) {
  if (m == 0) return;
  const GemmTasks tasks(m, n);
  const int64_t k_blocks = k / kBlock;
  ParallelFor(tasks.count(), [&](int64_t index) {
    thread_local std::vector<uint16_t> a_slice;
    thread_local std::vector<uint32_t> b_panel;
    a_slice.resize(static_cast<size_t>(kASliceValues));
    b_panel.resize(static_cast<size_t>(kGemmPanelRows * kPanelDepth / 2));
    const GemmTask task = tasks[index];
    const int64_t m0 = task.first_row, block_rows = task.rows;
    const bool outer_product = block_rows >= kernels.pack_min_rows;
    const int64_t slice = outer_product ? kPanelDepth : SliceDepthFitting(kASliceValues, kLinePad, block_rows, k);
    // Rows of the A buffer one cache line more than a power of two apart, so they do not share L1 sets.
    const int64_t a_stride = slice + kLinePad;
    const float* block_a_scales = a_scales + m0 * k_blocks;
    for (int64_t k0 = 0; k0 < k; k0 += slice) {
      const int64_t depth = std::min(slice, k - k0);
      for (int64_t r = 0; r < block_rows; ++r)
        kernels.decode(a + (m0 + r) * k + k0, a_slice.data() + r * a_stride, depth);
      for (int64_t panel = task.first_panel; panel < task.end_panel; ++panel) {
        const int64_t row0 = panel * kGemmPanelRows;
        const int64_t rows = std::min(kGemmPanelRows, n - row0);
        const float* panel_scales = b_scales + panel * k_blocks + k0 / kBlock;
        float* c = acc + m0 * ldc + row0;
        if (outer_product) {
          kernels.pack_b(b + row0 * k + k0, k, rows, depth, b_panel.data());
          kernels.gemm_packed(a_slice.data(), a_stride, block_rows, block_a_scales + k0 / kBlock, k_blocks,
                              b_panel.data(), rows, depth, panel_scales, c, ldc);
        } else {
          kernels.dot_codes(a_slice.data(), a_stride, block_rows, block_a_scales + k0 / kBlock, k_blocks,
                            b + row0 * k + k0, k, rows, depth, panel_scales, c, ldc);
        }
      }
    }
  });
}

}  // namespace moe
