// Matmul speed at the shapes the models use, as a share of what this machine can do right now:
// prefill (M = 128/384) in GFLOP/s against the FP32 FMA peak, decode (M = 1) in GB/s of weights
// read against the read bandwidth, both probes measured in the same run at the same thread count.
// Q8_0/Q4_0 prefill counts integer multiply-adds (GOP/s), still shown against the FP32 FMA peak.
//   bench_matmul [--threads 1,2] [--dtypes f32,f16,bf16,q8_0,q4_0] [--probe-gib 1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/cpu_features.h"
#include "core/half.h"
#include "kernels/machine_probe.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quantize.h"

using namespace lowspec;

namespace {

struct Shape {
  const char* model;
  int64_t M, K, N;
};

// TinyLlama (hidden 2048, MLP 5632), DistilBERT (768, 3072), Phi-2 (2560, 10240).
const Shape kPrefillShapes[] = {
    {"TinyLlama qkvo", 128, 2048, 2048}, {"TinyLlama up", 128, 2048, 5632},
    {"TinyLlama down", 128, 5632, 2048}, {"DistilBERT ffn1", 128, 768, 3072},
    {"DistilBERT ffn2", 128, 3072, 768}, {"DistilBERT ffn1", 384, 768, 3072},
};
const Shape kDecodeShapes[] = {
    {"TinyLlama qkvo", 1, 2048, 2048},
    {"TinyLlama up", 1, 2048, 5632},
    {"TinyLlama down", 1, 5632, 2048},
    {"Phi-2 fc1", 1, 2560, 10240},
};

// Decode reads a stack of distinct weight matrices of at least this size, laid out one after
// another in one allocation as a model's layers are in its file, so the weights come from
// memory and not from the 32 MiB L3.
constexpr size_t kDecodeStackBytes = size_t{512} << 20;

using Clock = std::chrono::steady_clock;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

// A weight matrix [N, K] of random values in its storage dtype.
AlignedBuffer<uint8_t> random_weights(DType dtype, int64_t N, int64_t K, std::mt19937& rng) {
  if (dtype_is_quantized(dtype)) {
    AlignedBuffer<uint8_t> f32 = random_weights(DType::F32, N, K, rng);
    AlignedBuffer<uint8_t> blocks;
    ThreadPool pool(1);
    quantize_matrix(TensorView{DType::F32, {N, K}, f32.data(), f32.size()}, dtype, blocks, pool);
    return blocks;
  }
  const size_t n = static_cast<size_t>(N * K);
  const size_t elem = dtype == DType::F32 ? 4 : 2;
  AlignedBuffer<uint8_t> bytes(n * elem);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (size_t i = 0; i < n; ++i) {
    const float v = dist(rng);
    if (dtype == DType::F32) {
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    } else {
      const uint16_t h = dtype == DType::F16 ? f32_to_f16(v) : f32_to_bf16(v);
      std::memcpy(bytes.data() + 2 * i, &h, 2);
    }
  }
  return bytes;
}

// Median seconds of `runs` calls of fn after one warm-up call.
template <typename F>
double median_seconds(int runs, F&& fn) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const Clock::time_point start = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void bench_prefill(const Shape& s, DType dtype, ThreadPool& pool, double peak, std::mt19937& rng) {
  const AlignedBuffer<uint8_t> w = random_weights(dtype, s.N, s.K, rng);
  const TensorView view{dtype, {s.N, s.K}, w.data(), w.size()};
  std::vector<float> x(static_cast<size_t>(s.M * s.K), 0.5f), y(static_cast<size_t>(s.M * s.N));
  const double sec =
      median_seconds(7, [&] { matmul(x.data(), s.M, s.K, view, nullptr, y.data(), pool); });
  const double gflops = 2.0 * s.M * s.K * s.N / sec / 1e9;
  std::printf("prefill %-5s %-16s M=%-4lld K=%-5lld N=%-5lld %8.2f ms %7.1f %s  %.2f of peak\n",
              std::string(dtype_name(dtype)).c_str(), s.model, static_cast<long long>(s.M),
              static_cast<long long>(s.K), static_cast<long long>(s.N), sec * 1e3, gflops,
              dtype_is_quantized(dtype) ? "GOP/s  " : "GFLOP/s", gflops / peak);
}

void bench_decode(const Shape& s, DType dtype, ThreadPool& pool, double bandwidth,
                  std::mt19937& rng) {
  const size_t matrix_bytes =
      static_cast<size_t>(*dtype_bytes(dtype, static_cast<uint64_t>(s.N * s.K)));
  const size_t copies = std::max<size_t>(2, (kDecodeStackBytes + matrix_bytes - 1) / matrix_bytes);
  const AlignedBuffer<uint8_t> first = random_weights(dtype, s.N, s.K, rng);
  AlignedBuffer<uint8_t> stack(matrix_bytes * copies);  // one region, like a mapped model file
  std::vector<TensorView> views;
  for (size_t c = 0; c < copies; ++c) {
    uint8_t* data = stack.data() + c * matrix_bytes;
    std::memcpy(data, first.data(), matrix_bytes);
    views.push_back(TensorView{dtype, {s.N, s.K}, data, matrix_bytes});
  }
  std::vector<float> x(static_cast<size_t>(s.K), 0.5f), y(static_cast<size_t>(s.N));
  const double sec = median_seconds(5, [&] {
    for (const TensorView& v : views) matmul(x.data(), 1, s.K, v, nullptr, y.data(), pool);
  });
  const double gbps = static_cast<double>(matrix_bytes * copies) / sec / 1e9;
  std::printf(
      "decode  %-5s %-16s M=1    K=%-5lld N=%-5lld %8.3f ms %7.1f GB/s     %.2f of bandwidth\n",
      std::string(dtype_name(dtype)).c_str(), s.model, static_cast<long long>(s.K),
      static_cast<long long>(s.N), sec * 1e3 / static_cast<double>(copies), gbps, gbps / bandwidth);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts = {1, 2};
  std::vector<DType> dtypes = {DType::F32, DType::F16, DType::BF16};
  double probe_gib = 1.0;
  const char* usage =
      "usage: bench_matmul [--threads 1,2] [--dtypes f32,f16,bf16,q8_0,q4_0,q4_k,q6_k] "
      "[--probe-gib 1]\n";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "-h" || std::string(argv[i]) == "--help") {
      std::printf(
          "Times matmul per weight format at model shapes: prefill (M=128, 384) against the "
          "FMA peak, decode (M=1) against the read bandwidth, probed per thread count.\n%s",
          usage);
      return 0;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "%s", usage);
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--threads") {
      thread_counts.clear();
      for (const std::string& t : split(value)) thread_counts.push_back(std::stoi(t));
    } else if (flag == "--dtypes") {
      dtypes.clear();
      for (const std::string& d : split(value)) {
        const auto dtype = dtype_from_name(d);
        if (!dtype || !matmul_supports_dtype(*dtype)) {
          std::fprintf(stderr, "bench_matmul: unsupported dtype %s\n", d.c_str());
          return 2;
        }
        dtypes.push_back(*dtype);
      }
    } else if (flag == "--probe-gib") {
      probe_gib = std::stod(value);
    } else {
      std::fprintf(stderr, "%s", usage);
      return 2;
    }
  }
  std::printf("cpu: %s [%s], matmul path: %s\n", cpu_features().model_name.c_str(),
              cpu_features().summary().c_str(),
              std::string(matmul_isa_name(matmul_best_isa())).c_str());
  std::mt19937 rng(1);
  for (int threads : thread_counts) {
    ThreadPool pool(threads);
    const ReadBandwidthProbe probe(static_cast<size_t>(probe_gib * (1 << 30)), pool);
    const double bandwidth = probe.measure(pool);
    const double peak = measure_fma_peak(pool);
    std::printf(
        "\nthreads %d: read bandwidth %.1f GB/s (%.1f GiB buffer), FP32 FMA peak %.1f GFLOP/s\n",
        threads, bandwidth, probe_gib, peak);
    for (DType dtype : dtypes) {
      for (const Shape& s : kPrefillShapes) bench_prefill(s, dtype, pool, peak, rng);
      for (const Shape& s : kDecodeShapes) bench_decode(s, dtype, pool, bandwidth, rng);
    }
    std::printf("threads %d: read bandwidth after the run %.1f GB/s\n", threads,
                probe.measure(pool));
  }
  return 0;
}
