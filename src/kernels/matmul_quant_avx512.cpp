// AVX-512 VNNI body for Q8_0/Q4_0 weights against quantized activations. Two blocks (64 values)
// per zmm; vpdpbusd multiplies unsigned by signed bytes, so the weights enter as |w| and the
// activations take the weights' signs (exact: |w| <= 128, |x| <= 127). Each block's int32 sum is
// scaled by d_w * d_x into float accumulators. A tile of up to 4 input rows x 4 weight rows
// walks K together: at M <= 4 (decode) every weight row is streamed once; at larger M each
// loaded weight pair is reused by 4 input rows and each activation pair by 4 weight rows.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/aligned_buffer.h"
#include "core/cpu_features.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"

#define LOWSPEC_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))
#define LOWSPEC_VNNI_LAMBDA \
  __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))

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

// Decode (M <= 4): one block per ymm with the weights as unsigned bytes, so vpdpbusd takes them
// as they come: Q4_0's nibbles are 0..15 (value q - 8), Q8_0's bytes flipped by 128 (value
// u - 128). The offset times the activation block's sum is subtracted by starting the int32
// accumulator at -offset * sum / 8 in each of its 8 lanes: no extra vector work per block.
struct Q8Unsigned {
  using Block = BlockQ8_0;
  static constexpr int kOffsetPerLane = 16;  // 128 / 8 lanes
  // Light to unpack: one row at a time, 4 blocks per step, keeps a single sequential stream
  // that the hardware prefetcher follows at full bandwidth.
  static constexpr int kRows = 1;
  static constexpr int kUnroll = 4;
  static constexpr bool kPrefetch = false;
  LOWSPEC_VNNI static __m256i load(const BlockQ8_0& b) {
    return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)),
                            _mm256_set1_epi8(static_cast<char>(0x80)));
  }
};

struct Q4Unsigned {
  using Block = BlockQ4_0;
  static constexpr int kOffsetPerLane = 1;  // 8 / 8 lanes
  // Heavier per byte: 8 rows share each activation block (compute-bound otherwise), and their
  // short streams are prefetched by hand one tile ahead.
  static constexpr int kRows = 8;
  static constexpr int kUnroll = 1;
  static constexpr bool kPrefetch = true;
  // The 16 bytes in both halves; the upper half shifted by 4: low nibbles are elements 0..15,
  // high nibbles 16..31.
  LOWSPEC_VNNI static __m256i load(const BlockQ4_0& b) {
    const __m256i v =
        _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
    return _mm256_and_si256(_mm256_srlv_epi64(v, _mm256_set_epi64x(4, 4, 0, 0)),
                            _mm256_set1_epi8(0x0f));
  }
};

LOWSPEC_VNNI inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// y[0..R, n..n+C) for R <= 4 input rows: C weight rows streamed together, each block dotted
// with every input row, U blocks per step into independent accumulators. The weights' offset
// (8 for Q4_0, 128 for flipped Q8_0) times each activation block's sum is not taken per block:
// scale * offset * sum is summed 16 blocks at a time beside the scales. The scales are gathered
// first, 16 blocks at a time: the f16 weight scales copied out of the blocks by scalar moves
// (integer ports), widened and multiplied by the activation scales 16 at once, so the block loop
// loads a ready float.
template <class W, int R, int C>
LOWSPEC_VNNI void decode_tile(const QuantMatmulProblem& p, int64_t n0, const float* offset_sum) {
  constexpr int kChunk = 16;
  constexpr int U = W::kUnroll;
  const int64_t blocks = p.K / kQuantBlock;
  const typename W::Block* w = static_cast<const typename W::Block*>(p.w) + n0 * blocks;
  __m256 acc[R][C][U];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      for (int k = 0; k < U; ++k) acc[r][c][k] = _mm256_setzero_ps();
    }
  }
  alignas(64) float scale[R][C][kChunk];
  __m512 correction[R][C];  // sum over blocks of scale * (-offset * sum(x))
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) correction[r][c] = _mm512_setzero_ps();
  }
  alignas(64) uint16_t dw_half[kChunk];
  for (int64_t b0 = 0; b0 < blocks; b0 += kChunk) {
    const int count = static_cast<int>(std::min<int64_t>(kChunk, blocks - b0));
    const __mmask16 valid = static_cast<__mmask16>((1u << count) - 1);
    for (int c = 0; c < C; ++c) {
      for (int i = 0; i < count; ++i) dw_half[i] = w[c * blocks + b0 + i].d;
      const __m512 dw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(valid, dw_half));
      for (int r = 0; r < R; ++r) {
        const __m512 dx = _mm512_maskz_loadu_ps(valid, p.xd + r * blocks + b0);
        const __m512 sc = _mm512_mul_ps(dw, dx);
        _mm512_store_ps(scale[r][c], sc);
        const __m512 os = _mm512_maskz_loadu_ps(valid, offset_sum + r * blocks + b0);
        correction[r][c] = _mm512_fmadd_ps(sc, os, correction[r][c]);
      }
    }
    auto step = [&](int i, int k) LOWSPEC_VNNI_LAMBDA {
      const int64_t b = b0 + i;
      __m256i u[C];
      for (int c = 0; c < C; ++c) {
        if (W::kPrefetch && (i & 1) == 0) {
          _mm_prefetch(reinterpret_cast<const char*>(&w[(c + C) * blocks + b]), _MM_HINT_T0);
        }
        u[c] = W::load(w[c * blocks + b]);
      }
      for (int r = 0; r < R; ++r) {
        const int64_t rb = r * blocks + b;
        const __m256i x =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.xq + rb * kQuantBlock));
        for (int c = 0; c < C; ++c) {
          const __m256 dot =
              _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u[c], x));
          acc[r][c][k] = _mm256_fmadd_ps(dot, _mm256_broadcast_ss(&scale[r][c][i]), acc[r][c][k]);
        }
      }
    };
    int i = 0;
    for (; i + U <= count; i += U) {
      for (int k = 0; k < U; ++k) step(i + k, k);
    }
    for (; i < count; ++i) step(i, 0);
  }
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      __m256 sum = acc[r][c][0];
      for (int k = 1; k < U; ++k) sum = _mm256_add_ps(sum, acc[r][c][k]);
      p.y[r * p.N + n0 + c] = horizontal_sum(sum) + _mm512_reduce_add_ps(correction[r][c]) +
                              (p.bias ? p.bias[n0 + c] : 0.0f);
    }
  }
}

