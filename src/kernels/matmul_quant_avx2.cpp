// AVX2 bodies for block-quantized weights against quantized activations. maddubs multiplies
// unsigned by signed bytes into saturating int16 pairs, so Q8_0 weights enter as |w| and the
// activations take the weights' signs (|w| <= 128, |x| <= 127: a pair sums to at most 32512, no
// saturation); madd with ones widens to int32. Decode (M <= 4) reads each weight row as one
// stream: Q8_0 8 blocks per step (decode_q8_0), Q4_0 two blocks per ymm as unsigned nibbles
// (decode_q4_0). Prefill (M > 4) of every format goes through the packed panels of
// matmul_quant_panel_avx2.cpp.
// The k-quants' decode takes activations with one scale per super-block (x_group 256) and their
// weights as decode_group's unsigned bytes u (at most 63: no saturation either), one weight row
// at a time for up to 4 input rows: madd weights each run by its sub-block scales, so a whole
// super-block adds up in int32 before one conversion, and its offset times the activations' sums
// is one madd more.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/aligned_buffer.h"
#include "core/error.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/prefetch.h"
#include "kernels/q6_k_unpack_avx2.h"
#include "kernels/quant_blocks.h"

#define LOWSPEC_AVX2 __attribute__((target("avx2,fma,f16c")))
#define LOWSPEC_AVX2_INLINE __attribute__((always_inline, target("avx2,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kTileRows = 4;  // input rows per pass of the decode and k-quant bodies

LOWSPEC_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Eight block dots (8 int32 lanes each) folded into one vector of their sums in order, so that
// one conversion and one FMA with the blocks' scales take all eight (a permute, conversion and FMA
// per block was 1.11-1.32x slower for the k-quants' runs on Zen 3, when they had a scale each).
// add(run, dot) takes dots 0-7 in order: pairs hadd together, pairs of pairs again into quads
// [dots 4q..4q+3 lanes 0-3 | lanes 4-7], and the quads' 128-bit halves add up.
class RunFold {
 public:
  LOWSPEC_AVX2_INLINE void add(int run, __m256i dot) {
    if (run % 2 == 0) {
      first_ = dot;
    } else if (run % 4 == 1) {
      pair_ = _mm256_hadd_epi32(first_, dot);
    } else {
      quad_[run / 4] = _mm256_hadd_epi32(pair_, _mm256_hadd_epi32(first_, dot));
    }
  }
  LOWSPEC_AVX2_INLINE __m256 sums() const {
    return _mm256_cvtepi32_ps(
        _mm256_add_epi32(_mm256_permute2x128_si256(quad_[0], quad_[1], 0x20),
                         _mm256_permute2x128_si256(quad_[0], quad_[1], 0x31)));
  }

 private:
  __m256i first_, pair_, quad_[2];
};

// Calls step(b0, count, sums) over a row's blocks, kChunk at a time, alternating between the even
// and odd sums; count is the constant kChunk for all but a last partial step, so the bodies'
// checks against it fold away once inlined.
template <int kChunk, typename Sums, typename Step>
LOWSPEC_AVX2_INLINE inline void for_each_step(int64_t blocks, Sums& even, Sums& odd, Step&& step) {
  const int64_t full = blocks - blocks % kChunk;
  int64_t b0 = 0;
  for (; b0 + 2 * kChunk <= full; b0 += 2 * kChunk) {
    step(b0, kChunk, even);
    step(b0 + kChunk, kChunk, odd);
  }
  if (b0 < full) step(b0, kChunk, even), b0 += kChunk;
  if (b0 < blocks) step(b0, static_cast<int>(blocks - b0), odd);
}

// Q8_0 decode (M <= 4), one weight row (a single stream) at a time, 8 blocks a step: each block's
// dot as 8 int32 lanes (maddubs of |w| against the activations carrying w's signs, madd with
// ones), the step's 8 folded into one vector (RunFold), converted and multiplied by the blocks'
// scales (weight scales widened from f16 together, times the activations'). No scalar work per
// block. On Zen 3 (AVX2 only) the fold is 1.21x (M = 1) to 1.76x (M = 2) faster in cache than a
// permute, conversion and FMA per block; on Zen 4 (which takes the AVX-512 body) it had been
// 1.1-1.6x slower.
constexpr int kBlockChunk = 8;

