// AVX2 + FMA twins of the activations, 8 floats at a time, the same math as the AVX-512 bodies
// (activations_avx512.cpp: Cephes' expf polynomial, tanh through exp, erf by Abramowitz & Stegun
// 7.1.26). Without vscalefps, 2^n is built in the exponent bits, so x is held to [-87, 88] where
// n stays a normal exponent (e^-87 = 1.6e-38, below which both twins' results agree anyway). The
// tail goes through masked loads and stores. Each equals its scalar twin to a few 1e-7 (tests).
#include <immintrin.h>

#include <climits>
#include <cstdint>

#include "kernels/activations_dispatch.h"

#define LOWSPEC_AVX2 __attribute__((target("avx2,fma")))

namespace lowspec {

namespace {

LOWSPEC_AVX2 inline __m256 exp_ps(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^n: n + 127 in the exponent field (n in [-126, 127] here).
  const __m256i bits =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

// |v| (v >= 0) with the sign of s.
LOWSPEC_AVX2 inline __m256 with_sign_of(__m256 v, __m256 s) {
  return _mm256_or_ps(v, _mm256_and_ps(s, _mm256_castsi256_ps(_mm256_set1_epi32(INT32_MIN))));
}

LOWSPEC_AVX2 inline __m256 abs_ps(__m256 v) {
  return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(INT32_MAX)));
}

LOWSPEC_AVX2 inline __m256 tanh_ps(__m256 u) {
  const __m256 a = abs_ps(u);
  const __m256 e = exp_ps(_mm256_add_ps(a, a));
  const __m256 t =
      _mm256_sub_ps(_mm256_set1_ps(1.0f),
                    _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  return with_sign_of(t, u);
}

LOWSPEC_AVX2 inline __m256 erf_ps(__m256 x) {
  const __m256 a = abs_ps(x);
  const __m256 t = _mm256_div_ps(
      _mm256_set1_ps(1.0f), _mm256_fmadd_ps(a, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.0f)));
  __m256 p = _mm256_set1_ps(1.061405429f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
  p = _mm256_mul_ps(p, t);
  const __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, a)));
  const __m256 y = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));
  return with_sign_of(y, x);
}

// f over x[0, n): whole vectors, then the tail under a mask.
template <class F>
LOWSPEC_AVX2 inline void apply(float* x, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n - i)),
                                         _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(x + i, m, f(_mm256_maskload_ps(x + i, m)));
  }
}

}  // namespace

LOWSPEC_AVX2 void silu_avx2(float* x, int64_t n) {
  apply(x, n, [](__m256 v) LOWSPEC_AVX2 {
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), v));
    return _mm256_div_ps(v, _mm256_add_ps(e, _mm256_set1_ps(1.0f)));
  });
}

LOWSPEC_AVX2 void gelu_tanh_avx2(float* x, int64_t n) {
  apply(x, n, [](__m256 v) LOWSPEC_AVX2 {
    const __m256 v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
    const __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f),
                                   _mm256_fmadd_ps(v3, _mm256_set1_ps(0.044715f), v));
    const __m256 half_v = _mm256_mul_ps(v, _mm256_set1_ps(0.5f));
    return _mm256_fmadd_ps(half_v, tanh_ps(u), half_v);
  });
}

LOWSPEC_AVX2 void gelu_erf_avx2(float* x, int64_t n) {
  apply(x, n, [](__m256 v) LOWSPEC_AVX2 {
    const __m256 half_v = _mm256_mul_ps(v, _mm256_set1_ps(0.5f));
    return _mm256_fmadd_ps(half_v, erf_ps(_mm256_mul_ps(v, _mm256_set1_ps(0.7071067811865476f))),
                           half_v);
  });
}

}  // namespace lowspec
