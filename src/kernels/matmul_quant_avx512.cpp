// AVX-512 VNNI bodies for block-quantized weights against int8 activations (see
// docs/ARCHITECTURE.md, "Where speed comes from"): decode (M <= 4) for Q8_0, Q4_0, Q4_K, Q5_K and
// Q6_K, one weight row streamed at a time; prefill (M > 4) through the packed panels of
// matmul_quant_panel_avx512.cpp; the AVX-512 activation quantizer. vpdpbusd and vpmaddubsw multiply
// unsigned by signed bytes: the weights always enter unsigned, the activations signed.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/aligned_buffer.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/prefetch.h"
#include "kernels/quant_blocks.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")
#include "kernels/matmul_q4_0_decode_avx512.h"
#pragma GCC pop_options

#define LOWSPEC_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))
#define LOWSPEC_VNNI_INLINE \
  __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kDecodeRows = 4;  // input rows the decode bodies take; more go to the panels
constexpr int kChunk = 16;      // blocks whose scales are prepared together in decode

// A block in the low half of a zmm, zeros above.
LOWSPEC_VNNI inline __m512i widen(__m256i lo) {
  return _mm512_zextsi256_si512(lo);
}

// Blocks lo and hi side by side in one zmm.
LOWSPEC_VNNI inline __m512i join(__m256i lo, __m256i hi) {
  return _mm512_inserti64x4(widen(lo), hi, 1);
}

// Decode (M <= 4): each weight row read front to back, one row at a time, so the weights form a
// single sequential stream (from a memory-mapped file, several concurrent row streams run at
// half the bandwidth or less: the hardware prefetcher follows one stream). Two blocks per zmm,
// the weights as unsigned bytes so vpdpbusd takes them as they come: Q8_0's bytes flipped by
// 128 (value u - 128); Q4_0 below likewise takes its nibbles 0..15 (value q - 8). The offset times
// each activation block's sum is not subtracted per block: scale * offset * sum is summed 16 blocks
// at a time beside the scales.
struct Q8Unsigned {
  using Block = BlockQ8_0;
  static constexpr int kOffset = 128;
  // Blocks b and b+1 (or b alone, zeros above): 64 bytes, flipped to unsigned.
  LOWSPEC_VNNI static __m512i load(const BlockQ8_0* b, bool pair) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[0].qs));
    const __m512i q =
        pair ? join(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[1].qs))) : widen(lo);
    return _mm512_xor_si512(q, _mm512_set1_epi8(static_cast<char>(0x80)));
  }
};

LOWSPEC_VNNI inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Blocks b0..b0+count (count <= 16) of a row: per input row r, scale[r] = d_w * d_x for each
// block, and correction[r] += scale * (-offset * sum(x)). The f16 weight scales are copied out
// of the blocks by scalar moves (integer ports) and widened 16 at once.
template <int R, class Block>
LOWSPEC_VNNI_INLINE inline void chunk_scales(const QuantMatmulProblem& p, const Block* w,
                                             int64_t b0, int count, const float* offset_sum,
                                             __m512 (&scale)[R], __m512 (&correction)[R]) {
  const int64_t blocks = p.K / kQuantBlock;
  const __mmask16 valid = static_cast<__mmask16>((1u << count) - 1);
  alignas(64) uint16_t dw_half[kChunk];
  for (int i = 0; i < count; ++i) dw_half[i] = w[i].d;
  const __m512 dw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(valid, dw_half));
  for (int r = 0; r < R; ++r) {
    scale[r] = _mm512_mul_ps(dw, _mm512_maskz_loadu_ps(valid, p.xd + r * blocks + b0));
    correction[r] = _mm512_fmadd_ps(
        scale[r], _mm512_maskz_loadu_ps(valid, offset_sum + r * blocks + b0), correction[r]);
  }
}

