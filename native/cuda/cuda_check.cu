// The GPU check: every CUDA kernel on random inputs of realistic shapes, compared with the CPU kernels of the same
// library (themselves checked against float64 references by the GoogleTest suite), then timed with CUDA events.
// Prints one table row per case and exits 1 if any comparison fails. Run by native/cuda/run-on-gpu.sh.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "moe_cuda.h"
#include "moe_kernels.h"

namespace {

int failures = 0;

void Die(const char* what, cudaError_t error) {
  std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(error));
  std::exit(2);
}

template <typename T>
struct Device {
  T* data = nullptr;
  size_t count = 0;
  explicit Device(size_t n) : count(n) {
    if (const cudaError_t e = cudaMalloc(&data, (n == 0 ? 1 : n) * sizeof(T)); e != cudaSuccess) Die("cudaMalloc", e);
  }
  explicit Device(const std::vector<T>& host) : Device(host.size()) {
    cudaMemcpy(data, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice);
  }
  ~Device() { cudaFree(data); }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  std::vector<T> Get() const {
    std::vector<T> host(count);
    if (const cudaError_t e = cudaMemcpy(host.data(), data, count * sizeof(T), cudaMemcpyDeviceToHost);
        e != cudaSuccess) {
      Die("cudaMemcpy", e);
    }
    return host;
  }
};

std::vector<float> Random(size_t count, uint32_t seed, float scale = 1.0f) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> values(count);
  for (auto& value : values) value = normal(generator);
  return values;
}

void Ok(moe_status status, const char* call) {
  if (status != MOE_OK) {
    std::fprintf(stderr, "%s failed: %s (%s)\n", call, moe_last_error(), moe_status_name(status));
    std::exit(2);
  }
}

// Mean microseconds of one call, after a warm-up call, over enough calls to fill about 50 ms.
double TimeMicros(const std::function<void()>& call) {
  call();
  cudaDeviceSynchronize();
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  int iterations = 1;
  float ms = 0;
  for (;;) {
    cudaEventRecord(start);
    for (int i = 0; i < iterations; ++i) call();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    cudaEventElapsedTime(&ms, start, stop);
    if (ms > 50 || iterations >= 1 << 14) break;
    iterations *= 4;
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) Die("timed kernel", e);
  return 1000.0 * ms / iterations;
}

double CalcDiff(const std::vector<float>& x, const std::vector<float>& y) {
  double cross = 0, squares = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double a = x[i] + 1.0, b = y[i] + 1.0;
    cross += a * b;
    squares += a * a + b * b;
  }
  return 1 - 2 * cross / squares;
}

template <typename T>
double Mismatches(const std::vector<T>& x, const std::vector<T>& y) {
  if (x.size() != y.size()) return INFINITY;
  double count = 0;
  for (size_t i = 0; i < x.size(); ++i) count += !(x[i] == y[i]);
  return count;
}

void Report(const std::string& kernel, const std::string& shape, const char* metric, double value, double limit,
            double micros, const std::string& rate) {
  const bool pass = std::isfinite(value) && value <= limit;
  failures += pass ? 0 : 1;
  std::printf("%-28s %-34s %-24s %11.3e %8.0e %-4s %10.1f us  %s\n", kernel.c_str(), shape.c_str(), metric, value,
              limit, pass ? "PASS" : "FAIL", micros, rate.c_str());
}

// count (bytes, flops) per second in units of `unit` (1e9 for GB/s, 1e12 for TFLOP/s).
std::string Rate(double count, double micros, double unit, const char* name) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.1f %s", count / (micros * 1e-6) / unit, name);
  return text;
}

// The device's read bandwidth, measured once by ReadAll over 2 GiB: the ceiling a weight-streaming kernel is held to.
double read_gb_per_s = 0;

__global__ void ReadAll(const uint4* data, int64_t count, unsigned* sink) {
  unsigned folded = 0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint4 v = data[i];
    folded ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (folded == 0x9E3779B9u) *sink = folded;  // never true for zeroed memory; keeps the loads
}

std::string OfBandwidth(double bytes, double micros) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.1f GB/s (%.0f%% of read)", bytes / (micros * 1e-6) / 1e9,
                100.0 * bytes / (micros * 1e-6) / 1e9 / read_gb_per_s);
  return text;
}

