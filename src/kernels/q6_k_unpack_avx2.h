// Q6_K's 6-bit values as the x86 bodies (AVX2 decode and panels, AVX-512 panels) take them: half
// `half` of a super-block (128 elements) as four 32-element runs of unsigned bytes 0..63. Run k
// takes the low (k < 2) or high (k >= 2) nibbles of ql's two 32-byte rows and bits 2k..2k+1 of qh.
#pragma once
#include <immintrin.h>

#include "kernels/quant_blocks.h"

namespace lowspec {

// AVX2 only, so AVX-512 bodies inline it too (a callee's target may be a subset of its caller's).
#define LOWSPEC_Q6_K_AVX2 __attribute__((always_inline, target("avx2")))

// Bits shift..shift+1 of each qh byte, moved to bits 4-5: masked in place, then one 16-bit shift
// (none for shift 4), which carries no bits across bytes as the mask cleared the ones it would.
LOWSPEC_Q6_K_AVX2 inline __m256i q6_k_high2(__m256i h, int shift) {
  const __m256i bits = _mm256_and_si256(h, _mm256_set1_epi8(static_cast<char>(0x03 << shift)));
  if (shift < 4) return _mm256_slli_epi16(bits, 4 - shift);
  return shift == 4 ? bits : _mm256_srli_epi16(bits, shift - 4);
}

// Run k (0..3) of half `half` alone: elements 128 half + 32 k .. + 32.
LOWSPEC_Q6_K_AVX2 inline __m256i unpack_q6_k_run(const BlockQ6_K& b, int half, int k) {
  const __m256i l =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.ql + 64 * half + 32 * (k % 2)));
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * half));
  const __m256i nibbles = k < 2 ? l : _mm256_srli_epi16(l, 4);
  return _mm256_or_si256(_mm256_and_si256(nibbles, _mm256_set1_epi8(0x0f)), q6_k_high2(h, 2 * k));
}

LOWSPEC_Q6_K_AVX2 inline void unpack_q6_k_half(const BlockQ6_K& b, int half, __m256i (&u)[4]) {
  for (int k = 0; k < 4; ++k) u[k] = unpack_q6_k_run(b, half, k);
}

}  // namespace lowspec

#undef LOWSPEC_Q6_K_AVX2
