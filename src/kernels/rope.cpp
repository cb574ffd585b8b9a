#include "kernels/rope.h"

#include <cmath>

namespace lowspec {

void rope_inv_freq(float theta, int64_t rotary_dims, float* inv_freq) {
  for (int64_t i = 0; i < rotary_dims / 2; ++i)
    inv_freq[i] =
        1.0f / std::pow(theta, static_cast<float>(2 * i) / static_cast<float>(rotary_dims));
}

void rope_angles(float position, const float* inv_freq, int64_t half, float* cos, float* sin) {
  for (int64_t i = 0; i < half; ++i) {
    const float angle = position * inv_freq[i];
    cos[i] = std::cos(angle);
    sin[i] = std::sin(angle);
  }
}

void rope_rotate(float* x, int64_t half, const float* cos, const float* sin) {
  for (int64_t i = 0; i < half; ++i) {
    const float x1 = x[i], x2 = x[i + half];
    x[i] = x1 * cos[i] - x2 * sin[i];
    x[i + half] = x2 * cos[i] + x1 * sin[i];
  }
}

void rope_rotate_pairs(float* x, int64_t half, const float* cos, const float* sin) {
  for (int64_t i = 0; i < half; ++i) {
    const float x1 = x[2 * i], x2 = x[2 * i + 1];
    x[2 * i] = x1 * cos[i] - x2 * sin[i];
    x[2 * i + 1] = x2 * cos[i] + x1 * sin[i];
  }
}

}  // namespace lowspec
