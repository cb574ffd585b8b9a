#include "kernels/attention.h"

#include <cmath>
#include <limits>

namespace lowspec {

void attend_head(const float* q, const float* keys, const float* values, int64_t n,
                 const uint8_t* mask, int64_t hd, float scale, float* scores, float* out) {
  const float hidden = -std::numeric_limits<float>::infinity();
  float max = hidden;
  for (int64_t s = 0; s < n; ++s) {
    if (mask != nullptr && mask[s] == 0) {
      scores[s] = hidden;
      continue;
    }
    const float* k = keys + s * hd;
    float dot = 0;
    for (int64_t i = 0; i < hd; ++i) dot += q[i] * k[i];
    scores[s] = dot * scale;
    max = scores[s] > max ? scores[s] : max;
  }
  for (int64_t i = 0; i < hd; ++i) out[i] = 0;
  if (max == hidden) return;
  float sum = 0;
  for (int64_t s = 0; s < n; ++s) {
    scores[s] = scores[s] == hidden ? 0.0f : std::exp(scores[s] - max);
    sum += scores[s];
  }
  const float inv = 1.0f / sum;
  for (int64_t s = 0; s < n; ++s) {
    if (scores[s] == 0.0f) continue;
    const float p = scores[s] * inv;
    const float* v = values + s * hd;
    for (int64_t i = 0; i < hd; ++i) out[i] += p * v[i];
  }
}

}  // namespace lowspec
