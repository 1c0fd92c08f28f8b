// Blocking for the FP8 GEMM on the float32 paths: tasks as gemm_tasks.h cuts them; both operands are decoded 256
// columns of K at a time, so FP8 bytes cross memory and float32 stays in cache.
#include "gemm_core.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "e4m3.h"
#include "gemm_bf16.h"
#include "gemm_tasks.h"
#include "moe_fp8.h"
#include "parallel.h"
#include "simd.h"

namespace moe {
namespace {

constexpr int64_t kBlock = MOE_FP8_BLOCK;
constexpr int64_t kPanelDepth = 2 * kBlock;  // columns of K decoded at once
constexpr int64_t kLinePad = 16;             // floats in a cache line
// The decoded A buffer: a row block by a panel's depth, or fewer rows by a longer slice of K (with padding).
constexpr int64_t kASliceFloats = kGemmRowBlock * (kPanelDepth + kLinePad);

}  // namespace

void GemmFp8(const uint8_t* a, const float* a_scales, int64_t m, const uint8_t* b, const float* b_scales, int64_t n,
             int64_t k, float* acc, int64_t ldc) {
  if (m == 0) return;
  const auto& cpu = Cpu();
  if (cpu.bf16 != nullptr) {
    GemmFp8Bf16(*cpu.bf16, a, a_scales, m, b, b_scales, n, k, acc, ldc);
    return;
  }
  const GemmTasks tasks(m, n);
  const int64_t k_blocks = k / kBlock;
  ParallelFor(tasks.count(), [&](int64_t index) {
    thread_local std::vector<float> a_slice, b_panel;
    a_slice.resize(static_cast<size_t>(kASliceFloats));
    b_panel.resize(static_cast<size_t>(kGemmPanelRows * kPanelDepth));
    const GemmTask task = tasks[index];
    const int64_t m0 = task.first_row, block_rows = task.rows;
    // A few rows cannot pay for packing B (the packing costs as much as their multiply-adds); they read the codes
    // directly, in slices of K as long as the A buffer allows, since each dot product ends in a horizontal sum.
    const bool outer_product = block_rows >= cpu.pack_min_rows;
    const int64_t slice = outer_product ? kPanelDepth : SliceDepthFitting(kASliceFloats, kLinePad, block_rows, k);
    // Rows of the A buffer are one cache line more than a power of two apart: 4 KiB apart, they would share L1 sets.
    const int64_t a_stride = outer_product ? kPanelDepth : slice + kLinePad;
    for (int64_t k0 = 0; k0 < k; k0 += slice) {
      const int64_t depth = std::min(slice, k - k0);
      // Both operands are decoded into dense buffers: rows of A a power of two apart in memory would share cache
      // sets and evict each other, and the A slice (192 KiB) must stay in L2 while every panel passes over it.
      for (int64_t r = 0; r < block_rows; ++r) {
        for (int64_t kk = 0; kk < depth; kk += kBlock) {
          cpu.decode_e4m3_scaled(a + (m0 + r) * k + k0 + kk, a_scales[(m0 + r) * k_blocks + (k0 + kk) / kBlock],
                                 a_slice.data() + r * a_stride + kk, kBlock);
        }
      }
      for (int64_t panel = task.first_panel; panel < task.end_panel; ++panel) {
        const int64_t row0 = panel * kGemmPanelRows;
        const int64_t rows = std::min(kGemmPanelRows, n - row0);
        const float* scales = b_scales + panel * k_blocks + k0 / kBlock;
        float* c = acc + m0 * ldc + row0;
        if (outer_product) {
          cpu.pack_b(b + row0 * k + k0, k, rows, depth, scales, b_panel.data());
          cpu.gemm_packed(a_slice.data(), a_stride, block_rows, b_panel.data(), rows, depth, c, ldc);
        } else {
          cpu.dot_codes(a_slice.data(), a_stride, block_rows, b + row0 * k + k0, k, rows, depth, scales, c, ldc);
        }
      }
    }
  });
}

void GemmFp8IntoRows(const uint8_t* a, const float* a_scales, int64_t rows, const uint8_t* b, const float* b_scales,
                     int64_t n, int64_t k, void* d, int64_t first_row, moe_dtype d_type) {
  const int64_t count = rows * n;
  if (d_type == MOE_DTYPE_F32) {  // no second buffer: the output is the accumulator
    float* out = static_cast<float*>(d) + first_row * n;
    std::fill(out, out + count, 0.0f);
    GemmFp8(a, a_scales, rows, b, b_scales, n, k, out, n);
    return;
  }
  // Decode shapes are called once per layer per token: their accumulator (up to 4 MiB) is kept by the calling thread
  // rather than allocated on every call; a larger GEMM allocates its own, a cost lost in its work.
  constexpr int64_t kKeptFloats = int64_t{1} << 20;
  thread_local std::vector<float> kept;
  std::vector<float> own;
  std::vector<float>& acc = count <= kKeptFloats ? kept : own;
  acc.assign(static_cast<size_t>(count), 0.0f);
  GemmFp8(a, a_scales, rows, b, b_scales, n, k, acc.data(), n);
  uint16_t* out = static_cast<uint16_t*>(d) + first_row * n;
  for (int64_t i = 0; i < count; ++i) out[i] = FloatToBf16(acc[i]);
}

void ZeroRows(int64_t first_row, int64_t rows, int64_t n, void* d, moe_dtype d_type) {
  const size_t element = d_type == MOE_DTYPE_F32 ? sizeof(float) : sizeof(uint16_t);
  std::memset(static_cast<char*>(d) + first_row * n * element, 0, static_cast<size_t>(rows * n) * element);
}

}  // namespace moe
