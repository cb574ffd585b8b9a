// The activations' plain twins and the choice of body: AVX-512 or AVX2 where matmul runs that path
// (the same LOWSPEC_ISA cap), the twins elsewhere.
#include "kernels/activations.h"

#include <cmath>

#include "kernels/activations_dispatch.h"
#include "kernels/matmul_dispatch.h"

namespace lowspec {

void silu_scalar(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void gelu_tanh_scalar(float* x, int64_t n) {
  const float sqrt_2_over_pi = 0.7978845608028654f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + std::tanh(sqrt_2_over_pi * (v + 0.044715f * v * v * v)));
  }
}

void gelu_erf_scalar(float* x, int64_t n) {
  const float inv_sqrt2 = 0.7071067811865476f;
  for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * inv_sqrt2));
}

#if defined(__x86_64__)
namespace {

MatmulIsa isa() {
  static const MatmulIsa best = matmul_best_isa();
  return best;
}

}  // namespace
#endif

void silu(float* x, int64_t n) {
#if defined(__x86_64__)
  if (isa() == MatmulIsa::Avx512) return silu_avx512(x, n);
  if (isa() == MatmulIsa::Avx2) return silu_avx2(x, n);
#endif
  silu_scalar(x, n);
}

void gelu_tanh(float* x, int64_t n) {
#if defined(__x86_64__)
  if (isa() == MatmulIsa::Avx512) return gelu_tanh_avx512(x, n);
  if (isa() == MatmulIsa::Avx2) return gelu_tanh_avx2(x, n);
#endif
  gelu_tanh_scalar(x, n);
}

void gelu_erf(float* x, int64_t n) {
#if defined(__x86_64__)
  if (isa() == MatmulIsa::Avx512) return gelu_erf_avx512(x, n);
  if (isa() == MatmulIsa::Avx2) return gelu_erf_avx2(x, n);
#endif
  gelu_erf_scalar(x, n);
}

void relu(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

}  // namespace lowspec