template <int R>
LOWSPEC_AVX2 void decode_q8_0_row(const QuantMatmulProblem& p, int64_t n) {
  const int64_t blocks = p.K / kQuantBlock;
  const BlockQ8_0* w = static_cast<const BlockQ8_0*>(p.w) + n * blocks;
  const __m256i ones = _mm256_set1_epi16(1);
  // Steps alternate between two sums, named rather than indexed by the step: a runtime index
  // kept them in memory, stored on every step.
  __m256 even[R], odd[R];
  for (int r = 0; r < R; ++r) even[r] = odd[r] = _mm256_setzero_ps();
  // A step of count blocks from b0; inlined with count = 8 for all but the row's last step.
  auto step = [&](int64_t b0, int count, __m256(&acc)[R]) LOWSPEC_AVX2_INLINE {
    prefetch_ahead(w + b0, count * static_cast<int64_t>(sizeof(BlockQ8_0)));
    auto d = [&](int i) { return static_cast<short>(i < count ? w[b0 + i].d : 0); };
    const __m256 dw =
        _mm256_cvtph_ps(_mm_setr_epi16(d(0), d(1), d(2), d(3), d(4), d(5), d(6), d(7)));
    const __m256i valid =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    RunFold fold[R];
    for (int i = 0; i < kBlockChunk; ++i) {
      if (i >= count) {  // past the row's end (scale zero)
        for (int r = 0; r < R; ++r) fold[r].add(i, _mm256_setzero_si256());
        continue;
      }
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b0 + i].qs));
      const __m256i q_abs = _mm256_sign_epi8(q, q);
      for (int r = 0; r < R; ++r) {
        const __m256i x = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(p.xq + (r * blocks + b0 + i) * kQuantBlock));
        fold[r].add(i,
                    _mm256_madd_epi16(_mm256_maddubs_epi16(q_abs, _mm256_sign_epi8(x, q)), ones));
      }
    }
    for (int r = 0; r < R; ++r) {
      const __m256 scale = _mm256_mul_ps(dw, _mm256_maskload_ps(p.xd + r * blocks + b0, valid));
      acc[r] = _mm256_fmadd_ps(fold[r].sums(), scale, acc[r]);
    }
  };
  for_each_step<kBlockChunk>(blocks, even, odd, step);
  for (int r = 0; r < R; ++r) {
    p.y[r * p.N + n] = horizontal_sum(_mm256_add_ps(even[r], odd[r])) + (p.bias ? p.bias[n] : 0.0f);
  }
}

template <int R>
LOWSPEC_AVX2 void decode_q8_0(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n) decode_q8_0_row<R>(p, n);
}

// Q4_0 decode (M <= 4), one weight row (a single stream) at a time, 8 blocks a step: the nibbles
// of blocks b and b+1 side by side unpack with one shift and two masks into [b 0-15 | b+1 0-15]
// and [b 16-31 | b+1 16-31], unsigned as maddubs takes them, against activations laid out that
// way once per call (pair_x). Lanes 0-3 of a pair's dot hold block b's partial sums and lanes
// 4-7 block b+1's; two rounds of hadd fold the step's four pairs into one vector of its 8 blocks'
// dots (in the order 0 2 4 6 1 3 5 7), to which one add brings the - 8 (as -8 * sum(x), per call
// in that order: step_offset) and one FMA the scales (f16 widened in that order, times the
// activations' scales, also laid out per call: step_xd). No sign operations, one conversion and
// one FMA per 8 blocks.
constexpr int kStepBlocks = 8;
constexpr int kStepOrder[kStepBlocks] = {0, 2, 4, 6, 1, 3, 5, 7};

// A full step's 8 f16 scales in kStepOrder, widened. Block i's d sits at byte 18 i, so the 32 bytes
// from byte 32 k hold d_2k in word 2k of their low half and d_2k+1 in word 2k + 1 of their high
// half: three blends of four loads put every d in place, one shuffle packs the evens (low half)
// and odds (high half) into one xmm. (8 scalar loads and word inserts took 1.05x as long in cache.)
LOWSPEC_AVX2_INLINE inline __m256 step_scales(const BlockQ4_0* w) {
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(w);
  auto at = [&](int k) LOWSPEC_AVX2_INLINE {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + 32 * k));
  };
  __m256i d = _mm256_blend_epi16(at(0), at(1), 0x0c);
  d = _mm256_blend_epi16(d, at(2), 0x30);
  d = _mm256_blend_epi16(d, at(3), 0xc0);
  const __m256i packed = _mm256_shuffle_epi8(
      d, _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1,  //
                          -1, -1, -1, -1, -1, -1, -1, -1, 2, 3, 6, 7, 10, 11, 14, 15));
  return _mm256_cvtph_ps(
      _mm_or_si128(_mm256_castsi256_si128(packed), _mm256_extracti128_si256(packed, 1)));
}

