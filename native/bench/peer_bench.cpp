// The FP8 GEMM against the strongest CPU peer here, OpenBLAS's float32 SGEMM, in one process, next to what the
// machine can do at all: the float32 FMA peak and the AVX512_BF16 dot-product peak (loops of independent
// multiply-adds on every thread) and the read bandwidth (a read-only loop over a buffer far larger than the caches).
// Each shape alternates the two GEMMs, so both see the same machine; the ratio is of their median times.
//
//   native/build/moe_peer_bench [--repeats N] [--shape MxNxK]...   (every core for both sides; MOE_NUM_THREADS
//                                                                  changes that)
//
// Prints a Markdown table (native/README.md keeps two runs of it).
#include <cblas.h>

// GCC 12's AVX-512 headers trip its own -Wuninitialized (GCC bug 105593; see src/simd_avx512.cpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "moe_kernels.h"
#include "random_floats.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Runs body(thread) on `threads` threads at once and returns the wall time.
double OnEveryThread(int threads, const std::function<void(int)>& body) {
  std::vector<std::thread> running;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) running.emplace_back(body, t);
  for (auto& thread : running) thread.join();
  return Seconds(start);
}

// Twelve independent FMA chains of 16 floats: enough in flight to fill both FMA pipes at their latency.
__attribute__((target("avx512f"))) float FmaLoop(int64_t steps) {
  __m512 c[12];
  for (int i = 0; i < 12; ++i) c[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t s = 0; s < steps; ++s) {
    for (int i = 0; i < 12; ++i) c[i] = _mm512_fmadd_ps(c[i], a, b);
  }
  __m512 sum = c[0];
  for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, c[i]);
  return _mm512_reduce_add_ps(sum);
}

// The same with vdpbf16ps: 16 lanes x 2 products per instruction.
__attribute__((target("avx512f,avx512bf16"))) float Bf16Loop(int64_t steps) {
  __m512 c[12];
  for (int i = 0; i < 12; ++i) c[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(2e-3f));
  const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-4f), _mm512_set1_ps(3e-4f));
  for (int64_t s = 0; s < steps; ++s) {
    for (int i = 0; i < 12; ++i) c[i] = _mm512_dpbf16_ps(c[i], a, b);
  }
  __m512 sum = c[0];
  for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, c[i]);
  return _mm512_reduce_add_ps(sum);
}

// GFLOP/s of a loop doing `flops_per_step` per step on every thread (best of three).
double Peak(int threads, float (*loop)(int64_t), double flops_per_step) {
  constexpr int64_t kSteps = 20'000'000;
  std::atomic<float> sink{0};
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    const double seconds = OnEveryThread(threads, [&](int) { sink.store(loop(kSteps)); });
    best = std::max(best, threads * kSteps * flops_per_step / seconds * 1e-9);
  }
  return best;
}

