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

// INT8 multiply-add peak: the int8 instruction the quantized kernels are built on, in independent
// chains (each instruction's result feeds the next one of its chain, so none can be hoisted). A
// multiply-add counts 2 operations, as llama.cpp's and the anchors' INT8 peaks count them.
//   AVX-512 VNNI: vpdpbusd, 64 u8 x s8 products summed into int32 per zmm.
//   AVX2: vpmaddubsw, 32 products into int16 pairs per ymm. A dot product needs one more
//     multiply (vpmaddwd) to widen the pairs, so an AVX2 kernel reaches at most about half of this
//     rate where it widens every step (Q8_0) and more where int16 sums can run several steps
//     (4-bit weights).
//   NEON: sdot (16 products into int32 per register) with dotprod, else smlal (8 into int16).
// Each loop returns the number of operations done.
constexpr int8_t kInt8A = 3, kInt8B = -2;

int32_t int8_loop_scalar(int64_t iterations, int64_t* ops) {
  constexpr int kChains = 8;
  uint32_t acc[kChains];  // unsigned: the sums wrap (timing only)
  for (int i = 0; i < kChains; ++i) acc[i] = static_cast<uint32_t>(i);
  volatile int8_t a = kInt8A, b = kInt8B;  // read at run time: not folded into constants
  const uint32_t x = static_cast<uint8_t>(a), y = static_cast<uint32_t>(b);
  for (int64_t it = 0; it < iterations; ++it)
    for (uint32_t& c : acc) c = c * x + y;
  *ops = 2 * kChains * iterations;
  uint32_t sum = 0;
  for (uint32_t c : acc) sum += c;
  return static_cast<int32_t>(sum);
}

#if defined(__x86_64__)
// Ten chains as named registers (latency 3 x 2 per cycle on Zen 3 and Skylake, with room): as an
// array, GCC kept most of them on the stack and timed stores.
__attribute__((target("avx2"))) int32_t int8_loop_avx2(int64_t iterations, int64_t* ops) {
  const __m256i b = _mm256_set1_epi8(kInt8B);
  __m256i c0 = _mm256_set1_epi8(0), c1 = _mm256_set1_epi8(1), c2 = _mm256_set1_epi8(2),
          c3 = _mm256_set1_epi8(3), c4 = _mm256_set1_epi8(4), c5 = _mm256_set1_epi8(5),
          c6 = _mm256_set1_epi8(6), c7 = _mm256_set1_epi8(7), c8 = _mm256_set1_epi8(8),
          c9 = _mm256_set1_epi8(9);
  for (int64_t it = 0; it < iterations; ++it) {
    // Each chain's int16 pairs are read back as bytes: the values do not matter, only the rate.
    c0 = _mm256_maddubs_epi16(c0, b), c1 = _mm256_maddubs_epi16(c1, b);
    c2 = _mm256_maddubs_epi16(c2, b), c3 = _mm256_maddubs_epi16(c3, b);
    c4 = _mm256_maddubs_epi16(c4, b), c5 = _mm256_maddubs_epi16(c5, b);
    c6 = _mm256_maddubs_epi16(c6, b), c7 = _mm256_maddubs_epi16(c7, b);
    c8 = _mm256_maddubs_epi16(c8, b), c9 = _mm256_maddubs_epi16(c9, b);
  }
  const __m256i sum = _mm256_add_epi16(
      _mm256_add_epi16(_mm256_add_epi16(c0, c1), _mm256_add_epi16(c2, c3)),
      _mm256_add_epi16(_mm256_add_epi16(_mm256_add_epi16(c4, c5), _mm256_add_epi16(c6, c7)),
                       _mm256_add_epi16(c8, c9)));
  *ops = 2 * 32 * 10 * iterations;
  return _mm256_cvtsi256_si32(sum);
}

__attribute__((target("avx512f,avx512vnni"))) int32_t int8_loop_avx512vnni(int64_t iterations,
                                                                           int64_t* ops) {
  constexpr int kChains = 16;
  __m512i acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi8(kInt8A), b = _mm512_set1_epi8(kInt8B);
  for (int64_t it = 0; it < iterations; ++it)
    for (__m512i& c : acc) c = _mm512_dpbusd_epi32(c, a, b);
  __m512i sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm512_add_epi32(sum, acc[i]);
  *ops = 2 * 64 * kChains * iterations;
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, sum);
  return lanes[0];
}
#endif

#if defined(__aarch64__)
__attribute__((target("arch=armv8.2-a+dotprod"))) int32_t int8_loop_sdot(int64_t iterations,
                                                                         int64_t* ops) {
  constexpr int kChains = 16;
  int32x4_t acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = vdupq_n_s32(i);
  const int8x16_t a = vdupq_n_s8(kInt8A), b = vdupq_n_s8(kInt8B);
  for (int64_t it = 0; it < iterations; ++it)
    for (int32x4_t& c : acc) c = vdotq_s32(c, a, b);
  int32x4_t sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = vaddq_s32(sum, acc[i]);
  *ops = 2 * 16 * kChains * iterations;
  return vaddvq_s32(sum);
}

int32_t int8_loop_smlal(int64_t iterations, int64_t* ops) {
  constexpr int kChains = 16;
  int16x8_t acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = vdupq_n_s16(static_cast<int16_t>(i));
  const int8x8_t a = vdup_n_s8(kInt8A), b = vdup_n_s8(kInt8B);
  for (int64_t it = 0; it < iterations; ++it)
    for (int16x8_t& c : acc) c = vmlal_s8(c, a, b);
  int16x8_t sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = vaddq_s16(sum, acc[i]);
  *ops = 2 * 8 * kChains * iterations;
  return vaddvq_s16(sum);
}
#endif

using Int8Fn = int32_t (*)(int64_t, int64_t*);

// The same choice as the quantized kernels' dispatch (matmul.cpp): AVX-512 only with VNNI.
Int8Fn int8_fn() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512vnni) return int8_loop_avx512vnni;
  if (f.avx2) return int8_loop_avx2;
  return int8_loop_scalar;
#elif defined(__aarch64__)
  return cpu_features().dotprod ? int8_loop_sdot : int8_loop_smlal;
#else
  return int8_loop_scalar;
#endif
}

// Best of `passes` runs of `loop` on every pool thread, in billions of operations per second.
template <class Loop>
double best_rate(ThreadPool& pool, int passes, Loop&& loop) {
  double best = 0;
  for (int pass = 0; pass < std::max(passes, 1); ++pass) {
    std::atomic<double> ops{0};
    const Clock::time_point start = Clock::now();
    pool.run([&](int, int) {
      const double done = loop();
      double seen = ops.load();
      while (!ops.compare_exchange_weak(seen, seen + done)) {
      }
    });
    best = std::max(best, ops.load() / seconds_since(start) / 1e9);
  }
  return best;
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
  return best_rate(pool, passes, [&] {
    float result = 0;
    const double done = loop(kIterations, &result);
    g_sink.fetch_add(result > 0 ? 1 : 0, std::memory_order_relaxed);
    return done;
  });
}

double measure_int8_peak(ThreadPool& pool, int passes) {
  const Int8Fn loop = int8_fn();
  constexpr int64_t kIterations = 4'000'000;  // ~15-30 ms per pass at 1-2 per cycle
  return best_rate(pool, passes, [&] {
    int64_t ops = 0;
    g_sink.fetch_add(static_cast<uint64_t>(loop(kIterations, &ops)), std::memory_order_relaxed);
    return static_cast<double>(ops);
  });
}

}  // namespace lowspec