// A row's last, partial step: the scales of its count blocks, zero past the row's end (the
// loads of step_scales would run past it).
LOWSPEC_AVX2_INLINE inline __m256 partial_step_scales(const BlockQ4_0* w, int count) {
  auto d = [&](int i) {
    return static_cast<short>(kStepOrder[i] < count ? w[kStepOrder[i]].d : 0);
  };
  return _mm256_cvtph_ps(_mm_setr_epi16(d(0), d(1), d(2), d(3), d(4), d(5), d(6), d(7)));
}

template <int R>
LOWSPEC_AVX2 void decode_q4_0_row(const QuantMatmulProblem& p, int64_t n, const int8_t* pair_x,
                                  const __m256* step_xd, const __m256i* step_offset) {
  const int64_t blocks = p.K / kQuantBlock;
  const int64_t pairs = (blocks + 1) / 2;
  const int64_t steps = (blocks + kStepBlocks - 1) / kStepBlocks;
  const BlockQ4_0* w = static_cast<const BlockQ4_0*>(p.w) + n * blocks;
  const __m256i low4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
  // Up to 2 input rows, the pairs' int16 sums fold in int16 and one madd widens 8 blocks (3
  // madds fewer per step: 1.06x at M = 1 in cache on Zen 3); at 3-4 rows that was 0.94-1.0x, so
  // those widen each pair first and fold in int32.
  constexpr bool kInt16Fold = R <= 2;
  __m256 even[R], odd[R];  // even and odd steps' sums (as in decode_q8_0_row)
  for (int r = 0; r < R; ++r) even[r] = odd[r] = _mm256_setzero_ps();
  // A step of count blocks from b0; inlined with count = 8 for all but the row's last step, so
  // that the checks against count fold away.
  auto step = [&](int64_t b0, int count, __m256(&acc)[R]) LOWSPEC_AVX2_INLINE {
    prefetch_ahead(w + b0, count * static_cast<int64_t>(sizeof(BlockQ4_0)));
    const __m256 dw =
        count == kStepBlocks ? step_scales(w + b0) : partial_step_scales(w + b0, count);
    __m256i dot[4][R];
    for (int i = 0; i < 4; ++i) {
      if (2 * i >= count) {  // past the row's end
        for (int r = 0; r < R; ++r) dot[i][r] = _mm256_setzero_si256();
        continue;
      }
      const BlockQ4_0* blk = w + b0 + 2 * i;
      const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[0].qs));
      // An odd last block pairs with zeros (its activations are zero in pair_x too).
      const __m128i q1 = 2 * i + 1 < count
                             ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[1].qs))
                             : _mm_setzero_si128();
      const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
      const __m256i lo = _mm256_and_si256(v, low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
      const int64_t pair = b0 / 2 + i;
      for (int r = 0; r < R; ++r) {
        const int8_t* x = pair_x + (r * pairs + pair) * 2 * kQuantBlock;
        // Nibble x int8 pairs: at most 2 * 15 * 127 per int16, both halves together 7620.
        const __m256i sums = _mm256_add_epi16(
            _mm256_maddubs_epi16(lo, _mm256_load_si256(reinterpret_cast<const __m256i*>(x))),
            _mm256_maddubs_epi16(hi, _mm256_load_si256(reinterpret_cast<const __m256i*>(x + 32))));
        dot[i][r] = kInt16Fold ? sums : _mm256_madd_epi16(sums, ones);
      }
    }
    const int64_t s = b0 / kStepBlocks;
    for (int r = 0; r < R; ++r) {
      __m256i blocks8;
      if constexpr (kInt16Fold) {
        // Quarter blocks sum to at most 4 * 7620 = 30480: two rounds of hadd in int16, then one
        // madd widens the quarters' pairs.
        blocks8 = _mm256_madd_epi16(_mm256_hadd_epi16(_mm256_hadd_epi16(dot[0][r], dot[1][r]),
                                                      _mm256_hadd_epi16(dot[2][r], dot[3][r])),
                                    ones);
      } else {
        blocks8 = _mm256_hadd_epi32(_mm256_hadd_epi32(dot[0][r], dot[1][r]),
                                    _mm256_hadd_epi32(dot[2][r], dot[3][r]));
      }
      const __m256i with_offset = _mm256_add_epi32(blocks8, step_offset[r * steps + s]);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(with_offset),
                               _mm256_mul_ps(dw, step_xd[r * steps + s]), acc[r]);
    }
  };
  for_each_step<kStepBlocks>(blocks, even, odd, step);
  for (int r = 0; r < R; ++r) {
    p.y[r * p.N + n] = horizontal_sum(_mm256_add_ps(even[r], odd[r])) + (p.bias ? p.bias[n] : 0.0f);
  }
}