// The sum of n floats (n % 64 == 0), read with four independent vector adds.
__attribute__((target("avx512f"))) float SumOf(const float* p, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(p + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(p + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(p + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// GB/s read by every thread summing its share of a buffer far larger than the caches (best of five).
double ReadBandwidth(int threads) {
  const size_t floats = size_t{1} << 27;  // 512 MiB
  std::vector<float> buffer(floats, 1.0f);
  std::atomic<float> sink{0};
  double best = 0;
  for (int round = 0; round < 5; ++round) {
    const size_t share = floats / threads / 64 * 64;
    const double seconds = OnEveryThread(threads, [&](int t) { sink.store(SumOf(buffer.data() + t * share, share)); });
    best = std::max(best, static_cast<double>(share * threads * sizeof(float)) / seconds * 1e-9);
  }
  return best;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Times calls of `call` for about a tenth of a second and returns the median seconds per call.
double TimeCalls(const std::function<void()>& call) {
  call();  // warm: first-touch pages, thread start-up
  std::vector<double> times;
  const auto start = Clock::now();
  while (times.size() < 3 || (Seconds(start) < 0.1 && times.size() < 1000)) {
    const auto t0 = Clock::now();
    call();
    times.push_back(Seconds(t0));
  }
  return Median(times);
}

struct Shape {
  int64_t m, n, k;
};

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5;
  std::vector<Shape> shapes = {
      {1024, 1024, 1024}, {2048, 2048, 2048}, {1, 4096, 4096}, {16, 4096, 4096}, {64, 4096, 4096}};
  std::vector<Shape> chosen;
  for (int i = 1; i < argc; ++i) {
    long long m = 0, n = 0, k = 0;
    if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--shape") == 0 && i + 1 < argc &&
               std::sscanf(argv[++i], "%lldx%lldx%lld", &m, &n, &k) == 3 && m > 0 && n > 0 && k > 0 && k % 128 == 0) {
      chosen.push_back({m, n, k});
    } else {
      std::fprintf(stderr, "usage: %s [--repeats N] [--shape MxNxK (k a multiple of 128)]...\n", argv[0]);
      return 2;
    }
  }
  if (!chosen.empty()) shapes = chosen;
  const int threads = moe_get_num_threads();
  openblas_set_num_threads(threads);
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) {
    std::fprintf(stderr, "the peak loops need AVX-512\n");
    return 2;
  }
  const double fma_peak = Peak(threads, FmaLoop, 12 * 16 * 2);
  const bool has_bf16 = __builtin_cpu_supports("avx512bf16");
  const double bf16_peak = has_bf16 ? Peak(threads, Bf16Loop, 12 * 16 * 4) : 0;
  const double bandwidth = ReadBandwidth(threads);
  std::printf("threads %d; CPU path %s; OpenBLAS %s (%s)\n", threads, moe_cpu_path(), openblas_get_config(),
              openblas_get_corename());
  std::printf("float32 FMA peak %.0f GFLOP/s; AVX512_BF16 dot-product peak %s; read bandwidth %.1f GB/s\n\n", fma_peak,
              has_bf16 ? (std::to_string(static_cast<int>(bf16_peak)) + " GFLOP/s").c_str() : "none", bandwidth);

  std::printf(
      "| m x n x k | OpenBLAS | FP8 GEMM | FP8 / OpenBLAS speed | FP8 GFLOP/s (of FMA peak%s) | FP8 reads B at (of the "
      "read loop's, measured just before) |\n",
      has_bf16 ? ", of BF16 peak" : "");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (const Shape& s : shapes) {
    // Each call reads B from memory, as a decode step reads weights that left the cache since the previous layer:
    // calls go round enough copies of B to fill four times the last-level cache (32 MiB here).
    constexpr size_t kColdBytes = size_t{128} << 20;
    const size_t fp8_copies = std::max<size_t>(1, kColdBytes / (s.n * s.k));
    const size_t f32_copies = std::max<size_t>(1, kColdBytes / (s.n * s.k * sizeof(float)));
    const auto a = Random(s.m * s.k, 1), b = Random(s.n * s.k, 2);
    std::vector<float> c(s.m * s.n);
    std::vector<uint8_t> a_codes(s.m * s.k), b_codes(s.n * s.k * fp8_copies);
    std::vector<float> a_scales(s.m * s.k / 128), b_scales(((s.n + 127) / 128) * (s.k / 128));
    std::vector<float> b_copies(s.n * s.k * f32_copies);
    moe_fp8_quantize_per_token(a.data(), s.m, s.k, a_codes.data(), a_scales.data());
    moe_fp8_quantize_per_block(b.data(), s.n, s.k, b_codes.data(), b_scales.data());
    for (size_t copy = 1; copy < fp8_copies; ++copy) {
      std::memcpy(b_codes.data() + copy * s.n * s.k, b_codes.data(), s.n * s.k);
    }
    for (size_t copy = 0; copy < f32_copies; ++copy)
      std::memcpy(b_copies.data() + copy * s.n * s.k, b.data(), s.n * s.k * sizeof(float));
    std::vector<uint16_t> d(s.m * s.n);
    size_t fp8_next = 0, f32_next = 0;
    const int m = static_cast<int>(s.m), n = static_cast<int>(s.n), k = static_cast<int>(s.k);
    // One row is a matrix-vector product, which OpenBLAS's SGEMM does not route to its SGEMV: the peer is the faster.
    const auto sgemm = [&] {
      const float* b_copy = b_copies.data() + (f32_next++ % f32_copies) * s.n * s.k;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a.data(), k, b_copy, k, 0.0f, c.data(), n);
    };
    const auto sgemv = [&] {
      const float* b_copy = b_copies.data() + (f32_next++ % f32_copies) * s.n * s.k;
      cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, b_copy, k, a.data(), 1, 0.0f, c.data(), 1);
    };
    const bool vector = s.m == 1;
    // Decode shapes are bound by memory, whose speed on a shared host moves from minute to minute: measured anew.
    const bool decode = s.m <= 64;
    const double bandwidth_now = decode ? ReadBandwidth(threads) : 0;
    std::vector<double> blas_times, fp8_times;
    for (int r = 0; r < repeats; ++r) {
      blas_times.push_back(vector ? std::min(TimeCalls(sgemm), TimeCalls(sgemv)) : TimeCalls(sgemm));
      // OpenBLAS's threads spin for a while after a call; let them go to sleep before the other side runs.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      fp8_times.push_back(TimeCalls([&] {
        const uint8_t* b_copy = b_codes.data() + (fp8_next++ % fp8_copies) * s.n * s.k;
        moe_fp8_gemm_nt(a_codes.data(), a_scales.data(), b_copy, b_scales.data(), s.m, s.n, s.k, d.data(),
                        MOE_DTYPE_BF16);
      }));
    }
    const double blas = Median(blas_times), fp8 = Median(fp8_times);
    const double flops = 2.0 * s.m * s.n * s.k, gflops = flops / fp8 * 1e-9;
    std::printf("| %lld x %lld x %lld | %s %.3f ms (%.0f GFLOP/s) | %.3f ms | %.2fx | %.0f (%.0f%%",
                static_cast<long long>(s.m), static_cast<long long>(s.n), static_cast<long long>(s.k),
                vector ? "best of SGEMM, SGEMV" : "SGEMM", blas * 1e3, flops / blas * 1e-9, fp8 * 1e3, blas / fp8,
                gflops, 100 * gflops / fma_peak);
    if (has_bf16) std::printf(", %.0f%%", 100 * gflops / bf16_peak);
    const double read = static_cast<double>(s.n * s.k) / fp8 * 1e-9;
    if (decode) {
      std::printf(") | %.1f GB/s (of %.1f GB/s: %.0f%%) |\n", read, bandwidth_now, 100 * read / bandwidth_now);
    } else {
      std::printf(") | compute-bound |\n");
    }
  }
  return 0;
}
