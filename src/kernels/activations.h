// Elementwise activations, in place over n floats, in the exact forms transformers uses.
#pragma once
#include <cstdint>

namespace lowspec {

// SiLU: x * sigmoid(x).
void silu(float* x, int64_t n);
// Tanh GELU (gelu_new, gelu_pytorch_tanh): 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))).
void gelu_tanh(float* x, int64_t n);
// Exact GELU: 0.5x(1 + erf(x/sqrt(2))).
void gelu_erf(float* x, int64_t n);
// ReLU: max(x, 0).
void relu(float* x, int64_t n);

}  // namespace lowspec
