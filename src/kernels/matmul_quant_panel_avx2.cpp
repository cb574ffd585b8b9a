// AVX2 prefill body for block-quantized weights (M > 4), for cores without AVX-512: weight rows
// are unpacked 8 at a time into a panel laid out the way maddubs consumes them — for each
// 4-element step k, the 8 rows' 4 bytes side by side in one ymm — beside each group's 8 scales
// and offsets. One ymm of weights then serves a tile of up to 6 input rows, each row's 4 int8
// activations broadcast from memory (the rows laid out per tile, see TileInputs):
//   per step and row: maddubs (32 multiply-adds into 16 int16 pairs), add into int16 sums;
//   every few steps the int16 sums widen into int32 with one madd;
//   per group: acc += (scale * dx) * dot (- offset * dx * sum(x) for the k-quants)
// maddubs takes unsigned by signed bytes and saturates int16 pairs, so each format keeps its sums
// in range by construction: Q4_0 nibbles (<= 15) run all 8 steps of a group in int16, the sums
// starting at -8 times the activations they meet (see TileInputs), and so do Q4_K's (8 * 2 * 15 *
// 127 < 32768); Q5_K values (<= 31) widen every 4 steps; Q8_0 stays signed in the panel and enters
// as |w| with the weights' signs moved to the activations (|pair| <= 2 * 128 * 127), widened every
// step. Q6_K values (<= 63) widen every 2 steps (2 * 2 * 63 * 127 < 32768) by a madd with each
// column's int8 sub-block scale instead of ones, so a group's two 16-element sub-blocks sum in
// int32 as sc * u . x, and the dot starts at -32 * (sc_a * sum(x_a) + sc_b * sum(x_b)) (one more
// madd): the panel's scale is d. The panel is per thread and reused; it is packed once per call and
// read by all M rows.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/aligned_buffer.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/prefetch.h"
#include "kernels/q6_k_unpack_avx2.h"
#include "kernels/quant_blocks.h"

#define LOWSPEC_AVX2 __attribute__((target("avx2,fma,f16c")))
#define LOWSPEC_AVX2_INLINE __attribute__((always_inline, target("avx2,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kPanel = 8;     // weight rows per panel: one ymm of int32 lanes
constexpr int kTileRows = 6;  // input rows sharing each loaded panel vector
constexpr int kGroup = 32;    // elements per group
constexpr int kSteps = kGroup / 4;

struct Panel {
  AlignedBuffer<uint8_t> w;     // [groups][kSteps][kPanel][4]
  AlignedBuffer<float> scale;   // [groups][kPanel]
  AlignedBuffer<float> offset;  // [groups][kPanel], Q4_K/Q5_K's dmin * m
  // Q6_K: [groups][3][kPanel][2] int16: (sc_a, sc_b), (sc_a, sc_a), (sc_b, sc_b) per column.
  AlignedBuffer<int16_t> sub;
};
constexpr int kSubScales = 3 * kPanel * 2;  // Panel::sub per group

enum class Form { Q8_0, Q4_0, Q4_K, Q5_K, Q6_K };
constexpr bool is_k_quant(Form f) {
  return f == Form::Q4_K || f == Form::Q5_K;
}

// Block g of a Q8_0 or Q4_0 row: its 32 values (Q8_0 signed as stored, Q4_0 nibbles in element
// order) and its f16 scale d.
template <Form F>
LOWSPEC_AVX2_INLINE inline __m256i unpack_block(const uint8_t* row, int64_t g, uint16_t& d) {
  if constexpr (F == Form::Q8_0) {
    const BlockQ8_0& b = reinterpret_cast<const BlockQ8_0*>(row)[g];
    d = b.d;
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
  } else {
    const BlockQ4_0& b = reinterpret_cast<const BlockQ4_0*>(row)[g];
    d = b.d;
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m128i mask = _mm_set1_epi8(0x0f);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_and_si128(v, mask)),
                                   _mm_and_si128(_mm_srli_epi16(v, 4), mask), 1);
  }
}

constexpr int kRuns = kSuperBlock / kGroup;  // k-quant groups per super-block

