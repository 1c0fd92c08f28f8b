// How both FP8 GEMM blockings (gemm_core.cpp on float32, gemm_bf16.cpp on bfloat16 dot products) cut the work: a
// task owns a block of up to 192 rows of A and a group of 128-row panels of B (one row of B scales each), so threads
// never write the same output; and how long a slice of K a few rows of A take into the decoded-A buffer.
#ifndef MOE_SRC_GEMM_TASKS_H_
#define MOE_SRC_GEMM_TASKS_H_

#include <algorithm>
#include <cstdint>

#include "moe_fp8.h"
#include "parallel.h"

namespace moe {

constexpr int64_t kGemmPanelRows = MOE_FP8_BLOCK;  // rows of B per panel, one row of B scales
constexpr int64_t kGemmRowBlock = 192;             // rows of A per pass over a panel

struct GemmTask {
  int64_t first_row, rows;         // of A (and of the output)
  int64_t first_panel, end_panel;  // of B, 128 rows each
};

class GemmTasks {
 public:
  GemmTasks(int64_t m, int64_t n)
      : m_(m),
        panels_((n + kGemmPanelRows - 1) / kGemmPanelRows),
        row_blocks_((m + kGemmRowBlock - 1) / kGemmRowBlock),
        // Enough tasks to keep every thread busy: decode shapes (one row block) split over panels alone.
        panel_groups_(std::min(panels_, std::max<int64_t>(1, (4 * Threads() + row_blocks_ - 1) / row_blocks_))),
        panels_per_group_((panels_ + panel_groups_ - 1) / panel_groups_) {}

  int64_t count() const { return row_blocks_ * panel_groups_; }

  GemmTask operator[](int64_t task) const {
    const int64_t first_row = task / panel_groups_ * kGemmRowBlock;
    const int64_t first_panel = task % panel_groups_ * panels_per_group_;
    return {first_row, std::min(kGemmRowBlock, m_ - first_row), first_panel,
            std::min(panels_, first_panel + panels_per_group_)};
  }

 private:
  int64_t m_, panels_, row_blocks_, panel_groups_, panels_per_group_;
};

// The longest slice of K (a multiple of 128, at least 128) whose decoded rows of A fit a buffer of `capacity` values,
// each row `line_pad` values longer than the slice.
inline int64_t SliceDepthFitting(int64_t capacity, int64_t line_pad, int64_t rows, int64_t k) {
  const int64_t fits = (capacity / rows - line_pad) / MOE_FP8_BLOCK * MOE_FP8_BLOCK;
  return std::max<int64_t>(MOE_FP8_BLOCK, std::min(k, fits));
}

}  // namespace moe

#endif  // MOE_SRC_GEMM_TASKS_H_