template <class W, int R>
LOWSPEC_VNNI void decode_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  constexpr int C = std::max(1, W::kRows / R);  // R * C accumulators stay in registers
  // The weights' offset times each activation block's sum, subtracted once per block.
  thread_local AlignedBuffer<float> offset_sum;
  const int64_t blocks = R * p.K / kQuantBlock;
  offset_sum.resize(static_cast<size_t>(blocks));
  for (int64_t b = 0; b < blocks; ++b) {
    offset_sum[b] = static_cast<float>(-8 * W::kOffsetPerLane * p.xsum[b]);
  }
  int64_t n = n0;
  for (; n + C <= n1; n += C) decode_tile<W, R, C>(p, n, offset_sum.data());
  for (; n < n1; ++n) decode_tile<W, R, 1>(p, n, offset_sum.data());
}

template <class W>
LOWSPEC_VNNI void decode(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  switch (p.M) {
    case 1:
      return decode_columns<W, 1>(p, n0, n1);
    case 2:
      return decode_columns<W, 2>(p, n0, n1);
    case 3:
      return decode_columns<W, 3>(p, n0, n1);
    default:
      return decode_columns<W, 4>(p, n0, n1);
  }
}

// Q4_K decode: per super-block the eight 6-bit (scale, min) pairs are widened once into
// d * sc * dx and dmin * m * dx * sum(x) vectors (the activation side per 32-group); each group
// is then one nibble unpack and one vpdpbusd, like Q4_0. C rows streamed together, the next
// tile's rows prefetched.
template <int C>
LOWSPEC_VNNI void decode_q4_k_tile(const QuantMatmulProblem& p, int64_t m, int64_t n0) {
  const int64_t supers = p.K / kSuperBlock;
  const int64_t groups = p.K / kQuantBlock;
  const BlockQ4_K* w = static_cast<const BlockQ4_K*>(p.w) + n0 * supers;
  const int8_t* xq = p.xq + m * p.K;
  const float* xd = p.xd + m * groups;
  const int32_t* xsum = p.xsum + m * groups;
  __m256 acc[C], correction[C];
  for (int c = 0; c < C; ++c) acc[c] = correction[c] = _mm256_setzero_ps();
  const __m256i low = _mm256_set1_epi8(0x0f);
  alignas(32) float scale[C][8];
  for (int64_t sb = 0; sb < supers; ++sb) {
    const __m256 dx = _mm256_loadu_ps(xd + sb * 8);
    const __m256 dx_sum = _mm256_mul_ps(
        dx,
        _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xsum + sb * 8))));
    for (int c = 0; c < C; ++c) {
      const BlockQ4_K& b = w[c * supers + sb];
      _mm_prefetch(reinterpret_cast<const char*>(&w[(c + C) * supers + sb]), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(&w[(c + C) * supers + sb]) + 64, _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(&w[(c + C) * supers + sb]) + 128, _MM_HINT_T0);
      // The 12 scale bytes as three words: sc[0..3] and m[0..3] are the low 6 bits of words 0
      // and 1; sc[4..7] and m[4..7] take 4 bits from word 2 and their top 2 bits from the top
      // of words 0 and 1 (k_scale_min, four at a time).
      uint32_t word[3];
      std::memcpy(word, b.scales, sizeof(word));
      const uint64_t sc8 = (word[0] & 0x3f3f3f3fu) |
                           uint64_t{(word[2] & 0x0f0f0f0fu) | ((word[0] >> 6) & 0x03030303u) << 4}
                               << 32;
      const uint64_t mn8 =
          (word[1] & 0x3f3f3f3fu) |
          uint64_t{((word[2] >> 4) & 0x0f0f0f0fu) | ((word[1] >> 6) & 0x03030303u) << 4} << 32;
      const __m256 d = _mm256_set1_ps(_cvtsh_ss(b.d));
      const __m256 dmin = _mm256_set1_ps(_cvtsh_ss(b.dmin));
      const __m256 scv =
          _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(sc8))));
      const __m256 mnv =
          _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(mn8))));
      _mm256_store_ps(scale[c], _mm256_mul_ps(_mm256_mul_ps(d, scv), dx));
      correction[c] = _mm256_fmadd_ps(_mm256_mul_ps(dmin, mnv), dx_sum, correction[c]);
    }
    for (int chunk = 0; chunk < 4; ++chunk) {
      const int8_t* x = xq + sb * kSuperBlock + chunk * 64;
      const __m256i x_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
      const __m256i x_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 32));
      for (int c = 0; c < C; ++c) {
        const __m256i v = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(w[c * supers + sb].qs + chunk * 32));
        const __m256i u_lo = _mm256_and_si256(v, low);
        const __m256i u_hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
        const __m256 dot_lo =
            _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u_lo, x_lo));
        const __m256 dot_hi =
            _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u_hi, x_hi));
        acc[c] = _mm256_fmadd_ps(dot_lo, _mm256_broadcast_ss(&scale[c][2 * chunk]), acc[c]);
        acc[c] = _mm256_fmadd_ps(dot_hi, _mm256_broadcast_ss(&scale[c][2 * chunk + 1]), acc[c]);
      }
    }
  }
  for (int c = 0; c < C; ++c) {
    const int64_t n = n0 + c;
    p.y[m * p.N + n] =
        horizontal_sum(acc[c]) - horizontal_sum(correction[c]) + (p.bias ? p.bias[n] : 0.0f);
  }
}