struct Fp8 {
  std::vector<uint8_t> codes;
  std::vector<float> scales;
};

Fp8 QuantizeOnCpu(int64_t rows, int64_t k, bool per_token, uint32_t seed, float scale) {
  const auto x = Random(static_cast<size_t>(rows * k), seed, scale);
  Fp8 q{std::vector<uint8_t>(x.size()),
        std::vector<float>(static_cast<size_t>((per_token ? rows : (rows + 127) / 128) * (k / 128)))};
  Ok(per_token ? moe_fp8_quantize_per_token(x.data(), rows, k, q.codes.data(), q.scales.data())
               : moe_fp8_quantize_per_block(x.data(), rows, k, q.codes.data(), q.scales.data()),
     "cpu quantize");
  return q;
}

void CheckQuantize(int64_t rows, int64_t k, bool per_token) {
  const auto x = Random(static_cast<size_t>(rows * k), 1, 3.0f);
  const size_t scale_count = static_cast<size_t>((per_token ? rows : (rows + 127) / 128) * (k / 128));
  std::vector<uint8_t> codes(x.size());
  std::vector<float> scales(scale_count);
  Ok(per_token ? moe_fp8_quantize_per_token(x.data(), rows, k, codes.data(), scales.data())
               : moe_fp8_quantize_per_block(x.data(), rows, k, codes.data(), scales.data()),
     "cpu quantize");
  Device<float> dx(x);
  Device<uint8_t> dcodes(x.size());
  Device<float> dscales(scale_count);
  const auto run = [&] {
    Ok(per_token ? moe_cuda_fp8_quantize_per_token(dx.data, rows, k, dcodes.data, dscales.data, nullptr)
                 : moe_cuda_fp8_quantize_per_block(dx.data, rows, k, dcodes.data, dscales.data, nullptr),
       "cuda quantize");
  };
  const double micros = TimeMicros(run);
  Report(per_token ? "fp8-quantize-per-token" : "fp8-quantize-per-block",
         std::to_string(rows) + "x" + std::to_string(k), "codes+scales != cpu",
         Mismatches(dcodes.Get(), codes) + Mismatches(dscales.Get(), scales), 0, micros,
         Rate(5.0 * rows * k, micros, 1e9, "GB/s"));
}

void CheckGemm(int64_t m, int64_t n, int64_t k) {
  const Fp8 a = QuantizeOnCpu(m, k, true, 2, 2.0f), b = QuantizeOnCpu(n, k, false, 3, 0.05f);
  std::vector<float> d(static_cast<size_t>(m * n));
  Ok(moe_fp8_gemm_nt(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(), m, n, k, d.data(),
                     MOE_DTYPE_F32),
     "cpu gemm");
  Device<uint8_t> da(a.codes), db(b.codes);
  Device<float> dsa(a.scales), dsb(b.scales), dd(d.size());
  const double micros = TimeMicros([&] {
    Ok(moe_cuda_fp8_gemm_nt(da.data, dsa.data, db.data, dsb.data, m, n, k, dd.data, MOE_DTYPE_F32, nullptr),
       "cuda gemm");
  });
  Report("fp8-gemm", std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k), "calc_diff vs cpu",
         CalcDiff(dd.Get(), d), 1e-6, micros,
         Rate(2.0 * m * n * k, micros, 1e12, "TFLOP/s") + ", " +
             OfBandwidth(static_cast<double>(n * k + m * k) + 4.0 * (m * n + m * (k / 128) + n / 128 * (k / 128)),
                         micros));
}