// Group g of a Q4_K / Q5_K row as 32 unsigned bytes: run j = g % 8 of its super-block, the low
// (j even) or high nibbles of qs chunk j / 2, Q5_K's bit j of each qh byte moved to bit 4.
template <bool kFive>
LOWSPEC_AVX2_INLINE inline __m256i unpack_k_run(const uint8_t* row, int64_t g) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const Block& b = reinterpret_cast<const Block*>(row)[g / kRuns];
  const int j = static_cast<int>(g % kRuns);
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * (j / 2)));
  __m256i u = _mm256_and_si256(j % 2 ? _mm256_srli_epi16(v, 4) : v, _mm256_set1_epi8(0x0f));
  if constexpr (kFive) {
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh));
    const __m256i bit = _mm256_and_si256(qh, _mm256_set1_epi8(static_cast<char>(1 << j)));
    u = _mm256_or_si256(u, j <= 4 ? _mm256_slli_epi16(bit, 4 - j) : _mm256_srli_epi16(bit, j - 4));
  }
  return u;
}

// 8 bytes as 8 floats.
LOWSPEC_AVX2_INLINE inline __m256 widen_bytes(uint64_t bytes) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(bytes))));
}

// Super-block sb of a Q4_K / Q5_K row: its 8 groups' scales d * sc and offsets dmin * m.
template <bool kFive>
LOWSPEC_AVX2_INLINE inline void k_run_scales(const uint8_t* row, int64_t sb, __m256& scale,
                                             __m256& offset) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const Block& b = reinterpret_cast<const Block*>(row)[sb];
  uint64_t sc8, m8;
  k_scales_mins(b.scales, sc8, m8);
  scale = _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(b.d)), widen_bytes(sc8));
  offset = _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(b.dmin)), widen_bytes(m8));
}

// Q6_K super-block sb of a row: its f16 d, and its sub-block scales as the tile's pairs per group
// j (dword j of each): (sc_a, sc_b), (sc_a, sc_a), (sc_b, sc_b), sc_a = scales[2j], sc_b =
// scales[2j + 1].
LOWSPEC_AVX2_INLINE inline void q6_k_sub_scales(const uint8_t* row, int64_t sb, uint16_t& d,
                                                __m256i (&pairs)[3]) {
  const BlockQ6_K& b = reinterpret_cast<const BlockQ6_K*>(row)[sb];
  d = b.d;
  pairs[0] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
  pairs[1] = _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(pairs[0], 0xa0), 0xa0);
  pairs[2] = _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(pairs[0], 0xf5), 0xf5);
}

// 8 rows of 8 dwords to 8 vectors of 8 dwords, r[j] = dword j of rows 0..7.
LOWSPEC_AVX2_INLINE inline void transpose_8x8(__m256i (&r)[8]) {
  __m256i t[8], u[8];
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm256_unpacklo_epi32(r[k], r[k + 1]);
    t[k + 1] = _mm256_unpackhi_epi32(r[k], r[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    u[k] = _mm256_unpacklo_epi64(t[k], t[k + 2]);
    u[k + 1] = _mm256_unpackhi_epi64(t[k], t[k + 2]);
    u[k + 2] = _mm256_unpacklo_epi64(t[k + 1], t[k + 3]);
    u[k + 3] = _mm256_unpackhi_epi64(t[k + 1], t[k + 3]);
  }
  // u[0..3] hold rows 0-3's dwords {0,1,2,3} in the low lane and {4..7} in the high lane; u[4..7]
  // rows 4-7's.
  for (int k = 0; k < 4; ++k) {
    r[k] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x20);
    r[k + 4] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x31);
  }
}

