// Internals of the activations: the plain twins (libm, one value at a time) and the SIMD bodies
// the public functions of activations.h choose between once per process.
#pragma once
#include <cstdint>

namespace lowspec {

void silu_scalar(float* x, int64_t n);
void gelu_tanh_scalar(float* x, int64_t n);
void gelu_erf_scalar(float* x, int64_t n);

void silu_avx2(float* x, int64_t n);
void gelu_tanh_avx2(float* x, int64_t n);
void gelu_erf_avx2(float* x, int64_t n);

void silu_avx512(float* x, int64_t n);
void gelu_tanh_avx512(float* x, int64_t n);
void gelu_erf_avx512(float* x, int64_t n);

}  // namespace lowspec
