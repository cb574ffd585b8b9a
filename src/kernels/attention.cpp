#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

// Portable loops, compiled once per ISA and picked at load time (GCC function multiversioning).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LOWSPEC_ISA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LOWSPEC_ISA_CLONES
#endif

namespace lowspec {

void store_key(float* keys, int64_t slot, const float* k, int64_t hd) {
  float* block = keys + slot / kKeyBlock * kKeyBlock * hd + slot % kKeyBlock;
  for (int64_t i = 0; i < hd; ++i) block[i * kKeyBlock] = k[i];
}

namespace {

// One block's kKeyBlock scores as a vector (GCC/Clang vector extension: the clones lower it to
// one zmm, two ymm or four xmm registers).
using KeyLanes = float __attribute__((vector_size(kKeyBlock * sizeof(float))));
// The same lanes read from any float address (unaligned, aliasing floats).
using UnalignedLanes = float __attribute__((vector_size(kKeyBlock * sizeof(float)), aligned(4), may_alias));

inline const UnalignedLanes& load_lanes(const float* p) { return *reinterpret_cast<const UnalignedLanes*>(p); }

// scores[s] = scale * q.k_s for s < round_up(n, kKeyBlock); four partial sums keep the FMA
// pipeline full.
LOWSPEC_ISA_CLONES
void key_scores(const float* q, const float* keys, int64_t n, int64_t hd, float scale, float* scores) {
  const int64_t blocks = (n + kKeyBlock - 1) / kKeyBlock;
  for (int64_t b = 0; b < blocks; ++b) {
    const float* kb = keys + b * kKeyBlock * hd;
    KeyLanes acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
    int64_t i = 0;
    for (; i + 4 <= hd; i += 4) {
      acc0 += q[i] * load_lanes(kb + i * kKeyBlock);
      acc1 += q[i + 1] * load_lanes(kb + (i + 1) * kKeyBlock);
      acc2 += q[i + 2] * load_lanes(kb + (i + 2) * kKeyBlock);
      acc3 += q[i + 3] * load_lanes(kb + (i + 3) * kKeyBlock);
    }
    for (; i < hd; ++i) acc0 += q[i] * load_lanes(kb + i * kKeyBlock);
    const KeyLanes sum = ((acc0 + acc1) + (acc2 + acc3)) * scale;
    std::memcpy(scores + b * kKeyBlock, &sum, sizeof sum);
  }
}

// out[hd] = scale * sum_s w[s] * v_s over slots with w[s] > 0, 64 dims at a time in registers.
LOWSPEC_ISA_CLONES
void weighted_values(const float* w, const float* values, int64_t n, int64_t hd, float scale, float* out) {
  int64_t d0 = 0;
  while (hd - d0 >= kKeyBlock) {
    const int64_t chunks = std::min<int64_t>(4, (hd - d0) / kKeyBlock);
    KeyLanes acc[4] = {};
    for (int64_t s = 0; s < n; ++s) {
      if (w[s] == 0.0f) continue;
      const float* v = values + s * hd + d0;
      for (int64_t c = 0; c < chunks; ++c) acc[c] += w[s] * load_lanes(v + c * kKeyBlock);
    }
    for (int64_t c = 0; c < chunks; ++c) {
      const KeyLanes scaled = acc[c] * scale;
      std::memcpy(out + d0 + c * kKeyBlock, &scaled, sizeof scaled);
    }
    d0 += chunks * kKeyBlock;
  }
  for (int64_t i = d0; i < hd; ++i) {  // dims beyond the last whole chunk
    float acc = 0;
    for (int64_t s = 0; s < n; ++s) acc += w[s] * values[s * hd + i];
    out[i] = acc * scale;
  }
}

}  // namespace

void attend_head(const float* q, const float* keys, const float* values, int64_t n,
                 const uint8_t* mask, int64_t hd, float scale, float* scores, float* out) {
  key_scores(q, keys, n, hd, scale, scores);
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
  weighted_values(scores, values, n, hd, 1.0f / sum, out);
}

}  // namespace lowspec
