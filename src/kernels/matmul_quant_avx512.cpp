// AVX-512 VNNI body for Q8_0/Q4_0 weights against quantized activations. Two blocks (64 values)
// per zmm; vpdpbusd multiplies unsigned by signed bytes, so the weights enter as |w| and the
// activations take the weights' signs (exact: |w| <= 128, |x| <= 127). Each block's int32 sum is
// scaled by d_w * d_x into float accumulators. A tile of up to 4 input rows x 4 weight rows
// walks K together: at M <= 4 (decode) every weight row is streamed once; at larger M each
// loaded weight pair is reused by 4 input rows and each activation pair by 4 weight rows.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "core/cpu_features.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"

#define LOWSPEC_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kTileRows = 4;
constexpr int kTileCols = 4;
constexpr __mmask16 kHighLanes = 0xff00;  // the second block's 8 int32 lanes
// Masked forms with all lanes set stand in for some unmasked intrinsics: GCC 12's versions of
// those start from _mm512_undefined_*() and trip -Wuninitialized once inlined.
constexpr __mmask16 kAllLanes = 0xffff;
constexpr __mmask8 kAllQwords = 0xff;

// A block in the low half of a zmm, zeros above.
LOWSPEC_VNNI inline __m512i widen(__m256i lo) {
  return _mm512_maskz_inserti64x4(0x0f, _mm512_setzero_si512(), lo, 0);
}

// Blocks lo and hi side by side in one zmm.
LOWSPEC_VNNI inline __m512i join(__m256i lo, __m256i hi) {
  const __m512i wide = widen(lo);
  return _mm512_mask_inserti64x4(wide, kAllQwords, wide, hi, 1);
}

LOWSPEC_VNNI inline float horizontal_sum(__m512 v) {
  const __m256 lo = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xf, _mm512_castps_pd(v), 0));
  const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xf, _mm512_castps_pd(v), 1));
  const __m256 sum8 = _mm256_add_ps(lo, hi);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Weight blocks b and b+1 (or b alone: zeros above) as 64 signed bytes and per-lane scales.
struct Q8Weights {
  using Block = BlockQ8_0;
  LOWSPEC_VNNI static __m512i load(const BlockQ8_0* w, bool pair, __m512& scale) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[0].qs));
    const float d0 = _cvtsh_ss(w[0].d);
    if (!pair) {
      scale = _mm512_maskz_mov_ps(static_cast<__mmask16>(~kHighLanes), _mm512_set1_ps(d0));
      return widen(lo);
    }
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[1].qs));
    scale = _mm512_mask_blend_ps(kHighLanes, _mm512_set1_ps(d0), _mm512_set1_ps(_cvtsh_ss(w[1].d)));
    return join(lo, hi);
  }
};

struct Q4Weights {
  using Block = BlockQ4_0;
  // 16 bytes of nibbles -> 32 values in element order (low nibbles first), minus 8.
  LOWSPEC_VNNI static __m256i unpack(const BlockQ4_0& b) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m128i mask = _mm_set1_epi8(0x0f);
    const __m128i lo = _mm_and_si128(v, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
    return _mm256_sub_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1),
                           _mm256_set1_epi8(8));
  }
  LOWSPEC_VNNI static __m512i load(const BlockQ4_0* w, bool pair, __m512& scale) {
    const float d0 = _cvtsh_ss(w[0].d);
    if (!pair) {
      scale = _mm512_maskz_mov_ps(static_cast<__mmask16>(~kHighLanes), _mm512_set1_ps(d0));
      return widen(unpack(w[0]));
    }
    scale = _mm512_mask_blend_ps(kHighLanes, _mm512_set1_ps(d0), _mm512_set1_ps(_cvtsh_ss(w[1].d)));
    return join(unpack(w[0]), unpack(w[1]));
  }
};