template <int R>
LOWSPEC_AVX2 void decode_q4_0(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  const int64_t blocks = p.K / kQuantBlock;
  const int64_t pairs = (blocks + 1) / 2;
  const int64_t steps = (blocks + kStepBlocks - 1) / kStepBlocks;
  thread_local AlignedBuffer<int8_t> pair_x;
  thread_local AlignedBuffer<__m256> step_xd;
  thread_local AlignedBuffer<__m256i> step_offset;
  pair_x.resize(static_cast<size_t>(R * pairs * 2 * kQuantBlock));
  step_xd.resize(static_cast<size_t>(R * steps));
  step_offset.resize(static_cast<size_t>(R * steps));
  for (int r = 0; r < R; ++r) {
    for (int64_t pair = 0; pair < pairs; ++pair) {
      // [b 0-15 | b+1 0-15 | b 16-31 | b+1 16-31], zeros for a missing b+1.
      const int64_t b = 2 * pair;
      int8_t* out = pair_x.data() + (r * pairs + pair) * 2 * kQuantBlock;
      const int8_t* x = p.xq + (r * blocks + b) * kQuantBlock;
      std::fill_n(out, 2 * kQuantBlock, int8_t{0});
      std::copy_n(x, 16, out);
      std::copy_n(x + 16, 16, out + 32);
      if (b + 1 < blocks) {
        std::copy_n(x + 32, 16, out + 16);
        std::copy_n(x + 48, 16, out + 48);
      }
    }
    for (int64_t s = 0; s < steps; ++s) {
      alignas(32) float xd[kStepBlocks];
      alignas(32) int32_t offset[kStepBlocks];
      for (int i = 0; i < kStepBlocks; ++i) {
        const int64_t b = s * kStepBlocks + kStepOrder[i];
        xd[i] = b < blocks ? p.xd[r * blocks + b] : 0.0f;
        offset[i] = b < blocks ? -8 * p.xsum[r * blocks + b] : 0;
      }
      step_xd[r * steps + s] = _mm256_load_ps(xd);
      step_offset[r * steps + s] = _mm256_load_si256(reinterpret_cast<const __m256i*>(offset));
    }
  }
  for (int64_t n = n0; n < n1; ++n) {
    decode_q4_0_row<R>(p, n, pair_x.data(), step_xd.data(), step_offset.data());
  }
}

// 32-element runs (activation blocks) per super-block.
constexpr int kRuns = kSuperBlock / kQuantBlock;

// sum(u * x) over a run of 32 as 8 int32 lanes, adjacent int16 pairs weighted by mult.
LOWSPEC_AVX2_INLINE inline __m256i run_dot(__m256i u, const int8_t* x, __m256i mult) {
  const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, xv), mult);
}

