// AVX2 body for Q8_0/Q4_0 weights against quantized activations: one block (32 values) per ymm.
// maddubs multiplies unsigned by signed bytes into saturating int16 pairs, so the weights enter
// as |w| and the activations take the weights' signs (|w| <= 128, |x| <= 127: a pair sums to at
// most 32512, no saturation); madd with ones widens to int32. Same tiling as the AVX-512 body:
// up to 4 input rows x 2 weight rows per tile, weights streamed once when M <= 4.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"

#define LOWSPEC_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kTileRows = 4;
constexpr int kTileCols = 2;  // 8 accumulators + operands fit the 16 ymm registers

struct Q8Weights {
  using Block = BlockQ8_0;
  LOWSPEC_AVX2 static __m256i load(const BlockQ8_0& b) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
  }
};

struct Q4Weights {
  using Block = BlockQ4_0;
  // 16 bytes of nibbles -> 32 values in element order (low nibbles first), minus 8.
  LOWSPEC_AVX2 static __m256i load(const BlockQ4_0& b) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m128i mask = _mm_set1_epi8(0x0f);
    const __m128i lo = _mm_and_si128(v, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
    return _mm256_sub_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1),
                           _mm256_set1_epi8(8));
  }
};

LOWSPEC_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// y[m0..m0+R, n0..n0+C) over all of K.
template <class W, int R, int C>
LOWSPEC_AVX2 void tile(const QuantMatmulProblem& p, int64_t m0, int64_t n0) {
  using Block = typename W::Block;
  const int64_t blocks = p.K / kQuantBlock;
  const Block* w = static_cast<const Block*>(p.w) + n0 * blocks;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b) {
    __m256i w_q[C], w_abs[C];
    float w_scale[C];
    for (int c = 0; c < C; ++c) {
      const Block& block = w[c * blocks + b];
      // Decode: rows too short for the hardware prefetcher to ramp up on; fetch ahead in the
      // next tile's rows (past the end is harmless).
      if (p.M <= kTileRows) {
        _mm_prefetch(reinterpret_cast<const char*>(&block + C * blocks), _MM_HINT_T0);
      }
      w_q[c] = W::load(block);
      w_abs[c] = _mm256_sign_epi8(w_q[c], w_q[c]);
      w_scale[c] = _cvtsh_ss(block.d);
    }
    for (int r = 0; r < R; ++r) {
      const __m256i x = _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(p.xq + (m0 + r) * p.K + b * kQuantBlock));
      const float x_scale = p.xd[(m0 + r) * blocks + b];
      for (int c = 0; c < C; ++c) {
        const __m256i pairs = _mm256_maddubs_epi16(w_abs[c], _mm256_sign_epi8(x, w_q[c]));
        const __m256i dot = _mm256_madd_epi16(pairs, ones);
        acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(w_scale[c] * x_scale),
                                    acc[r][c]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      const int64_t n = n0 + c;
      p.y[(m0 + r) * p.N + n] = horizontal_sum(acc[r][c]) + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

template <class W, int C>
LOWSPEC_AVX2 void tile_rows(const QuantMatmulProblem& p, int64_t m0, int64_t n0, int rows) {
  switch (rows) {
    case 1:
      return tile<W, 1, C>(p, m0, n0);
    case 2:
      return tile<W, 2, C>(p, m0, n0);
    case 3:
      return tile<W, 3, C>(p, m0, n0);
    default:
      return tile<W, kTileRows, C>(p, m0, n0);
  }
}

template <class W>
LOWSPEC_AVX2 void quant_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; n += kTileCols) {
    const bool full = n + kTileCols <= n1;
    for (int64_t m = 0; m < p.M; m += kTileRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kTileRows, p.M - m));
      if (full) {
        tile_rows<W, kTileCols>(p, m, n, rows);
      } else {
        tile_rows<W, 1>(p, m, n, rows);
      }
    }
  }
}

}  // namespace

void matmul_quant_columns_avx2(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (dtype_block_elems(p.w_dtype) == kSuperBlock) return matmul_quant_columns_scalar(p, n0, n1);
  if (p.w_dtype == DType::Q4_0) return quant_columns<Q4Weights>(p, n0, n1);
  quant_columns<Q8Weights>(p, n0, n1);
}

}  // namespace lowspec
