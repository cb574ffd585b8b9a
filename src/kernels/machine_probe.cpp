#include "kernels/machine_probe.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "core/cpu_features.h"

namespace lowspec {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Keeps the sums of the read loops alive without a store per load.
std::atomic<uint64_t> g_sink{0};

// The read loops reduce every 64-bit word into a few accumulators so no load can be skipped;
// integer adds are cheaper than the loads, so the loads set the pace.
uint64_t read_words_scalar(const uint64_t* p, size_t words) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  for (size_t i = 0; i + 4 <= words; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  return a + b + c + d;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t read_words_avx2(const uint64_t* p, size_t words) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  for (size_t i = 0; i + 16 <= words; i += 16) {
    a = _mm256_add_epi64(a, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    b = _mm256_add_epi64(b, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
    c = _mm256_add_epi64(c, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
    d = _mm256_add_epi64(d, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

__attribute__((target("avx512f"))) uint64_t read_words_avx512(const uint64_t* p, size_t words) {
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  for (size_t i = 0; i + 32 <= words; i += 32) {
    a = _mm512_add_epi64(a, _mm512_load_si512(p + i));
    b = _mm512_add_epi64(b, _mm512_load_si512(p + i + 8));
    c = _mm512_add_epi64(c, _mm512_load_si512(p + i + 16));
    d = _mm512_add_epi64(d, _mm512_load_si512(p + i + 24));
  }
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d)));
  uint64_t sum = 0;
  for (uint64_t lane : lanes) sum += lane;
  return sum;
}
#endif

using ReadFn = uint64_t (*)(const uint64_t*, size_t);

ReadFn read_fn() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f) return read_words_avx512;
  if (f.avx2) return read_words_avx2;
#endif
  return read_words_scalar;
}

// FMA chains: independent accumulators, enough to cover FMA latency x pipes on current cores (8
// on Zen 4 and Skylake, 10 on Zen 2/3) while all of them stay in registers with the two constants:
// 16 of AVX2's 16 ymm would spill to the stack and time store forwarding (the AVX2 loop measured
// 0.57 of the AVX-512 one on Zen 4, whose AVX2 FMA peak is the same). acc = acc * a + b
// converges to 1 and never leaves the normal range.
constexpr float kScale = 0.999999f, kOffset = 1e-6f;

// Each loop returns the number of floating-point operations done.
#if !defined(__aarch64__)
double fma_loop_scalar(int64_t iterations, float* out) {
  constexpr int kChains = 12;
  float acc[kChains];
  for (float& a : acc) a = 0.5f;
  for (int64_t it = 0; it < iterations; ++it)
    for (float& a : acc) a = a * kScale + kOffset;
  float sum = 0;
  for (float a : acc) sum += a;
  *out = sum;
  return 2.0 * kChains * static_cast<double>(iterations);
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) double fma_loop_avx2(int64_t iterations, float* out) {
  constexpr int kChains = 12;  // + 2 constants: 14 of the 16 ymm registers
  __m256 acc[kChains];
  for (__m256& a : acc) a = _mm256_set1_ps(0.5f);
  const __m256 scale = _mm256_set1_ps(kScale), offset = _mm256_set1_ps(kOffset);
  for (int64_t it = 0; it < iterations; ++it)
    for (__m256& a : acc) a = _mm256_fmadd_ps(a, scale, offset);
  __m256 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  *out = _mm256_cvtss_f32(sum);
  return 2.0 * 8 * kChains * static_cast<double>(iterations);
}

__attribute__((target("avx512f"))) double fma_loop_avx512(int64_t iterations, float* out) {
  constexpr int kChains = 16;  // of 32 zmm registers
  __m512 acc[kChains];
  for (__m512& a : acc) a = _mm512_set1_ps(0.5f);
  const __m512 scale = _mm512_set1_ps(kScale), offset = _mm512_set1_ps(kOffset);
  for (int64_t it = 0; it < iterations; ++it)
    for (__m512& a : acc) a = _mm512_fmadd_ps(a, scale, offset);
  __m512 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  *out = _mm512_cvtss_f32(sum);
  return 2.0 * 16 * kChains * static_cast<double>(iterations);
}
#endif

#if defined(__aarch64__)
// The peak NEON prefill can reach: 4 floats per FMLA (the scalar loop would measure a quarter of
// it, or whatever the compiler's vectorization of it gives).
double fma_loop_neon(int64_t iterations, float* out) {
  constexpr int kChains = 16;  // of 32 vector registers
  float32x4_t acc[kChains];
  for (float32x4_t& a : acc) a = vdupq_n_f32(0.5f);
  const float32x4_t scale = vdupq_n_f32(kScale), offset = vdupq_n_f32(kOffset);
  for (int64_t it = 0; it < iterations; ++it)
    for (float32x4_t& a : acc) a = vfmaq_f32(offset, a, scale);
  float32x4_t sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = vaddq_f32(sum, acc[i]);
  *out = vgetq_lane_f32(sum, 0);
  return 2.0 * 4 * kChains * static_cast<double>(iterations);
}
#endif

using FmaFn = double (*)(int64_t, float*);

FmaFn fma_fn() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f) return fma_loop_avx512;
  if (f.avx2 && f.fma) return fma_loop_avx2;
  return fma_loop_scalar;
#elif defined(__aarch64__)
  return fma_loop_neon;  // every aarch64 core has NEON
#else
  return fma_loop_scalar;
#endif
}

}  // namespace

ReadBandwidthProbe::ReadBandwidthProbe(size_t bytes, ThreadPool& pool) {
  const size_t words = bytes / 4096 * 4096 / sizeof(uint64_t);
  buffer_.resize(words);
  uint64_t* data = buffer_.data();
  pool.parallel_for(static_cast<int64_t>(words), 4096, [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; ++w) data[w] = static_cast<uint64_t>(w);
  });
}

double ReadBandwidthProbe::measure(ThreadPool& pool, int passes) const {
  const ReadFn read = read_fn();
  const uint64_t* data = buffer_.data();
  const int64_t words = static_cast<int64_t>(buffer_.size());
  std::vector<double> rates;
  for (int pass = 0; pass < std::max(passes, 1); ++pass) {
    const Clock::time_point start = Clock::now();
    pool.parallel_for(words, 4096, [&](int64_t w0, int64_t w1) {
      g_sink.fetch_add(read(data + w0, static_cast<size_t>(w1 - w0)), std::memory_order_relaxed);
    });
    rates.push_back(static_cast<double>(bytes()) / seconds_since(start) / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

double measure_fma_peak(ThreadPool& pool, int passes) {
  const FmaFn loop = fma_fn();
  constexpr int64_t kIterations = 4'000'000;  // ~20-60 ms per pass at 1-4 FMA per cycle
  double best = 0;
  for (int pass = 0; pass < std::max(passes, 1); ++pass) {
    std::atomic<double> flops{0};
    const Clock::time_point start = Clock::now();
    pool.run([&](int, int) {
      float result = 0;
      const double done = loop(kIterations, &result);
      g_sink.fetch_add(result > 0 ? 1 : 0, std::memory_order_relaxed);
      double seen = flops.load();
      while (!flops.compare_exchange_weak(seen, seen + done)) {
      }
    });
    best = std::max(best, flops.load() / seconds_since(start) / 1e9);
  }
  return best;
}

}  // namespace lowspec