void CheckGrouped(int64_t groups, int64_t rows_per_group, int64_t n, int64_t k) {
  std::vector<int32_t> group_of_row;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t rows = rows_per_group - (g % 3) * 37;  // ragged segments, padded to 128 rows
    const int64_t padded = (rows + 127) / 128 * 128;
    for (int64_t r = 0; r < padded; ++r) group_of_row.push_back(r < rows ? static_cast<int32_t>(g) : -1);
  }
  const int64_t m_sum = static_cast<int64_t>(group_of_row.size());
  const Fp8 a = QuantizeOnCpu(m_sum, k, true, 4, 1.0f);
  Fp8 b;
  for (int64_t g = 0; g < groups; ++g) {
    const Fp8 one = QuantizeOnCpu(n, k, false, 5 + static_cast<uint32_t>(g), 0.05f);
    b.codes.insert(b.codes.end(), one.codes.begin(), one.codes.end());
    b.scales.insert(b.scales.end(), one.scales.begin(), one.scales.end());
  }
  std::vector<float> d(static_cast<size_t>(m_sum * n));
  Ok(moe_fp8_grouped_gemm_contiguous(a.codes.data(), a.scales.data(), b.codes.data(), b.scales.data(),
                                     group_of_row.data(), m_sum, groups, n, k, d.data(), MOE_DTYPE_F32),
     "cpu grouped");
  Device<uint8_t> da(a.codes), db(b.codes);
  Device<float> dsa(a.scales), dsb(b.scales), dd(d.size());
  Device<int32_t> dgroups(group_of_row);
  const double micros = TimeMicros([&] {
    Ok(moe_cuda_fp8_grouped_gemm_contiguous(da.data, dsa.data, db.data, dsb.data, dgroups.data, m_sum, groups, n, k,
                                            dd.data, MOE_DTYPE_F32, nullptr),
       "cuda grouped");
  });
  Report("fp8-grouped-gemm-contiguous",
         std::to_string(groups) + " groups, m_sum " + std::to_string(m_sum) + ", " + std::to_string(n) + "x" +
             std::to_string(k),
         "calc_diff vs cpu", CalcDiff(dd.Get(), d), 1e-6, micros,
         Rate(2.0 * m_sum * n * k, micros, 1e12, "TFLOP/s (padded)"));

  // The masked layout on the same weights: m_max rows per group, a different count valid in each.
  const int64_t m_max = 128;
  std::vector<int32_t> masked(static_cast<size_t>(groups));
  for (int64_t g = 0; g < groups; ++g) masked[g] = static_cast<int32_t>((g * 53) % (m_max + 1));
  const Fp8 am = QuantizeOnCpu(groups * m_max, k, true, 6, 1.0f);
  std::vector<float> dm(static_cast<size_t>(groups * m_max * n));
  Ok(moe_fp8_grouped_gemm_masked(am.codes.data(), am.scales.data(), b.codes.data(), b.scales.data(), masked.data(),
                                 groups, m_max, n, k, dm.data(), MOE_DTYPE_F32),
     "cpu masked");
  Device<uint8_t> dam(am.codes);
  Device<float> dsam(am.scales), ddm(dm.size());
  Device<int32_t> dmasked(masked);
  const double masked_micros = TimeMicros([&] {
    Ok(moe_cuda_fp8_grouped_gemm_masked(dam.data, dsam.data, db.data, dsb.data, dmasked.data, groups, m_max, n, k,
                                        ddm.data, MOE_DTYPE_F32, nullptr),
       "cuda masked");
  });
  Report("fp8-grouped-gemm-masked",
         std::to_string(groups) + " groups x " + std::to_string(m_max) + ", " + std::to_string(n) + "x" +
             std::to_string(k),
         "calc_diff vs cpu", CalcDiff(ddm.Get(), dm), 1e-6, masked_micros,
         Rate(2.0 * groups * m_max * n * k, masked_micros, 1e12, "TFLOP/s (m_max)"));
}

