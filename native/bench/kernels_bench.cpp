// Google Benchmark for the CPU kernels, each next to its baseline in the same process:
//   FP8 GEMM            GFLOP/s (TorchSharp's float32 matmul is the baseline in tests/Benchmarks, BenchmarkDotNet)
//   MLA decoding        bytes/s of KV cache read, next to memcpy of the same bytes (the bandwidth limit)
//   grouped GEMM        next to a loop of dense GEMMs over the same groups
// Run: native/build/moe_kernels_bench (MOE_NUM_THREADS sets the threads; the default is every core).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "moe_kernels.h"
#include "random_floats.h"

namespace {

struct Operands {
  std::vector<uint8_t> a, b;
  std::vector<float> sa, sb;
};

Operands Quantized(int64_t m, int64_t n, int64_t k, int64_t groups = 1) {
  Operands o{std::vector<uint8_t>(m * k), std::vector<uint8_t>(groups * n * k), std::vector<float>(m * k / 128),
             std::vector<float>(groups * ((n + 127) / 128) * (k / 128))};
  const auto a = Random(m * k, 1), b = Random(n * k, 2);
  moe_fp8_quantize_per_token(a.data(), m, k, o.a.data(), o.sa.data());
  for (int64_t g = 0; g < groups; ++g) {
    moe_fp8_quantize_per_block(b.data(), n, k, o.b.data() + g * n * k, o.sb.data() + g * ((n + 127) / 128) * (k / 128));
  }
  return o;
}

void BM_Fp8Gemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const Operands o = Quantized(m, n, k);
  std::vector<uint16_t> d(m * n);
  for (auto _ : state) {
    moe_fp8_gemm_nt(o.a.data(), o.sa.data(), o.b.data(), o.sb.data(), m, n, k, d.data(), MOE_DTYPE_BF16);
    benchmark::DoNotOptimize(d.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["B_bytes/s"] =
      benchmark::Counter(static_cast<double>(n * k), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Fp8Gemm)
    ->Args({1024, 1024, 1024})
    ->Args({2048, 2048, 2048})
    ->Args({1, 4096, 4096})
    ->Args({16, 4096, 4096})
    ->Args({32, 4096, 4096})
    ->Args({64, 4096, 4096})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The grouped kernel against the same groups run one dense GEMM at a time.
void GroupedArgs(benchmark::internal::Benchmark* b) { b->Args({8, 256, 2048, 1024})->Args({32, 128, 1024, 1024}); }

void BM_GroupedGemmContiguous(benchmark::State& state) {
  const int64_t groups = state.range(0), rows = state.range(1), n = state.range(2), k = state.range(3);
  const Operands o = Quantized(groups * rows, n, k, groups);
  std::vector<int32_t> group_of_row(groups * rows);
  for (int64_t r = 0; r < groups * rows; ++r) group_of_row[r] = static_cast<int32_t>(r / rows);
  std::vector<float> d(groups * rows * n);
  for (auto _ : state) {
    moe_fp8_grouped_gemm_contiguous(o.a.data(), o.sa.data(), o.b.data(), o.sb.data(), group_of_row.data(),
                                    groups * rows, groups, n, k, d.data(), MOE_DTYPE_F32);
    benchmark::DoNotOptimize(d.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * groups * rows * n * k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GroupedGemmContiguous)->Apply(GroupedArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GroupedGemmAsLoopOfGemms(benchmark::State& state) {
  const int64_t groups = state.range(0), rows = state.range(1), n = state.range(2), k = state.range(3);
  const Operands o = Quantized(groups * rows, n, k, groups);
  const int64_t scales_per_group = ((n + 127) / 128) * (k / 128);
  std::vector<float> d(groups * rows * n);
  for (auto _ : state) {
    for (int64_t g = 0; g < groups; ++g) {
      moe_fp8_gemm_nt(o.a.data() + g * rows * k, o.sa.data() + g * rows * (k / 128), o.b.data() + g * n * k,
                      o.sb.data() + g * scales_per_group, rows, n, k, d.data() + g * rows * n, MOE_DTYPE_F32);
    }
    benchmark::DoNotOptimize(d.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * groups * rows * n * k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GroupedGemmAsLoopOfGemms)->Apply(GroupedArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

// MLA decoding: batch sequences of seqlen tokens, h_q query heads, s_q = 1. Bytes are the KV cache read.
void MlaArgs(benchmark::internal::Benchmark* b) {
  b->Args({8, 4096, 1})->Args({8, 4096, 2})->Args({8, 4096, 16})->Args({64, 1024, 1});
}

void BM_MlaDecode(benchmark::State& state) {
  const int64_t batch = state.range(0), seqlen = state.range(1), h_q = state.range(2);
  const int64_t pages = (seqlen + 63) / 64, num_blocks = batch * pages;
  const auto q = Random(batch * h_q * 576, 3);
  const auto k_cache = Random(num_blocks * 64 * 576, 4);
  std::vector<int32_t> block_table(num_blocks), seqlens(batch, static_cast<int32_t>(seqlen));
  for (int64_t i = 0; i < num_blocks; ++i) block_table[i] = static_cast<int32_t>(i);
  // One partition per thread, the worker's default (a GPU would take one per compute unit).
  const int64_t parts = moe_get_num_threads();
  std::vector<int32_t> metadata(parts * MOE_MLA_METADATA_INTS), num_splits(batch + 1);
  moe_mla_get_metadata(seqlens.data(), batch, parts, metadata.data(), num_splits.data());
  std::vector<float> out(batch * h_q * 512), lse(batch * h_q);
  for (auto _ : state) {
    moe_mla_decode(q.data(), k_cache.data(), block_table.data(), seqlens.data(), batch, 1, h_q, num_blocks, pages, 0.0f,
                   0, metadata.data(), num_splits.data(), parts, out.data(), lse.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * batch * seqlen * 576 * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_MlaDecode)->Apply(MlaArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

// The bandwidth limit: copying the same number of bytes once.
void BM_MemcpyOfTheKvBytes(benchmark::State& state) {
  const int64_t bytes = state.range(0) * state.range(1) * 576 * static_cast<int64_t>(sizeof(float));
  std::vector<char> source(bytes, 1), target(bytes);
  for (auto _ : state) {
    std::memcpy(target.data(), source.data(), bytes);
    benchmark::DoNotOptimize(target.data());
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_MemcpyOfTheKvBytes)->Apply(MlaArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