// y[0..R, n) for R <= 4 input rows, 16 blocks' scales at a time (chunk_scales); a permute
// spreads blocks b and b+1's scales over the two halves of a zmm.
template <class W, int R>
LOWSPEC_VNNI void decode_row(const QuantMatmulProblem& p, int64_t n, const float* offset_sum) {
  const int64_t blocks = p.K / kQuantBlock;
  const typename W::Block* w = static_cast<const typename W::Block*>(p.w) + n * blocks;
  // Pairs of blocks alternate between two sums (even and odd pairs), named rather than indexed
  // by the pair: a runtime index kept the sums in memory, stored on every step.
  __m512 even[R], odd[R], correction[R];
  for (int r = 0; r < R; ++r) even[r] = odd[r] = correction[r] = _mm512_setzero_ps();
  const __m512i pair_lanes = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  for (int64_t b0 = 0; b0 < blocks; b0 += kChunk) {
    const int count = static_cast<int>(std::min<int64_t>(kChunk, blocks - b0));
    prefetch_ahead(w + b0, count * static_cast<int64_t>(sizeof(typename W::Block)));
    __m512 scale[R];
    chunk_scales<R>(p, w + b0, b0, count, offset_sum, scale, correction);
    auto step = [&](int i, bool pair, __m512(&acc)[R]) LOWSPEC_VNNI_INLINE {
      const __m512i u = W::load(w + b0 + i, pair);
      const __m512i lanes = _mm512_add_epi32(pair_lanes, _mm512_set1_epi32(i));
      for (int r = 0; r < R; ++r) {
        const int8_t* xr = p.xq + (r * blocks + b0 + i) * kQuantBlock;
        const __m512i x =
            pair ? _mm512_loadu_si512(xr)
                 : _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xr)));
        const __m512 dot = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u, x));
        acc[r] = _mm512_fmadd_ps(dot, _mm512_permutexvar_ps(lanes, scale[r]), acc[r]);
      }
    };
    int i = 0;
    for (; i + 3 < count; i += 4) {
      step(i, true, even);
      step(i + 2, true, odd);
    }
    if (i + 1 < count) {
      step(i, true, even);
      if (i + 2 < count) step(i + 2, false, odd);
    } else if (i < count) {
      step(i, false, even);
    }
  }
  for (int r = 0; r < R; ++r) {
    p.y[r * p.N + n] = _mm512_reduce_add_ps(_mm512_add_ps(even[r], odd[r])) +
                       _mm512_reduce_add_ps(correction[r]) + (p.bias ? p.bias[n] : 0.0f);
  }
}

template <class W, int R>
LOWSPEC_VNNI void decode_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  // -offset * sum(x) per activation block, once per call.
  thread_local AlignedBuffer<float> offset_sum;
  const int64_t blocks = R * p.K / kQuantBlock;
  offset_sum.resize(static_cast<size_t>(blocks));
  for (int64_t b = 0; b < blocks; ++b) {
    offset_sum[b] = static_cast<float>(-W::kOffset * p.xsum[b]);
  }
  for (int64_t n = n0; n < n1; ++n) decode_row<W, R>(p, n, offset_sum.data());
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

// Q4_0 decode: matmul_q4_0_decode_avx512.h, 16 blocks per step. Without VBMI a step's quads
// come from four 16-byte loads each and its scales from scalar moves.
struct InsertReader {
  LOWSPEC_VNNI_INLINE static q4_0_decode::Q4Step load(const BlockQ4_0* w) {
    q4_0_decode::Q4Step st;
    auto qs = [&](int b) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs)); };
    for (int g = 0; g < 4; ++g) {
      __m512i v = _mm512_zextsi128_si512(qs(4 * g));
      v = _mm512_inserti32x4(v, qs(4 * g + 1), 1);
      v = _mm512_inserti32x4(v, qs(4 * g + 2), 2);
      st.quad[g] = _mm512_inserti32x4(v, qs(4 * g + 3), 3);
    }
    alignas(32) uint16_t dw_half[q4_0_decode::kStepBlocks];
    for (int lane = 0; lane < q4_0_decode::kStepBlocks; ++lane) {
      dw_half[lane] = w[q4_0_decode::transposed_block(lane)].d;
    }
    st.dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(dw_half)));
    return st;
  }
  LOWSPEC_VNNI_INLINE static __m512i high(__m512i v) {
    return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0f));
  }
};