void CheckMla(int64_t batch, int64_t seqlen, int64_t s_q, int64_t h_q, bool causal) {
  const int64_t pages = (seqlen + 63) / 64, num_blocks = batch * pages;
  const auto q = Random(static_cast<size_t>(batch * s_q * h_q * 576), 7);
  const auto kv = Random(static_cast<size_t>(num_blocks * 64 * 576), 8);
  std::vector<int32_t> table(static_cast<size_t>(num_blocks)), seqlens(static_cast<size_t>(batch));
  for (int64_t i = 0; i < num_blocks; ++i) table[i] = static_cast<int32_t>((i * 7919) % num_blocks);
  for (int64_t b = 0; b < batch; ++b) seqlens[b] = static_cast<int32_t>(seqlen - (b % 4) * 97);
  const int64_t parts = 132;
  std::vector<int32_t> metadata(static_cast<size_t>(parts * MOE_MLA_METADATA_INTS)),
      splits(static_cast<size_t>(batch + 1));
  Ok(moe_mla_get_metadata(seqlens.data(), batch, parts, metadata.data(), splits.data()), "metadata");
  std::vector<float> out(static_cast<size_t>(batch * s_q * h_q * 512)), lse(static_cast<size_t>(batch * h_q * s_q));
  Ok(moe_mla_decode(q.data(), kv.data(), table.data(), seqlens.data(), batch, s_q, h_q, num_blocks, pages, 0.0f,
                    causal ? 1 : 0, metadata.data(), splits.data(), parts, out.data(), lse.data()),
     "cpu mla");
  Device<float> dq(q), dkv(kv), dout(out.size()), dlse(lse.size());
  Device<int32_t> dtable(table), dseqlens(seqlens);
  const double micros = TimeMicros([&] {
    Ok(moe_cuda_mla_decode(dq.data, dkv.data, dtable.data, dseqlens.data, seqlens.data(), batch, s_q, h_q, num_blocks,
                           pages, 0.0f, causal ? 1 : 0, metadata.data(), splits.data(), parts, dout.data, dlse.data,
                           nullptr),
       "cuda mla");
  });
  double bytes = 0, flops = 0;
  for (const int32_t len : seqlens) {
    bytes += 576.0 * 4 * len;
    flops += 2.0 * s_q * h_q * len * (576 + 512);
  }
  const std::string shape = "b" + std::to_string(batch) + " len" + std::to_string(seqlen) + " s_q" +
                            std::to_string(s_q) + " h_q" + std::to_string(h_q) + (causal ? " causal" : "");
  Report("mla-decode", shape, "calc_diff vs cpu (out)", CalcDiff(dout.Get(), out), 1e-6, micros,
         OfBandwidth(bytes, micros) + " KV, " + Rate(flops, micros, 1e12, "TFLOP/s"));
  Report("mla-decode", shape, "calc_diff vs cpu (lse)", CalcDiff(dlse.Get(), lse), 1e-6, micros, "");
}

void CheckEp(int64_t tokens, int64_t top_k, int64_t experts, int64_t ranks, int64_t hidden) {
  std::mt19937 generator(9);
  std::vector<int64_t> topk(static_cast<size_t>(tokens * top_k));
  for (auto& e : topk) e = generator() % 11 == 0 ? -1 : static_cast<int64_t>(generator() % experts);
  const auto x = Random(static_cast<size_t>(tokens * hidden), 10);
  const auto weights = Random(static_cast<size_t>(tokens * top_k), 11);
  std::vector<int32_t> per_rank(ranks), per_expert(experts);
  std::vector<uint8_t> in_rank(static_cast<size_t>(tokens * ranks));
  Ok(moe_ep_dispatch_layout(topk.data(), tokens, top_k, experts, ranks, per_rank.data(), per_expert.data(),
                            in_rank.data()),
     "cpu layout");
  Device<int64_t> dtopk(topk);
  Device<int32_t> dper_rank(per_rank.size()), dper_expert(per_expert.size());
  Device<uint8_t> din_rank(in_rank.size());
  const std::string shape = std::to_string(tokens) + " tokens, top-" + std::to_string(top_k) + " of " +
                            std::to_string(experts) + ", " + std::to_string(ranks) + " ranks";
  const double layout_micros = TimeMicros([&] {
    Ok(moe_cuda_ep_dispatch_layout(dtopk.data, tokens, top_k, experts, ranks, dper_rank.data, dper_expert.data,
                                   din_rank.data, nullptr),
       "cuda layout");
  });
  Report("ep-layout", shape, "entries != cpu",
         Mismatches(dper_rank.Get(), per_rank) + Mismatches(dper_expert.Get(), per_expert) +
             Mismatches(din_rank.Get(), in_rank),
         0, layout_micros, "");

  int64_t received = 0;
  for (const int32_t count : per_rank) received += count;
  std::vector<float> recv_x(static_cast<size_t>(received * hidden)), recv_w(static_cast<size_t>(received * top_k));
  std::vector<int32_t> src(static_cast<size_t>(received)), offsets(static_cast<size_t>(ranks + 1));
  std::vector<int64_t> recv_idx(static_cast<size_t>(received * top_k));
  Ok(moe_ep_permute(x.data(), topk.data(), weights.data(), tokens, hidden, top_k, experts, ranks, received,
                    recv_x.data(), src.data(), recv_idx.data(), recv_w.data(), offsets.data()),
     "cpu permute");
  Device<float> dx(x), dweights(weights), drecv_x(recv_x.size()), drecv_w(recv_w.size());
  Device<int32_t> dsrc(src.size()), doffsets(offsets.size());
  Device<int64_t> drecv_idx(recv_idx.size());
  const double permute_micros = TimeMicros([&] {
    Ok(moe_cuda_ep_permute(dx.data, dtopk.data, dweights.data, tokens, hidden, top_k, experts, ranks, received,
                           drecv_x.data, dsrc.data, drecv_idx.data, drecv_w.data, doffsets.data, nullptr),
       "cuda permute");
  });
  Report("ep-permute", shape + ", hidden " + std::to_string(hidden), "entries != cpu",
         Mismatches(drecv_x.Get(), recv_x) + Mismatches(dsrc.Get(), src) + Mismatches(drecv_idx.Get(), recv_idx) +
             Mismatches(drecv_w.Get(), recv_w) + Mismatches(doffsets.Get(), offsets),
         0, permute_micros, Rate(2.0 * received * hidden * 4, permute_micros, 1e9, "GB/s"));

  std::vector<float> combined(static_cast<size_t>(tokens * hidden));
  std::vector<float> row_weights(static_cast<size_t>(received), 0.5f);
  Ok(moe_ep_unpermute(recv_x.data(), src.data(), row_weights.data(), received, hidden, tokens, combined.data()),
     "cpu unpermute");
  Device<float> drow_weights(row_weights), dcombined(combined.size());
  const double unpermute_micros = TimeMicros([&] {
    Ok(moe_cuda_ep_unpermute(drecv_x.data, dsrc.data, drow_weights.data, received, hidden, tokens, dcombined.data,
                             nullptr),
       "cuda unpermute");
  });
  const auto gpu = dcombined.Get();
  double worst = 0;
  for (size_t i = 0; i < gpu.size(); ++i) worst = std::fmax(worst, std::fabs(gpu[i] - combined[i]));
  Report("ep-unpermute", shape + ", hidden " + std::to_string(hidden), "max |gpu - cpu|", worst, 1e-5, unpermute_micros,
         Rate(2.0 * received * hidden * 4, unpermute_micros, 1e9, "GB/s"));
}

