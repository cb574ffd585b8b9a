#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/cpu_features.h"

namespace lowspec {

void store_key(float* keys, int64_t slot, const float* k, int64_t hd) {
  float* block = keys + slot / kKeyBlock * kKeyBlock * hd + slot % kKeyBlock;
  for (int64_t i = 0; i < hd; ++i) block[i * kKeyBlock] = k[i];
}

namespace {

// The loops are plain vector-extension code over L-float vectors, compiled once per ISA (below):
// L = 16 on AVX-512 (one zmm), 8 on AVX2 and baseline x86 (one ymm, or two xmm). A 16-float
// vector on AVX2 went through the stack on every step (the whole attention ran at 1/18 of the
// FMA peak, 11 % of a TinyLlama decode on Zen 3).
// (Plain typedefs per width: GCC drops the vector attributes of an alias template.)
template <int L>
struct LaneTypes;
template <>
struct LaneTypes<8> {
  typedef float Lanes __attribute__((vector_size(32)));
  // The same lanes read from any float address (unaligned, aliasing floats).
  typedef float Unaligned __attribute__((vector_size(32), aligned(4), may_alias));
};
template <>
struct LaneTypes<16> {
  typedef float Lanes __attribute__((vector_size(64)));
  typedef float Unaligned __attribute__((vector_size(64), aligned(4), may_alias));
};
template <int L>
using Lanes = typename LaneTypes<L>::Lanes;

template <int L>
inline __attribute__((always_inline)) const typename LaneTypes<L>::Unaligned& load(const float* p) {
  return *reinterpret_cast<const typename LaneTypes<L>::Unaligned*>(p);
}

// scores[s] = scale * q.k_s for s < round_up(n, kKeyBlock): a block's kKeyBlock scores are H
// vectors of independent lanes; four partial sums per vector keep the FMA pipeline full.
template <int L>
inline __attribute__((always_inline)) void key_scores(const float* q, const float* keys, int64_t n,
                                                      int64_t hd, float scale, float* scores) {
  constexpr int H = kKeyBlock / L;
  const int64_t blocks = (n + kKeyBlock - 1) / kKeyBlock;
  for (int64_t b = 0; b < blocks; ++b) {
    const float* kb = keys + b * kKeyBlock * hd;
    Lanes<L> acc[4][H] = {};
    int64_t i = 0;
    for (; i + 4 <= hd; i += 4) {
      for (int j = 0; j < 4; ++j) {
        for (int h = 0; h < H; ++h)
          acc[j][h] += q[i + j] * load<L>(kb + (i + j) * kKeyBlock + h * L);
      }
    }
    for (; i < hd; ++i) {
      for (int h = 0; h < H; ++h) acc[0][h] += q[i] * load<L>(kb + i * kKeyBlock + h * L);
    }
    for (int h = 0; h < H; ++h) {
      const Lanes<L> sum = ((acc[0][h] + acc[1][h]) + (acc[2][h] + acc[3][h])) * scale;
      std::memcpy(scores + b * kKeyBlock + h * L, &sum, sizeof sum);
    }
  }
}

// out[hd] = scale * sum_s w[s] * v_s over slots with w[s] > 0, 64 dims at a time in registers.
template <int L>
inline __attribute__((always_inline)) void weighted_values(const float* w, const float* values,
                                                           int64_t n, int64_t hd, float scale,
                                                           float* out) {
  constexpr int kDims = 64, kVectors = kDims / L;
  int64_t d0 = 0;
  while (hd - d0 >= L) {
    const int64_t vectors = std::min<int64_t>(kVectors, (hd - d0) / L);
    Lanes<L> acc[kVectors] = {};
    for (int64_t s = 0; s < n; ++s) {
      if (w[s] == 0.0f) continue;
      const float* v = values + s * hd + d0;
      for (int64_t c = 0; c < vectors; ++c) acc[c] += w[s] * load<L>(v + c * L);
    }
    for (int64_t c = 0; c < vectors; ++c) {
      const Lanes<L> scaled = acc[c] * scale;
      std::memcpy(out + d0 + c * L, &scaled, sizeof scaled);
    }
    d0 += vectors * L;
  }
  for (int64_t i = d0; i < hd; ++i) {  // dims beyond the last whole vector
    float acc = 0;
    for (int64_t s = 0; s < n; ++s) acc += w[s] * values[s * hd + i];
    out[i] = acc * scale;
  }
}

using KeyScoresFn = void (*)(const float*, const float*, int64_t, int64_t, float, float*);
using WeightedValuesFn = void (*)(const float*, const float*, int64_t, int64_t, float, float*);

struct AttentionBodies {
  KeyScoresFn key_scores;
  WeightedValuesFn weighted_values;
};

void key_scores_base(const float* q, const float* k, int64_t n, int64_t hd, float sc, float* out) {
  key_scores<8>(q, k, n, hd, sc, out);
}
void weighted_values_base(const float* w, const float* v, int64_t n, int64_t hd, float sc,
                          float* out) {
  weighted_values<8>(w, v, n, hd, sc, out);
}

#if defined(__x86_64__)
#define LOWSPEC_AVX2_FMA __attribute__((target("avx2,fma")))
#define LOWSPEC_AVX512 __attribute__((target("avx512f,avx2,fma")))
LOWSPEC_AVX2_FMA void key_scores_avx2(const float* q, const float* k, int64_t n, int64_t hd,
                                      float sc, float* out) {
  key_scores<8>(q, k, n, hd, sc, out);
}
LOWSPEC_AVX2_FMA void weighted_values_avx2(const float* w, const float* v, int64_t n, int64_t hd,
                                           float sc, float* out) {
  weighted_values<8>(w, v, n, hd, sc, out);
}
LOWSPEC_AVX512 void key_scores_avx512(const float* q, const float* k, int64_t n, int64_t hd,
                                      float sc, float* out) {
  key_scores<16>(q, k, n, hd, sc, out);
}
LOWSPEC_AVX512 void weighted_values_avx512(const float* w, const float* v, int64_t n, int64_t hd,
                                           float sc, float* out) {
  weighted_values<16>(w, v, n, hd, sc, out);
}
#endif

// Chosen once, from the features LOWSPEC_ISA leaves (so capped runs test the narrower bodies).
const AttentionBodies& bodies() {
  static const AttentionBodies chosen = [] {
#if defined(__x86_64__)
    const CpuFeatures& f = cpu_features();
    if (f.avx512f && f.fma) return AttentionBodies{key_scores_avx512, weighted_values_avx512};
    if (f.avx2 && f.fma) return AttentionBodies{key_scores_avx2, weighted_values_avx2};
#endif
    return AttentionBodies{key_scores_base, weighted_values_base};
  }();
  return chosen;
}

}  // namespace

void attend_head(const float* q, const float* keys, const float* values, int64_t n,
                 const uint8_t* mask, int64_t hd, float scale, float* scores, float* out) {
  bodies().key_scores(q, keys, n, hd, scale, scores);
  const float hidden = -std::numeric_limits<float>::infinity();
  float max = hidden;
  for (int64_t s = 0; s < n; ++s) {
    if (mask != nullptr && mask[s] == 0) scores[s] = hidden;
    max = scores[s] > max ? scores[s] : max;
  }
  if (max == hidden) {
    for (int64_t i = 0; i < hd; ++i) out[i] = 0;
    return;
  }
  float sum = 0;
  for (int64_t s = 0; s < n; ++s) {
    scores[s] = std::exp(scores[s] - max);  // exp(-inf) = 0 for hidden slots
    sum += scores[s];
  }
  bodies().weighted_values(scores, values, n, hd, 1.0f / sum, out);
}

}  // namespace lowspec