// Rows [n0, n0 + cols) of W into the panel; missing rows (cols < 8) are zeros. Q8_0 and Q4_0 widen
// their 8 f16 scales together: one conversion and one store a group, not 8 of each (Q4_0's - 8 is
// where the tile's sums start, so it has no offsets). Q4_K / Q5_K decode
// each column's 8 scales and mins of a super-block together and transpose them into the groups'
// rows, and Q6_K its 16 sub-block scales: one group at a time through scalar code, the pack took
// 6 % of a TinyLlama Q4_K or Q6_K prefill (Zen 3), now 3 %.
template <Form F>
LOWSPEC_AVX2 void pack_panel(const QuantMatmulProblem& p, int64_t n0, int cols, Panel& panel) {
  const int64_t groups = p.K / kGroup;
  const uint64_t row_bytes = *dtype_bytes(p.w_dtype, static_cast<uint64_t>(p.K));
  panel.w.resize(static_cast<size_t>(groups * kGroup * kPanel));
  panel.scale.resize(static_cast<size_t>(groups * kPanel));
  constexpr bool q6_k = F == Form::Q6_K;
  constexpr bool kFive = F == Form::Q5_K;
  if constexpr (is_k_quant(F)) panel.offset.resize(static_cast<size_t>(groups * kPanel));
  if (q6_k) panel.sub.resize(static_cast<size_t>(groups * kSubScales));
  const uint8_t* w = static_cast<const uint8_t*>(p.w) + n0 * row_bytes;
  for (int64_t g = 0; g < groups; ++g) {
    prefetch_next_panel(w, static_cast<int64_t>(kPanel * row_bytes), g, groups);
    float* scale = panel.scale.data() + g * kPanel;
    int16_t* sub = q6_k ? panel.sub.data() + g * kSubScales : nullptr;
    __m256i r[kPanel];
    if constexpr (F == Form::Q8_0 || F == Form::Q4_0) {
      alignas(16) uint16_t d[kPanel];
      for (int c = 0; c < kPanel; ++c) {
        d[c] = 0;
        r[c] = c < cols ? unpack_block<F>(w + c * row_bytes, g, d[c]) : _mm256_setzero_si256();
      }
      const __m256 s = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(d)));
      _mm256_store_ps(scale, s);
    } else if constexpr (is_k_quant(F)) {
      if (g % kRuns == 0) {  // r[c] = column c's 8 scales, then its 8 offsets
        float* offset = panel.offset.data() + g * kPanel;
        __m256i o[kPanel];
        for (int c = 0; c < kPanel; ++c) {
          __m256 sc = _mm256_setzero_ps(), off = _mm256_setzero_ps();
          if (c < cols) k_run_scales<kFive>(w + c * row_bytes, g / kRuns, sc, off);
          r[c] = _mm256_castps_si256(sc);
          o[c] = _mm256_castps_si256(off);
        }
        transpose_8x8(r);
        transpose_8x8(o);
        for (int j = 0; j < kRuns; ++j) {
          _mm256_store_si256(reinterpret_cast<__m256i*>(scale + j * kPanel), r[j]);
          _mm256_store_si256(reinterpret_cast<__m256i*>(offset + j * kPanel), o[j]);
        }
      }
      for (int c = 0; c < kPanel; ++c) {
        r[c] = c < cols ? unpack_k_run<kFive>(w + c * row_bytes, g) : _mm256_setzero_si256();
      }
    } else {
      if (g % kRuns == 0) {  // per column, then transposed into the groups' rows
        alignas(16) uint16_t d[kPanel];
        __m256i pairs[3][kPanel];
        for (int c = 0; c < kPanel; ++c) {
          __m256i column[3] = {};
          d[c] = 0;
          if (c < cols) q6_k_sub_scales(w + c * row_bytes, g / kRuns, d[c], column);
          for (int k = 0; k < 3; ++k) pairs[k][c] = column[k];
        }
        for (int k = 0; k < 3; ++k) transpose_8x8(pairs[k]);
        const __m256 dv = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(d)));
        for (int j = 0; j < kRuns; ++j) {
          _mm256_store_ps(scale + j * kPanel, dv);
          for (int k = 0; k < 3; ++k) {
            _mm256_store_si256(reinterpret_cast<__m256i*>(sub + j * kSubScales + k * 2 * kPanel),
                               pairs[k][j]);
          }
        }
      }
      for (int c = 0; c < kPanel; ++c) {
        const int run = static_cast<int>(g % kRuns);
        r[c] = c < cols ? unpack_q6_k_run(
                              reinterpret_cast<const BlockQ6_K*>(w + c * row_bytes)[g / kRuns],
                              run / 4, run % 4)
                        : _mm256_setzero_si256();
      }
    }
    transpose_8x8(r);
    __m256i* out = reinterpret_cast<__m256i*>(panel.w.data() + g * kGroup * kPanel);
    for (int j = 0; j < kSteps; ++j) _mm256_store_si256(out + j, r[j]);
  }
}

