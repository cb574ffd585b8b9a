#include "kernels/norms.h"

#include <cmath>

namespace lowspec {

void rms_norm(const float* x, const float* w, float eps, int64_t n, float* out) {
  double sum_sq = 0;
  for (int64_t i = 0; i < n; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
  const float mean_sq = static_cast<float>(sum_sq / static_cast<double>(n));
  const float inv_rms = 1.0f / std::sqrt(mean_sq + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = w[i] * (x[i] * inv_rms);
}

void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t n, float* out) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const double mean = sum / static_cast<double>(n);
  double sum_sq = 0;
  for (int64_t i = 0; i < n; ++i) sum_sq += (x[i] - mean) * (x[i] - mean);
  const float var = static_cast<float>(sum_sq / static_cast<double>(n));
  const float inv_std = 1.0f / std::sqrt(var + eps);
  const float mean_f = static_cast<float>(mean);
  for (int64_t i = 0; i < n; ++i) out[i] = (x[i] - mean_f) * inv_std * w[i] + b[i];
}

}  // namespace lowspec