// Q4_K / Q5_K, y[0..R) at columns [n0, n1), against activations with one scale per super-block
// (x_group 256). Group j of a super-block is run j: value = d sc_j u - dmin m_j, so the
// super-block adds d dx (sum_j sc_j (u . x)_j) - dmin dx (sum_j m_j xsum_j), both sums exact in
// int32: madd weights run j's int16 pairs by sc_j (|pair| <= 2 * 31 * 127, times 63, eight runs:
// < 2^24), and the mins' sum is one madd of the eight m_j with the runs' sums. Chunk c of qs (32
// bytes) holds runs 2c (low nibbles) and 2c + 1 (high); Q5_K's bit 4 of run j is bit j of qh.
// The loop over the columns sits inside, with the constants kept across rows: dispatched per
// row, a row of 8 super-blocks paid about 2 super-blocks' time on top (Zen 3, in cache).
template <bool kFive, int R>
LOWSPEC_AVX2 void q4_5_k_rows(const QuantMatmulProblem& p, int64_t n0, int64_t n1,
                              const int16_t* sum32) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const int64_t supers = p.K / kSuperBlock, blocks = p.K / kQuantBlock;
  const __m256i low4 = _mm256_set1_epi8(0x0f), bit4 = _mm256_set1_epi8(0x10);
  // Run j's int16 scale (word j of both 128-bit lanes) in every word.
  auto run_scale = [](__m256i sc, int j) LOWSPEC_AVX2_INLINE {
    return _mm256_shuffle_epi8(sc,
                               _mm256_set1_epi16(static_cast<int16_t>(0x0101 * 2 * j + 0x0100)));
  };
  for (int64_t n = n0; n < n1; ++n) {
    const Block* w = static_cast<const Block*>(p.w) + n * supers;
    __m256 acc[R];   // the runs' dots
    __m128 mins[R];  // the mins' terms
    for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps(), mins[r] = _mm_setzero_ps();
    for (int64_t sb = 0; sb < supers; ++sb) {
      const Block& b = w[sb];
      prefetch_ahead(&b, sizeof(Block));
      uint64_t sc8, mn8;
      k_scales_mins(b.scales, sc8, mn8);
      const __m256i sc = _mm256_broadcastsi128_si256(
          _mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(sc8))));
      const __m128i mn = _mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(mn8)));
      // [d, dmin] widened together (they are the block's first 4 bytes).
      uint32_t d_dmin;
      std::memcpy(&d_dmin, &b, sizeof(d_dmin));
      const __m128 d = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(d_dmin)));
      __m256i dots[R];
      __m128 d_dx[R];  // [d dx, dmin dx]
      for (int r = 0; r < R; ++r) {
        dots[r] = _mm256_setzero_si256();
        d_dx[r] = _mm_mul_ps(d, _mm_broadcast_ss(p.xd + r * supers + sb));
        const __m128i s16 =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(sum32 + r * blocks + sb * kRuns));
        mins[r] = _mm_fmadd_ps(_mm_cvtepi32_ps(_mm_madd_epi16(mn, s16)),
                               _mm_permute_ps(d_dx[r], 0x55), mins[r]);
      }
      __m256i qh;
      if constexpr (kFive) qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh));
      for (int c = 0; c < kRuns / 2; ++c) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * c));
        __m256i u_lo = _mm256_and_si256(v, low4);
        __m256i u_hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
        if constexpr (kFive) {
          // qh shifted right by 2c: bits 0 and 1 of each byte are runs 2c and 2c + 1 (the 16-bit
          // shifts leak across bytes only above the bits read).
          u_lo = _mm256_or_si256(u_lo, _mm256_and_si256(_mm256_slli_epi16(qh, 4), bit4));
          u_hi = _mm256_or_si256(u_hi, _mm256_and_si256(_mm256_slli_epi16(qh, 3), bit4));
          qh = _mm256_srli_epi16(qh, 2);
        }
        const __m256i sc_lo = run_scale(sc, 2 * c), sc_hi = run_scale(sc, 2 * c + 1);
        for (int r = 0; r < R; ++r) {
          const int8_t* x = p.xq + r * p.K + sb * kSuperBlock + 64 * c;
          dots[r] = _mm256_add_epi32(
              dots[r], _mm256_add_epi32(run_dot(u_lo, x, sc_lo), run_dot(u_hi, x + 32, sc_hi)));
        }
      }
      for (int r = 0; r < R; ++r) {
        acc[r] =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots[r]), _mm256_broadcastss_ps(d_dx[r]), acc[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      __m128 m = _mm_add_ps(mins[r], _mm_movehl_ps(mins[r], mins[r]));
      m = _mm_add_ss(m, _mm_movehdup_ps(m));
      p.y[r * p.N + n] = horizontal_sum(acc[r]) - _mm_cvtss_f32(m) + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

// Q6_K, y[0..R) at columns [n0, n1) (the loop inside as for Q4_K), against activations with one
// scale per super-block (x_group 256). Run k (32 elements) spans sub-blocks 2k and 2k + 1, so madd
// weights its low 128-bit half (elements 0-15) by sc_2k and its high half by sc_2k+1; value = d sc
// (u - 32), so the super-block adds d dx (sum_k (sc-weighted u . x)_k - 32 sum_j sc_j s_j), s the
// activations' sums per 16 (sum16), all in int32 (at most 256 * 63 * 127 * 128 < 2^31 in total)
// before one conversion.
template <int R>
LOWSPEC_AVX2 void q6_k_rows(const QuantMatmulProblem& p, int64_t n0, int64_t n1,
                            const int16_t* sum16) {
  const int64_t supers = p.K / kSuperBlock;
  // Run k % 4 of a half: int16 scale 2k' in every pair of the low half, 2k' + 1 in the high half.
  const __m256i pick[4] = {
      _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3,
                       2, 3, 2, 3, 2, 3),
      _mm256_setr_epi8(4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7,
                       6, 7, 6, 7, 6, 7),
      _mm256_setr_epi8(8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 10, 11, 10, 11, 10, 11, 10,
                       11, 10, 11, 10, 11, 10, 11, 10, 11),
      _mm256_setr_epi8(12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 14, 15, 14,
                       15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15)};
  for (int64_t n = n0; n < n1; ++n) {
    const BlockQ6_K* w = static_cast<const BlockQ6_K*>(p.w) + n * supers;
    __m256 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t sb = 0; sb < supers; ++sb) {
      const BlockQ6_K& b = w[sb];
      prefetch_ahead(&b, sizeof(BlockQ6_K));
      const __m256i sc16 =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
      __m256i dots[R];  // starts at -32 sum_j sc_j s_j
      for (int r = 0; r < R; ++r) {
        const __m256i s = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(sum16 + r * p.K / 16 + sb * (kSuperBlock / 16)));
        dots[r] = _mm256_sub_epi32(_mm256_setzero_si256(),
                                   _mm256_slli_epi32(_mm256_madd_epi16(sc16, s), 5));
      }
      for (int half = 0; half < 2; ++half) {
        // Both 128-bit lanes hold this half's 8 scales, for pick.
        const __m256i sc_half = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.scales + 8 * half))));
        __m256i u[4];
        unpack_q6_k_half(b, half, u);
        for (int k = 0; k < 4; ++k) {
          const int run = 4 * half + k;
          const __m256i mult = _mm256_shuffle_epi8(sc_half, pick[k]);
          for (int r = 0; r < R; ++r) {
            const int8_t* x = p.xq + r * p.K + sb * kSuperBlock + 32 * run;
            dots[r] = _mm256_add_epi32(dots[r], run_dot(u[k], x, mult));
          }
        }
      }
      const float d = _cvtsh_ss(b.d);
      for (int r = 0; r < R; ++r) {
        const float dx = p.xd[r * supers + sb];
        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots[r]), _mm256_set1_ps(d * dx), acc[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      p.y[r * p.N + n] = horizontal_sum(acc[r]) + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

// p.xsum narrowed to int16 (|sum| <= 32 * 127), in a per-thread buffer valid until its next call.
const int16_t* activation_sums_of_32(const QuantMatmulProblem& p) {
  thread_local AlignedBuffer<int16_t> sums;
  const int64_t count = p.M * p.K / kQuantBlock;
  sums.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) sums[i] = static_cast<int16_t>(p.xsum[i]);
  return sums.data();
}