LOWSPEC_VNNI void decode_q4_k(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  constexpr int C = 4;
  for (int64_t m = 0; m < p.M; ++m) {
    int64_t n = n0;
    for (; n + C <= n1; n += C) decode_q4_k_tile<C>(p, m, n);
    for (; n < n1; ++n) decode_q4_k_tile<1>(p, m, n);
  }
}

}  // namespace

// quantize_activations' rule (amax / 127, roundf) 32 floats at a time, plus each block's sum.
// roundf rounds halves away from zero: truncate, then step away when the rest is >= 0.5.
LOWSPEC_VNNI void quantize_activations_avx512(const float* x, int64_t n, int8_t* qs, float* scales,
                                              int32_t* sums) {
  const __m512 half = _mm512_set1_ps(0.5f);
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int64_t b = 0; b < n / kQuantBlock; ++b) {
    const __m512 v0 = _mm512_loadu_ps(x + b * kQuantBlock);
    const __m512 v1 = _mm512_loadu_ps(x + b * kQuantBlock + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const float d = amax / 127.0f;
    const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    __m512i q[2];
    const __m512 v[2] = {v0, v1};
    for (int h = 0; h < 2; ++h) {
      const __m512 s = _mm512_mul_ps(v[h], id);
      const __m512 t = _mm512_roundscale_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __mmask16 away =
          _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(s, t)), half, _CMP_GE_OQ);
      const __mmask16 up = away & _mm512_cmp_ps_mask(s, _mm512_setzero_ps(), _CMP_GT_OQ);
      const __mmask16 down = away & static_cast<__mmask16>(~up);
      const __m512 r = _mm512_mask_sub_ps(_mm512_mask_add_ps(t, up, t, one), down, t, one);
      q[h] = _mm512_cvttps_epi32(r);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + b * kQuantBlock), _mm512_cvtsepi32_epi8(q[0]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + b * kQuantBlock + 16),
                     _mm512_cvtsepi32_epi8(q[1]));
    scales[b] = d;
    sums[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(q[0], q[1]));
  }
}

void matmul_quant_columns_avx512(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.M > kTileRows && matmul_quant_panel_supports(p.w_dtype)) {
    return matmul_quant_panel_avx512(p, n0, n1);
  }
  if (p.w_dtype == DType::Q4_K) return decode_q4_k(p, n0, n1);
  if (dtype_block_elems(p.w_dtype) == kSuperBlock) return matmul_quant_columns_scalar(p, n0, n1);
  // Without VNNI the AVX2 body (maddubs) is as fast as an AVX-512 emulation would be.
  if (!cpu_features().avx512vnni) return matmul_quant_columns_avx2(p, n0, n1);
  if (p.M <= kTileRows) {
    if (p.w_dtype == DType::Q4_0) return decode<Q4Unsigned>(p, n0, n1);
    return decode<Q8Unsigned>(p, n0, n1);
  }
  if (p.w_dtype == DType::Q4_0) return quant_columns<Q4Weights>(p, n0, n1);
  quant_columns<Q8Weights>(p, n0, n1);
}
}  // namespace lowspec