// Accumulates blocks b and b+1 (Pair) or b alone of the tile into acc.
template <class W, int R, int C, bool Pair>
LOWSPEC_VNNI inline void tile_step(const QuantMatmulProblem& p, int64_t m0,
                                   const typename W::Block* w, int64_t blocks, int64_t b,
                                   __m512 (&acc)[R][C]) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i w_abs[C];
  __mmask64 w_neg[C];
  __m512 w_scale[C];
  for (int c = 0; c < C; ++c) {
    // Decode: rows are short (K=2048: 2 KiB of Q8_0), too short for the hardware prefetcher to
    // ramp up on each; fetch the same place in the next tile's rows (past the end is harmless).
    if (p.M <= kTileRows) {
      _mm_prefetch(reinterpret_cast<const char*>(w + (c + C) * blocks + b), _MM_HINT_T0);
    }
    const __m512i q = W::load(w + c * blocks + b, Pair, w_scale[c]);
    w_abs[c] = _mm512_abs_epi8(q);
    w_neg[c] = _mm512_movepi8_mask(q);
  }
  for (int r = 0; r < R; ++r) {
    const int8_t* xr = p.xq + (m0 + r) * p.K + b * kQuantBlock;
    const float* dr = p.xd + (m0 + r) * blocks + b;
    const __m512i x = _mm512_maskz_loadu_epi8(Pair ? ~0ull : 0xffffffffull, xr);
    const __m512 x_scale = _mm512_mask_blend_ps(kHighLanes, _mm512_set1_ps(dr[0]),
                                                _mm512_set1_ps(Pair ? dr[1] : 0.0f));
    for (int c = 0; c < C; ++c) {
      const __m512i x_signed = _mm512_mask_sub_epi8(x, w_neg[c], zero, x);
      const __m512i dot = _mm512_dpbusd_epi32(zero, w_abs[c], x_signed);
      const __m512 sums = _mm512_maskz_cvtepi32_ps(kAllLanes, dot);
      acc[r][c] = _mm512_fmadd_ps(sums, _mm512_mul_ps(w_scale[c], x_scale), acc[r][c]);
    }
  }
}

// y[m0..m0+R, n0..n0+C) over all of K: pairs of blocks, then an odd last block.
template <class W, int R, int C>
LOWSPEC_VNNI void tile(const QuantMatmulProblem& p, int64_t m0, int64_t n0) {
  const int64_t blocks = p.K / kQuantBlock;
  const typename W::Block* w = static_cast<const typename W::Block*>(p.w) + n0 * blocks;
  __m512 acc[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
  }
  int64_t b = 0;
  for (; b + 1 < blocks; b += 2) tile_step<W, R, C, true>(p, m0, w, blocks, b, acc);
  if (b < blocks) tile_step<W, R, C, false>(p, m0, w, blocks, b, acc);
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      const int64_t n = n0 + c;
      p.y[(m0 + r) * p.N + n] = horizontal_sum(acc[r][c]) + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

template <class W, int R>
LOWSPEC_VNNI void tile_cols(const QuantMatmulProblem& p, int64_t m0, int64_t n0, int cols) {
  switch (cols) {
    case 1:
      return tile<W, R, 1>(p, m0, n0);
    case 2:
      return tile<W, R, 2>(p, m0, n0);
    case 3:
      return tile<W, R, 3>(p, m0, n0);
    default:
      return tile<W, R, kTileCols>(p, m0, n0);
  }
}

template <class W>
LOWSPEC_VNNI void quant_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; n += kTileCols) {
    const int cols = static_cast<int>(std::min<int64_t>(kTileCols, n1 - n));
    for (int64_t m = 0; m < p.M; m += kTileRows) {
      switch (std::min<int64_t>(kTileRows, p.M - m)) {
        case 1:
          tile_cols<W, 1>(p, m, n, cols);
          break;
        case 2:
          tile_cols<W, 2>(p, m, n, cols);
          break;
        case 3:
          tile_cols<W, 3>(p, m, n, cols);
          break;
        default:
          tile_cols<W, kTileRows>(p, m, n, cols);
          break;
      }
    }
  }
}

}  // namespace

void matmul_quant_columns_avx512(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (dtype_block_elems(p.w_dtype) == kSuperBlock) return matmul_quant_columns_scalar(p, n0, n1);
  // Without VNNI the AVX2 body (maddubs) is as fast as an AVX-512 emulation would be.
  if (!cpu_features().avx512vnni) return matmul_quant_columns_avx2(p, n0, n1);
  if (p.w_dtype == DType::Q4_0) return quant_columns<Q4Weights>(p, n0, n1);
  quant_columns<Q8Weights>(p, n0, n1);
}

}  // namespace lowspec