// The input rows re-laid for the steps once per call (thread-local, grown only), then the rows.
void decode_q4_0(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  using namespace q4_0_decode;
  const int64_t blocks = p.K / kQuantBlock;
  const int64_t steps = (blocks + kStepBlocks - 1) / kStepBlocks;
  thread_local AlignedBuffer<int8_t> quad_x;
  thread_local AlignedBuffer<float> xd_t;
  thread_local AlignedBuffer<int32_t> offset_t;
  const size_t lanes = static_cast<size_t>(p.M * steps * kStepBlocks);
  quad_x.resize(lanes * kQuantBlock);
  xd_t.resize(lanes);
  offset_t.resize(lanes);
  // Blocks past the row's end (a partial last step) multiply zeros.
  std::memset(quad_x.data(), 0, quad_x.size());
  std::memset(xd_t.data(), 0, lanes * sizeof(float));
  std::memset(offset_t.data(), 0, lanes * sizeof(int32_t));
  for (int64_t r = 0; r < p.M; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      // Block b = 16 s + 4 g + j: lane j of quad g of step s.
      const int64_t s = b / kStepBlocks, g = (b % kStepBlocks) / 4, j = b % 4;
      int8_t* out = quad_x.data() + (r * steps + s) * kStepInputBytes + g * 128 + j * 16;
      const int8_t* x = p.xq + (r * blocks + b) * kQuantBlock;
      std::memcpy(out, x, 16);
      std::memcpy(out + 64, x + 16, 16);
      const int64_t lane = (r * steps + s) * kStepBlocks + 4 * j + g;
      xd_t[lane] = p.xd[r * blocks + b];
      offset_t[lane] = -8 * p.xsum[r * blocks + b];
    }
  }
  const Q4DecodeInput in{quad_x.data(), xd_t.data(), offset_t.data()};
  if (cpu_features().avx512vbmi && cpu_features().gfni) return decode_q4_0_vbmi(p, n0, n1, in);
  q4_0_decode::decode<InsertReader>(p, n0, n1, in);
}

// Q4_K and Q5_K decode against activations with one scale per super-block (x_group 256). Group j
// of a super-block is d sc_j u - dmin m_j, so the super-block adds
//   d dx sum_j sc_j (u . x)_j - dmin dx sum_j m_j xsum_j,
// the first sum exact in int32: maddubs gives u x in int16 pairs (|pair| <= 2 * 31 * 127) and
// vpdpwssd weights them by sc_j (<= 63) as it accumulates (< 2^22 per lane over the super-block).
// 64 bytes of qs (two 32-byte chunks) are read at once: their low nibbles are runs 4q and 4q + 2,
// their high nibbles runs 4q + 1 and 4q + 3, so the activations are re-laid once per call with runs
// 1 and 2 of every 128 swapped (xr), and each zmm of weights meets 64 contiguous activations.
// Q5_K's bit 4 of run j is bit j of qh. Zen 4, M = 1: against per-32 activations (a float scale
// per run) this decode read 0.52-0.72 of the bandwidth; in L2, one chunk a zmm (broadcast to both
// halves, shifted per half) runs at 23 GB/s, this at 28.
template <bool kFive, int R>
LOWSPEC_VNNI void q45_k_rows(const QuantMatmulProblem& p, const int8_t* xr, int64_t n0,
                             int64_t n1) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const int64_t supers = p.K / kSuperBlock, blocks = p.K / kQuantBlock;
  const __m512i low4 = _mm512_set1_epi8(0x0f), bit4 = _mm512_set1_epi8(0x10);
  // qh bit j to bit 4, for runs 4q, 4q + 2 (low nibbles) and 4q + 1, 4q + 3 (high), q = 0.
  const __m512i low_shift = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2);
  const __m512i high_shift = _mm512_setr_epi64(3, 3, 3, 3, 1, 1, 1, 1);
  // The multiplier of the 64 bytes' low (h = 0) or high (h = 1) nibbles from the 8 int16 scales
  // in each 128-bit lane: run 4q + h's scale in the low 256 bits, run 4q + h + 2's in the high.
  __m512i pick[2][2];
  for (int q = 0; q < 2; ++q) {
    for (int h = 0; h < 2; ++h) {
      const auto word = [](int j) { return static_cast<int16_t>(0x0101 * 2 * j + 0x0100); };
      pick[q][h] = _mm512_inserti64x4(_mm512_set1_epi16(word(4 * q + h)),
                                      _mm256_set1_epi16(word(4 * q + h + 2)), 1);
    }
  }
  for (int64_t n = n0; n < n1; ++n) {
    const Block* w = static_cast<const Block*>(p.w) + n * supers;
    __m512 acc[R];   // the runs' dots
    __m256 mins[R];  // the mins' terms
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps(), mins[r] = _mm256_setzero_ps();
    for (int64_t sb = 0; sb < supers; ++sb) {
      const Block& b = w[sb];
      prefetch_ahead(&b, sizeof(Block));
      uint64_t sc8, mn8;
      k_scales_mins(b.scales, sc8, mn8);
      const __m512i sc =
          _mm512_broadcast_i32x4(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(sc8))));
      const __m256i mn = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(mn8)));
      __m512i dots[2][R];  // low and high nibbles: two dependency chains
      for (int r = 0; r < R; ++r) dots[0][r] = dots[1][r] = _mm512_setzero_si512();
      __m512i qh;
      if constexpr (kFive) {
        qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh)));
      }
      for (int q = 0; q < 2; ++q) {
        const __m512i v = _mm512_loadu_si512(b.qs + 64 * q);
        __m512i u[2] = {_mm512_and_si512(v, low4), _mm512_and_si512(_mm512_srli_epi16(v, 4), low4)};
        if constexpr (kFive) {
          // Shifts within 64 bits leak across bytes only into bits that are not read.
          u[0] = _mm512_or_si512(u[0], _mm512_and_si512(_mm512_sllv_epi64(qh, low_shift), bit4));
          u[1] = _mm512_or_si512(u[1], _mm512_and_si512(_mm512_sllv_epi64(qh, high_shift), bit4));
          qh = _mm512_srli_epi64(qh, 4);
        }
        for (int h = 0; h < 2; ++h) {
          const __m512i mult = _mm512_shuffle_epi8(sc, pick[q][h]);
          for (int r = 0; r < R; ++r) {
            const __m512i x = _mm512_load_si512(xr + r * p.K + sb * kSuperBlock + 128 * q + 64 * h);
            dots[h][r] = _mm512_dpwssd_epi32(dots[h][r], _mm512_maddubs_epi16(u[h], x), mult);
          }
        }
      }
      // [d, dmin] widened together (they are the block's first 4 bytes).
      uint32_t d_dmin;
      std::memcpy(&d_dmin, &b, sizeof(d_dmin));
      const __m128 d = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(d_dmin)));
      for (int r = 0; r < R; ++r) {
        const __m128 d_dx = _mm_mul_ps(d, _mm_set1_ps(p.xd[r * supers + sb]));  // [d dx, dmin dx]
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(dots[0][r], dots[1][r])),
                                 _mm512_broadcastss_ps(d_dx), acc[r]);
        const __m256i s =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.xsum + r * blocks + sb * 8));
        mins[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(mn, s)),
                                  _mm256_broadcastss_ps(_mm_movehdup_ps(d_dx)), mins[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      p.y[r * p.N + n] =
          _mm512_reduce_add_ps(acc[r]) - horizontal_sum(mins[r]) + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

template <bool kFive>
LOWSPEC_VNNI void decode_q45_k(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.x_group != kSuperBlock) {
    throw InternalError("matmul: the AVX-512 Q4_K/Q5_K decode takes activations per super-block");
  }
  // The activations with runs 1 and 2 of every 128 swapped (thread-local, grown only).
  thread_local AlignedBuffer<int8_t> xr;
  xr.resize(static_cast<size_t>(p.M * p.K));
  for (int64_t i = 0; i < p.M * p.K; i += 128) {
    std::memcpy(xr.data() + i, p.xq + i, 32);
    std::memcpy(xr.data() + i + 32, p.xq + i + 64, 32);
    std::memcpy(xr.data() + i + 64, p.xq + i + 32, 32);
    std::memcpy(xr.data() + i + 96, p.xq + i + 96, 32);
  }
  switch (p.M) {
    case 1:
      return q45_k_rows<kFive, 1>(p, xr.data(), n0, n1);
    case 2:
      return q45_k_rows<kFive, 2>(p, xr.data(), n0, n1);
    case 3:
      return q45_k_rows<kFive, 3>(p, xr.data(), n0, n1);
    default:
      return q45_k_rows<kFive, kDecodeRows>(p, xr.data(), n0, n1);
  }
}

