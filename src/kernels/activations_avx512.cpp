// AVX-512 twins of the activations, 16 floats at a time. libm's expf/tanhf/erff one value at a
// time took a fifth of Phi-2's prefill. exp: n = round(x log2 e), r = x - n ln 2 in two parts,
// a degree-6 polynomial for e^r (Cephes' expf coefficients, ~1 ulp), scaled by 2^n (vscalefps).
// tanh(u) = sign(u) (1 - 2 / (e^{2|u|} + 1)); erf: Abramowitz & Stegun 7.1.26 (absolute error
// below 1.5e-7). Each equals its scalar twin in activations.cpp to a few 1e-7 (tests).
#include <immintrin.h>

#include <climits>
#include <cstdint>

#include "kernels/activations_dispatch.h"

#define LOWSPEC_AVX512 __attribute__((target("avx512f,fma")))

namespace lowspec {

namespace {

LOWSPEC_AVX512 inline __m512 exp_ps(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-88.0f)), _mm512_set1_ps(88.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

// |v| (v >= 0) with the sign of s.
LOWSPEC_AVX512 inline __m512 with_sign_of(__m512 v, __m512 s) {
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32(INT32_MIN));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(v), sign));
}

LOWSPEC_AVX512 inline __m512 tanh_ps(__m512 u) {
  const __m512 a = _mm512_abs_ps(u);
  const __m512 e = exp_ps(_mm512_add_ps(a, a));
  const __m512 t =
      _mm512_sub_ps(_mm512_set1_ps(1.0f),
                    _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
  return with_sign_of(t, u);
}

LOWSPEC_AVX512 inline __m512 erf_ps(__m512 x) {
  const __m512 a = _mm512_abs_ps(x);
  const __m512 t = _mm512_div_ps(
      _mm512_set1_ps(1.0f), _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  p = _mm512_mul_ps(p, t);
  const __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a)));
  const __m512 y = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0f));
  return with_sign_of(y, x);
}

// f over x[0, n): whole vectors, then the tail under a mask.
template <class F>
LOWSPEC_AVX512 inline void apply(float* x, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, f(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, m, f(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace

LOWSPEC_AVX512 void silu_avx512(float* x, int64_t n) {
  apply(x, n, [](__m512 v) LOWSPEC_AVX512 {
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), v));
    return _mm512_div_ps(v, _mm512_add_ps(e, _mm512_set1_ps(1.0f)));
  });
}

LOWSPEC_AVX512 void gelu_tanh_avx512(float* x, int64_t n) {
  apply(x, n, [](__m512 v) LOWSPEC_AVX512 {
    const __m512 v3 = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
    const __m512 u = _mm512_mul_ps(_mm512_set1_ps(0.7978845608028654f),
                                   _mm512_fmadd_ps(v3, _mm512_set1_ps(0.044715f), v));
    const __m512 half_v = _mm512_mul_ps(v, _mm512_set1_ps(0.5f));
    return _mm512_fmadd_ps(half_v, tanh_ps(u), half_v);
  });
}

LOWSPEC_AVX512 void gelu_erf_avx512(float* x, int64_t n) {
  apply(x, n, [](__m512 v) LOWSPEC_AVX512 {
    const __m512 half_v = _mm512_mul_ps(v, _mm512_set1_ps(0.5f));
    return _mm512_fmadd_ps(half_v, erf_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.7071067811865476f))),
                           half_v);
  });
}

}  // namespace lowspec