// The input rows of each register tile side by side, so that a tile reads all of its rows through
// one pointer per array: a tile of R rows from row m0 has its 4-byte steps at q + m0 * K / 4,
// [groups][kSteps][R], and its scales and sums at m0 * groups, [groups][R]. With a pointer per row
// for each array the tile had more pointers than x86 has registers, and their reloads at each
// group's start and end took 40 % of a Q4_0 tile's time (Zen 3). Made once per input and thread:
// kept for the next call with the same input (the other column ranges, the other weights of a
// shared input).
struct TileInputs {
  AlignedBuffer<int32_t> q;
  AlignedBuffer<float> d;
  // Q4_0: where each group's int16 pair sums start, -8 times the sums of the activations they
  // meet (bytes 4s, 4s + 1 | 4s + 2, 4s + 3 of the steps s), so that the pairs end at the sums of
  // (q - 8) x without a correction per row and group (|each| <= 16 * 8 * 128 fits int16, and so
  // does every partial sum on the way). The correction after the madd took 3 instructions per row
  // and group. Made on the first call with Q4_0 weights.
  AlignedBuffer<int32_t> q4_0_start;
  bool has_q4_0_start = false;
  // d * sum, the k-quants' offsets' factor: made per tile group in the body it took a scalar
  // int-to-float conversion per row and group, and Q4_K prefill ran 1.14-1.18x slower (Zen 3).
  AlignedBuffer<float> d_sum;
  // Q6_K: the sums of each group's two 16-element halves as an int16 pair (first | second << 16),
  // made on the first call that asks for them.
  AlignedBuffer<int32_t> half_sums;
  bool has_half_sums = false;
  uint64_t input_id = 0;
  const int8_t* xq = nullptr;
  int64_t M = 0, K = 0;
};

// Rows per tile starting at m: kTileRows, and what is left at the end.
inline int tile_rows_at(int64_t m, int64_t M) {
  return static_cast<int>(std::min<int64_t>(kTileRows, M - m));
}

// The halves' sums (|sum| <= 16 * 127 fits int16) in the tiles' layout.
void add_half_sums(const QuantMatmulProblem& p, TileInputs& t) {
  const int64_t groups = p.K / kGroup;
  const int16_t* sums16 = activation_sums_of_16(p);  // row m's group g halves: m * 2 groups + 2g
  t.half_sums.resize(static_cast<size_t>(p.M * groups));
  for (int64_t m0 = 0; m0 < p.M; m0 += kTileRows) {
    const int R = tile_rows_at(m0, p.M);
    for (int r = 0; r < R; ++r) {
      for (int64_t g = 0; g < groups; ++g) {
        const int16_t* halves = sums16 + ((m0 + r) * groups + g) * 2;
        t.half_sums[m0 * groups + g * R + r] =
            static_cast<int32_t>(static_cast<uint16_t>(halves[0]) |
                                 static_cast<uint32_t>(static_cast<uint16_t>(halves[1])) << 16);
      }
    }
  }
  t.has_half_sums = true;
}

// -8 times the sums of each group's activations at bytes 4s, 4s + 1 and at 4s + 2, 4s + 3, as
// the int16 pair (lo | hi << 16) in the tiles' layout.
void add_q4_0_start(const QuantMatmulProblem& p, TileInputs& t) {
  const int64_t groups = p.K / kGroup;
  t.q4_0_start.resize(static_cast<size_t>(p.M * groups));
  for (int64_t m0 = 0; m0 < p.M; m0 += kTileRows) {
    const int R = tile_rows_at(m0, p.M);
    for (int r = 0; r < R; ++r) {
      const int8_t* xq = p.xq + (m0 + r) * p.K;
      for (int64_t g = 0; g < groups; ++g) {
        int lo = 0, hi = 0;
        for (int i = 0; i < kGroup; i += 4) {
          lo += xq[g * kGroup + i] + xq[g * kGroup + i + 1];
          hi += xq[g * kGroup + i + 2] + xq[g * kGroup + i + 3];
        }
        t.q4_0_start[m0 * groups + g * R + r] =
            static_cast<int32_t>(static_cast<uint16_t>(-8 * lo) |
                                 static_cast<uint32_t>(static_cast<uint16_t>(-8 * hi)) << 16);
      }
    }
  }
  t.has_q4_0_start = true;
}