void MeasureReadBandwidth(int multiprocessors) {
  const int64_t count = (int64_t{2} << 30) / sizeof(uint4);
  Device<uint4> data(static_cast<size_t>(count));
  Device<unsigned> sink(1);
  cudaMemset(data.data, 0, count * sizeof(uint4));
  const double micros = TimeMicros([&] { ReadAll<<<multiprocessors * 4, 512>>>(data.data, count, sink.data); });
  read_gb_per_s = count * sizeof(uint4) / (micros * 1e-6) / 1e9;
  std::printf("read-only bandwidth over 2 GiB: %.0f GB/s (%.1f us)\n", read_gb_per_s, micros);
}

}  // namespace

int main() {
  cudaDeviceProp properties{};
  if (const cudaError_t e = cudaGetDeviceProperties(&properties, 0); e != cudaSuccess) Die("no CUDA device", e);
  std::printf("GPU %s, %d SMs; CPU path %s on %d threads\n", properties.name, properties.multiProcessorCount,
              moe_cpu_path(), moe_get_num_threads());
  std::printf("%-28s %-34s %-24s %11s %8s %-4s %13s  %s\n", "kernel", "shape", "metric", "value", "limit", "", "time",
              "throughput");
  MeasureReadBandwidth(properties.multiProcessorCount);
  CheckQuantize(4096, 7168, true);
  CheckQuantize(4000, 7168, false);
  CheckGemm(1, 7168, 4096);
  CheckGemm(16, 7168, 4096);
  CheckGemm(64, 7168, 4096);
  CheckGemm(64, 2112, 7168);
  CheckGemm(4096, 4096, 4096);
  CheckGrouped(8, 512, 4096, 7168);
  CheckMla(32, 4096, 1, 128, false);
  CheckMla(16, 2048, 2, 64, true);
  CheckEp(4096, 8, 256, 32, 7168);
  std::printf("%s\n", failures == 0 ? "all GPU checks passed" : "GPU checks FAILED");
  return failures == 0 ? 0 : 1;
}