// Calls body(std::integral_constant<int, M>) for the decode bodies' row counts 1..4.
template <typename Body>
void for_decode_rows(int64_t M, Body&& body) {
  switch (M) {
    case 1:
      return body(std::integral_constant<int, 1>{});
    case 2:
      return body(std::integral_constant<int, 2>{});
    case 3:
      return body(std::integral_constant<int, 3>{});
    default:
      return body(std::integral_constant<int, kTileRows>{});
  }
}

// The k-quants' decode (M <= 4: prefill takes the panels), a weight row at a time (one stream),
// all input rows in one pass over it.
LOWSPEC_AVX2 void k_quant_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.x_group != kSuperBlock) {
    throw InternalError("matmul: the AVX2 k-quant decode takes activations per super-block");
  }
  // The activations' sums per sub-block, narrowed to int16 for madd.
  const int16_t* sums =
      p.w_dtype == DType::Q6_K ? activation_sums_of_16(p) : activation_sums_of_32(p);
  for_decode_rows(p.M, [&](auto rows) {
    switch (p.w_dtype) {
      case DType::Q4_K:
        return q4_5_k_rows<false, rows()>(p, n0, n1, sums);
      case DType::Q5_K:
        return q4_5_k_rows<true, rows()>(p, n0, n1, sums);
      default:
        return q6_k_rows<rows()>(p, n0, n1, sums);
    }
  });
}