// The inputs for weights of form f: the extras only Q4_0 and Q6_K read are made for them alone.
const TileInputs& tile_inputs(const QuantMatmulProblem& p, Form f) {
  thread_local TileInputs t;
  const bool same_input =
      p.input_id != 0 && t.input_id == p.input_id && t.xq == p.xq && t.M == p.M && t.K == p.K;
  if (!same_input) {
    t.has_q4_0_start = t.has_half_sums = false;
    const int64_t groups = p.K / kGroup;
    t.q.resize(static_cast<size_t>(p.M * p.K / 4));
    t.d.resize(static_cast<size_t>(p.M * groups));
    t.d_sum.resize(static_cast<size_t>(p.M * groups));
    for (int64_t m0 = 0; m0 < p.M; m0 += kTileRows) {
      const int R = tile_rows_at(m0, p.M);
      int32_t* q = t.q.data() + m0 * p.K / 4;
      float* d = t.d.data() + m0 * groups;
      float* d_sum = t.d_sum.data() + m0 * groups;
      for (int r = 0; r < R; ++r) {
        const int8_t* xq = p.xq + (m0 + r) * p.K;
        for (int64_t i = 0; i < p.K / 4; ++i) __builtin_memcpy(q + i * R + r, xq + 4 * i, 4);
        for (int64_t g = 0; g < groups; ++g) {
          d[g * R + r] = p.xd[(m0 + r) * groups + g];
          d_sum[g * R + r] = d[g * R + r] * static_cast<float>(p.xsum[(m0 + r) * groups + g]);
        }
      }
    }
    t.input_id = p.input_id;
    t.xq = p.xq;
    t.M = p.M;
    t.K = p.K;
  }
  if (f == Form::Q4_0 && !t.has_q4_0_start) add_q4_0_start(p, t);
  if (f == Form::Q6_K && !t.has_half_sums) add_half_sums(p, t);
  return t;
}

// Steps whose int16 pair sums can be added before they must widen (see the header).
constexpr int steps_per_widen(Form f) {
  return f == Form::Q4_0 || f == Form::Q4_K ? 8 : f == Form::Q5_K ? 4 : f == Form::Q6_K ? 2 : 1;
}

// One step of one input row: the 8 columns' 16 int16 pair sums of products with its 4 bytes x4.
template <Form F>
LOWSPEC_AVX2_INLINE inline __m256i step_product(__m256i ws, int32_t x4) {
  const __m256i x = _mm256_set1_epi32(x4);
  if constexpr (F == Form::Q8_0) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(ws, ws), _mm256_sign_epi8(x, ws));
  }
  return _mm256_maddubs_epi16(ws, x);
}

