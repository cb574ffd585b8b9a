// Normalizations over one row of n floats (out may alias x). Statistics are accumulated in
// double so round-off stays far below the float32 reference's.
#pragma once
#include <cstdint>

namespace lowspec {

// RMSNorm: out = x / sqrt(mean(x^2) + eps) * w   (Llama; Gemma passes w = 1 + its weight).
void rms_norm(const float* x, const float* w, float eps, int64_t n, float* out);

// LayerNorm: out = (x - mean) / sqrt(var + eps) * w + b, biased variance (PyTorch's).
void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t n, float* out);

}  // namespace lowspec