// Q6_K decode against activations with one scale per super-block (x_group 256). Half h of a
// super-block (128 elements) is 64 bytes of low 4 bits (ql) and 32 of high 2 bits (qh): ql's low
// nibbles are runs 4h and 4h + 1 (32 elements each, side by side), its high nibbles runs 4h + 2
// and 4h + 3, and run k's high bits are bits 2k'..2k'+1 of qh (k' = k % 4). Each zmm of values
// u = 0..63 meets 64 contiguous activations; its 128-bit lanes are sub-blocks 4p..4p + 3 (p = the
// run pair), each weighted by its int8 scale in vpdpwssd. value = d sc (u - 32), so the dots start
// at -32 sum_j sc_j s_j (s the activations' sums per 16) and the super-block adds d dx times
// their sum, exact in int32 (at most 256 * 63 * 127 * 128 < 2^31 in total).
template <int R>
LOWSPEC_VNNI void q6_k_rows(const QuantMatmulProblem& p, int64_t n0, int64_t n1,
                            const int16_t* sum16) {
  const int64_t supers = p.K / kSuperBlock;
  const __m512i low4 = _mm512_set1_epi8(0x0f), high2 = _mm512_set1_epi8(0x30);
  // qh bits 2k'..2k'+1 to bits 4-5: runs (0, 1) of a half shift left by 4 and 2, runs (2, 3)
  // right by 0 and 2 (within 64 bits, leaking across bytes only into bits masked off).
  const __m512i left = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2);
  const __m512i right = _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2);
  // Run pair p's multiplier: sub-block 4p + L's int16 scale in every word of 128-bit lane L.
  __m512i pick[kSuperBlock / 64];
  for (int pair = 0; pair < kSuperBlock / 64; ++pair) {
    alignas(64) int16_t words[32];
    for (int i = 0; i < 32; ++i) words[i] = static_cast<int16_t>(4 * pair + i / 8);
    pick[pair] = _mm512_load_si512(words);
  }
  for (int64_t n = n0; n < n1; ++n) {
    const BlockQ6_K* w = static_cast<const BlockQ6_K*>(p.w) + n * supers;
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t sb = 0; sb < supers; ++sb) {
      const BlockQ6_K& b = w[sb];
      prefetch_ahead(&b, sizeof(BlockQ6_K));
      const __m256i sc16 =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
      __m512i dots[2][R];  // low and high nibbles: two dependency chains
      for (int r = 0; r < R; ++r) {
        const __m256i s = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(sum16 + r * p.K / 16 + sb * (kSuperBlock / 16)));
        dots[0][r] = _mm512_zextsi256_si512(_mm256_sub_epi32(
            _mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(sc16, s), 5)));
        dots[1][r] = _mm512_setzero_si512();
      }
      const __m512i sc = _mm512_castsi256_si512(sc16);
      for (int half = 0; half < 2; ++half) {
        const __m512i l = _mm512_loadu_si512(b.ql + 64 * half);
        const __m512i h = _mm512_broadcast_i64x4(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * half)));
        const __m512i u[2] = {
            _mm512_or_si512(_mm512_and_si512(l, low4),
                            _mm512_and_si512(_mm512_sllv_epi64(h, left), high2)),
            _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), low4),
                            _mm512_and_si512(_mm512_srlv_epi64(h, right), high2))};
        for (int k = 0; k < 2; ++k) {
          const int pair = 2 * half + k;  // runs 2 pair and 2 pair + 1
          const __m512i mult = _mm512_permutexvar_epi16(pick[pair], sc);
          for (int r = 0; r < R; ++r) {
            const __m512i x = _mm512_loadu_si512(p.xq + r * p.K + sb * kSuperBlock + 64 * pair);
            dots[k][r] = _mm512_dpwssd_epi32(dots[k][r], _mm512_maddubs_epi16(u[k], x), mult);
          }
        }
      }
      const float d = _cvtsh_ss(b.d);
      for (int r = 0; r < R; ++r) {
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(dots[0][r], dots[1][r])),
                                 _mm512_set1_ps(d * p.xd[r * supers + sb]), acc[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      p.y[r * p.N + n] = _mm512_reduce_add_ps(acc[r]) + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

LOWSPEC_VNNI void decode_q6_k(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.x_group != kSuperBlock) {
    throw InternalError("matmul: the AVX-512 Q6_K decode takes activations per super-block");
  }
  const int16_t* sum16 = activation_sums_of_16(p);
  switch (p.M) {
    case 1:
      return q6_k_rows<1>(p, n0, n1, sum16);
    case 2:
      return q6_k_rows<2>(p, n0, n1, sum16);
    case 3:
      return q6_k_rows<3>(p, n0, n1, sum16);
    default:
      return q6_k_rows<kDecodeRows>(p, n0, n1, sum16);
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
  // Without VNNI the AVX2 body (maddubs) is as fast as an AVX-512 emulation would be.
  if (!cpu_features().avx512vnni) return matmul_quant_columns_avx2(p, n0, n1);
  if (p.M > kDecodeRows && matmul_quant_panel_supports(p.w_dtype)) {
    return matmul_quant_panel_avx512(p, n0, n1);
  }
  switch (p.w_dtype) {
    case DType::Q8_0:
      return decode<Q8Unsigned>(p, n0, n1);
    case DType::Q4_0:
      return decode_q4_0(p, n0, n1);
    case DType::Q4_K:
      return decode_q45_k<false>(p, n0, n1);
    case DType::Q5_K:
      return decode_q45_k<true>(p, n0, n1);
    case DType::Q6_K:
      return decode_q6_k(p, n0, n1);
    default:
      return matmul_quant_columns_scalar(p, n0, n1);
  }
}

}  // namespace lowspec