// y[m0..m0+R, n0..n0+cols) from the packed panel.
template <int R, Form F>
LOWSPEC_AVX2 void panel_tile(const QuantMatmulProblem& p, const Panel& panel, const TileInputs& in,
                             int64_t m0, int64_t n0, int cols) {
  const int64_t groups = p.K / kGroup;
  const int32_t* xq = in.q.data() + m0 * p.K / 4;
  const float* xd = in.d.data() + m0 * groups;
  const int32_t* xstart = in.q4_0_start.data() + m0 * groups;
  const float* xd_sum = in.d_sum.data() + m0 * groups;
  constexpr int kWiden = steps_per_widen(F);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    const __m256i* w = reinterpret_cast<const __m256i*>(panel.w.data() + g * kGroup * kPanel);
    __m256i dot[R], mult[2] = {ones, ones};
    if constexpr (F == Form::Q6_K) {
      const __m256i* sub = reinterpret_cast<const __m256i*>(panel.sub.data() + g * kSubScales);
      mult[0] = _mm256_load_si256(sub + 1);
      mult[1] = _mm256_load_si256(sub + 2);
      for (int r = 0; r < R; ++r) {
        // -32 * (sc_a * sum(x_a) + sc_b * sum(x_b)) per column; |sum| <= 16 * 127 fits int16.
        const __m256i sums = _mm256_set1_epi32(in.half_sums[m0 * groups + g * R + r]);
        dot[r] =
            _mm256_sub_epi32(_mm256_setzero_si256(),
                             _mm256_slli_epi32(_mm256_madd_epi16(_mm256_load_si256(sub), sums), 5));
      }
    } else {
      for (int r = 0; r < R; ++r) dot[r] = _mm256_setzero_si256();
    }
    if constexpr (F == Form::Q8_0) {
      // Widens every step. Unrolled: GCC left the loop rolled, with a stack load of the madd
      // multiplier and a register copy per row each step (1.07x on Zen 3).
#pragma GCC unroll 8
      for (int s = 0; s < kSteps; ++s) {
        const __m256i ws = _mm256_load_si256(w + s);
        __m256i pairs[R];
        for (int r = 0; r < R; ++r) pairs[r] = step_product<F>(ws, xq[(g * kSteps + s) * R + r]);
        for (int r = 0; r < R; ++r) {
          dot[r] = _mm256_add_epi32(dot[r], _mm256_madd_epi16(pairs[r], ones));
          __asm__("" : "+x"(dot[r]));  // in order, as below, or the products spill
        }
      }
    } else {
      for (int s0 = 0; s0 < kSteps; s0 += kWiden) {
        const auto product = [&](int s, int r) LOWSPEC_AVX2_INLINE {
          return step_product<F>(_mm256_load_si256(w + s), xq[(g * kSteps + s) * R + r]);
        };
        __m256i pairs[R];
        for (int r = 0; r < R; ++r) {
          pairs[r] = product(s0, r);
          if constexpr (F == Form::Q4_0) {
            pairs[r] = _mm256_add_epi16(pairs[r], _mm256_set1_epi32(xstart[g * R + r]));
          }
        }
        for (int s = s0 + 1; s < s0 + kWiden; ++s) {
          for (int r = 0; r < R; ++r) {
            // The add in asm keeps each step's add in order: GCC otherwise regroups the wrapping
            // int16 sums into a tree, computes all R x 8 products first and spills them (41
            // stores per group); an empty asm barrier on the sum cost a register copy per add.
            __asm__("vpaddw %1, %0, %0" : "+x"(pairs[r]) : "x"(product(s, r)));
          }
        }
        // Q6_K: steps 0-3 are sub-block a, 4-7 sub-block b, each weighted by its scale.
        const __m256i weight = mult[s0 / 4];
        for (int r = 0; r < R; ++r) {
          dot[r] = _mm256_add_epi32(dot[r], _mm256_madd_epi16(pairs[r], weight));
        }
      }
    }
    const __m256 scale = _mm256_load_ps(panel.scale.data() + g * kPanel);
    for (int r = 0; r < R; ++r) {
      const float dx = xd[g * R + r];
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r]), _mm256_mul_ps(scale, _mm256_set1_ps(dx)),
                               acc[r]);
      if constexpr (is_k_quant(F)) {
        const __m256 offset = _mm256_load_ps(panel.offset.data() + g * kPanel);
        acc[r] = _mm256_fnmadd_ps(offset, _mm256_set1_ps(xd_sum[g * R + r]), acc[r]);
      }
    }
  }
  alignas(32) float out[kPanel];
  for (int r = 0; r < R; ++r) {
    _mm256_store_ps(out, acc[r]);
    float* y = p.y + (m0 + r) * p.N + n0;
    for (int c = 0; c < cols; ++c) y[c] = out[c] + (p.bias ? p.bias[n0 + c] : 0.0f);
  }
}

template <Form F>
LOWSPEC_AVX2 void panel_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  thread_local Panel panel;
  const TileInputs& inputs = tile_inputs(p, F);
  for (int64_t n = n0; n < n1; n += kPanel) {
    const int cols = static_cast<int>(std::min<int64_t>(kPanel, n1 - n));
    pack_panel<F>(p, n, cols, panel);
    for (int64_t m = 0; m < p.M; m += kTileRows) {
      switch (std::min<int64_t>(kTileRows, p.M - m)) {
        case 1:
          panel_tile<1, F>(p, panel, inputs, m, n, cols);
          break;
        case 2:
          panel_tile<2, F>(p, panel, inputs, m, n, cols);
          break;
        case 3:
          panel_tile<3, F>(p, panel, inputs, m, n, cols);
          break;
        case 4:
          panel_tile<4, F>(p, panel, inputs, m, n, cols);
          break;
        case 5:
          panel_tile<5, F>(p, panel, inputs, m, n, cols);
          break;
        default:
          panel_tile<kTileRows, F>(p, panel, inputs, m, n, cols);
      }
    }
  }
}

}  // namespace

bool matmul_quant_panel_avx2_supports(DType type) {
  return type == DType::Q8_0 || type == DType::Q4_0 || type == DType::Q4_K || type == DType::Q5_K ||
         type == DType::Q6_K;
}

void matmul_quant_panel_avx2(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  switch (p.w_dtype) {
    case DType::Q8_0:
      return panel_columns<Form::Q8_0>(p, n0, n1);
    case DType::Q4_0:
      return panel_columns<Form::Q4_0>(p, n0, n1);
    case DType::Q6_K:
      return panel_columns<Form::Q6_K>(p, n0, n1);
    case DType::Q5_K:
      return panel_columns<Form::Q5_K>(p, n0, n1);
    default:
      return panel_columns<Form::Q4_K>(p, n0, n1);
  }
}

}  // namespace lowspec