// The largest |x| of n floats (n a multiple of 8).
LOWSPEC_AVX2_INLINE inline float abs_max(const float* x, int64_t n) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 amax = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8)
    amax = _mm256_max_ps(amax, _mm256_and_ps(_mm256_loadu_ps(x + i), abs_mask));
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// 32 floats times id rounded as roundf rounds them (halves away from zero: truncate, then step by
// the sign where the rest is >= 0.5) into qs; returns their sum.
LOWSPEC_AVX2_INLINE inline int32_t round_block(const float* x, __m256 id, int8_t* qs) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32(INT32_MIN));
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  __m256i q[4];
  for (int i = 0; i < 4; ++i) {
    const __m256 s = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * i), id);
    const __m256 t = _mm256_round_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 away =
        _mm256_cmp_ps(_mm256_and_ps(_mm256_sub_ps(s, t), abs_mask), half, _CMP_GE_OQ);
    const __m256 step = _mm256_and_ps(away, _mm256_or_ps(_mm256_and_ps(s, sign_mask), one));
    q[i] = _mm256_cvttps_epi32(_mm256_add_ps(t, step));
  }
  // The packs work within 128-bit lanes: bytes come out as q0-q3's low halves, then their high
  // halves, four at a time; one dword permute puts them in order.
  const __m256i w01 = _mm256_packs_epi32(q[0], q[1]), w23 = _mm256_packs_epi32(q[2], q[3]);
  const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23),
                                                    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs), bytes);
  const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
  __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
  return _mm_cvtsi128_si32(s4);
}

// quantize_activations' rule (amax / 127, roundf) with one scale per kGroup elements, 8 floats at
// a time, plus each 32-block's sum: the scalar loop called libm's roundf per element, 9 % of a
// Q4_0 decode on Zen 3.
template <int kGroup>
LOWSPEC_AVX2 void quantize_groups(const float* x, int64_t n, int8_t* qs, float* scales,
                                  int32_t* sums) {
  for (int64_t g = 0; g < n / kGroup; ++g) {
    const float d = abs_max(x + g * kGroup, kGroup) / 127.0f;
    scales[g] = d;
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    for (int64_t b = g * kGroup / kQuantBlock; b < (g + 1) * kGroup / kQuantBlock; ++b) {
      sums[b] = round_block(x + b * kQuantBlock, id, qs + b * kQuantBlock);
    }
  }
}

}  // namespace

const int16_t* activation_sums_of_16(const QuantMatmulProblem& p) {
  thread_local AlignedBuffer<int16_t> sums;
  const int64_t count = p.M * p.K / 16;
  sums.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    int16_t s = 0;
    for (int j = 0; j < 16; ++j) s = static_cast<int16_t>(s + p.xq[16 * i + j]);
    sums[i] = s;
  }
  return sums.data();
}

void quantize_activations_avx2(const float* x, int64_t n, int8_t* qs, float* scales,
                               int32_t* sums) {
  quantize_groups<kQuantBlock>(x, n, qs, scales, sums);
}

void quantize_activations_256_avx2(const float* x, int64_t n, int8_t* qs, float* scales,
                                   int32_t* sums) {
  quantize_groups<kSuperBlock>(x, n, qs, scales, sums);
}

void matmul_quant_columns_avx2(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.M > kTileRows && matmul_quant_panel_avx2_supports(p.w_dtype)) {
    return matmul_quant_panel_avx2(p, n0, n1);
  }
  switch (p.w_dtype) {  // Q8_0 and Q4_0 reach here with M <= 4 only
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
      return k_quant_columns(p, n0, n1);
    case DType::Q4_0:
      return for_decode_rows(p.M, [&](auto rows) { decode_q4_0<rows()>(p, n0, n1); });
    default:
      return for_decode_rows(p.M, [&](auto rows) { decode_q8_0<rows()>(p, n0, n1); });
  }
}

}  // namespace lowspec
