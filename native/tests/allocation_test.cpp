// Decode shapes (a few rows of A against a whole weight matrix) run once per layer per generated token: once a thread
// has sized its scratch buffers (the first time it runs a task), a call allocates nothing. The test runs on one
// thread, as which pool thread takes which task is the scheduler's choice and a worker that took none in the first
// call would size its buffers in the second. The library's operator new is this binary's (ELF interposition), so
// counting here counts the library's allocations too.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "moe_kernels.h"
#include "reference.h"

namespace {
std::atomic<int64_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC sees free() paired with the operator new it inlines here and warns of a mismatch; the pair is this file's own.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

class DecodeShapeTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(DecodeShapeTest, ACallAfterTheFirstAllocatesNothing) {
  const int64_t m = GetParam(), n = 1024, k = 1024;
  const auto a = moe_test::QuantizePerToken(moe_test::RandomFloats(static_cast<size_t>(m * k), 41), m, k);
  const auto b = moe_test::QuantizePerBlock(moe_test::RandomFloats(static_cast<size_t>(n * k), 42), n, k);
  std::vector<uint16_t> d16(static_cast<size_t>(m * n));
  std::vector<float> d32(static_cast<size_t>(m * n));
  const int32_t threads = moe_get_num_threads();
  ASSERT_EQ(moe_set_num_threads(1), MOE_OK);
  for (const moe_dtype type : {MOE_DTYPE_BF16, MOE_DTYPE_F32}) {
    void* d = type == MOE_DTYPE_BF16 ? static_cast<void*>(d16.data()) : static_cast<void*>(d32.data());
    ASSERT_EQ(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, d, type),
              MOE_OK);
    const int64_t before = allocations.load();
    ASSERT_EQ(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, d, type),
              MOE_OK);
    EXPECT_EQ(allocations.load() - before, 0) << "output type " << type << " on the " << moe_cpu_path() << " path";
  }
  ASSERT_EQ(moe_set_num_threads(threads), MOE_OK);
}

INSTANTIATE_TEST_SUITE_P(Rows, DecodeShapeTest, ::testing::Values(1, 16, 64));

}  // namespace
