// AVX-512 VNNI prefill body for block-quantized weights (M > 4): weight rows are unpacked 16 at a
// time into a panel laid out the way vpdpbusd consumes them — for each 4-element step k, the 16
// rows' 4 unsigned bytes side by side in one zmm — beside each group's 16 scales and offsets
// (value = scale * u - offset; see quant_groups.h). One zmm of weights then serves a tile of up
// to 8 input rows, each row's 4 int8 activations broadcast from memory:
//   per row and 32-element group: 8 vpdpbusd (512 multiply-adds), then
//   acc += (scale * dx) * dot - offset * (dx * sum(x))
// (Q8_0 / Q4_0: offset = c * scale, so dot starts at -c * sum(x) and the second term goes away)
// Q6_K's groups are 16 elements: two of them fill a 32-element group of the panel, each half with
// its own scale and offset (the tile splits the dot after 4 of the 8 steps, and the offset of
// the first half takes the sum of the first 16 activations, computed once per call).
// The panel is per thread and reused; it is packed once per call and read by all M rows.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/aligned_buffer.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/prefetch.h"
#include "kernels/q6_k_unpack_avx2.h"
#include "kernels/quant_blocks.h"

#define LOWSPEC_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))
#define LOWSPEC_VNNI_INLINE \
  __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kPanel = 16;    // weight rows per panel: one zmm of int32 lanes
constexpr int kTileRows = 8;  // input rows sharing each loaded panel vector
constexpr int kGroup = 32;    // elements per group of the panel (two of Q6_K's)
constexpr int kSteps = kGroup / 4;

struct Panel {
  AlignedBuffer<uint8_t> u;     // [groups][kSteps][kPanel][4]
  AlignedBuffer<float> scale;   // [groups][kPanel] ([groups][2][kPanel] for Q6_K: per half)
  AlignedBuffer<float> offset;  // as scale; k-quants only (Q8_0 / Q4_0 take theirs in the dot)
};

// Group g of a Q4_K / Q5_K row as 32 unsigned bytes, in registers: decode_group's values (its
// nibbles, plus 16 where Q5_K's qh has bit j of the group), scale d * sc, offset dmin * m.
template <bool kFive>
LOWSPEC_VNNI_INLINE inline __m256i unpack_q45_k_group(const uint8_t* row, int64_t g, float& scale,
                                                      float& offset) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  constexpr int kGroups = kSuperBlock / kGroup;
  const Block& b = reinterpret_cast<const Block*>(row)[g / kGroups];
  const int j = static_cast<int>(g % kGroups);
  __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * (j / 2)));
  if (j % 2) v = _mm256_srli_epi16(v, 4);
  v = _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
  if constexpr (kFive) {
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh));
    v = _mm256_mask_add_epi8(v,
                             _mm256_test_epi8_mask(qh, _mm256_set1_epi8(static_cast<char>(1 << j))),
                             v, _mm256_set1_epi8(16));
  }
  int sc, m;
  k_scale_min(b.scales, j, sc, m);
  scale = _cvtsh_ss(b.d) * sc;
  offset = _cvtsh_ss(b.dmin) * m;
  return v;
}

// Q6_K's 16-element groups 2g and 2g + 1 (run g % 8 of its super-block) as one 32-byte group,
// unpacked in registers, with both halves' scale d * sc and offset 32 d * sc (decode_group's).
LOWSPEC_VNNI_INLINE inline __m256i unpack_q6_k_pair(const uint8_t* row, int64_t g, float* scale,
                                                    float* offset) {
  constexpr int kRuns = kSuperBlock / kGroup;
  const BlockQ6_K& b = reinterpret_cast<const BlockQ6_K*>(row)[g / kRuns];
  const int run = static_cast<int>(g % kRuns);
  const float d = _cvtsh_ss(b.d);
  scale[0] = d * b.scales[2 * run];
  scale[kPanel] = d * b.scales[2 * run + 1];
  offset[0] = 32.0f * scale[0];
  offset[kPanel] = 32.0f * scale[kPanel];
  return unpack_q6_k_run(b, run / 4, run % 4);
}

// 16 rows of 8 dwords (row k in the low half of rows[k], row k + 8 in its high half) to 8
// vectors of 16 dwords, out[j] = dword j of rows 0..15: an 8x8 transpose in each 256-bit half.
LOWSPEC_VNNI inline void transpose_8x8_halves(__m512i (&r)[8]) {
  __m512i t[8], u[8];
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm512_unpacklo_epi32(r[k], r[k + 1]);
    t[k + 1] = _mm512_unpackhi_epi32(r[k], r[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    u[k] = _mm512_unpacklo_epi64(t[k], t[k + 2]);
    u[k + 1] = _mm512_unpackhi_epi64(t[k], t[k + 2]);
    u[k + 2] = _mm512_unpacklo_epi64(t[k + 1], t[k + 3]);
    u[k + 3] = _mm512_unpackhi_epi64(t[k + 1], t[k + 3]);
  }
  // u[0..3] hold rows 0-3's dwords {0,1,2,3} in 128-bit lanes 0 and 2 and {4..7} in lanes 1 and
  // 3; u[4..7] rows 4-7's. Pair the lanes up across the two.
  const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i second = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  for (int k = 0; k < 4; ++k) {
    r[k] = _mm512_permutex2var_epi64(u[k], first, u[k + 4]);
    r[k + 4] = _mm512_permutex2var_epi64(u[k], second, u[k + 4]);
  }
}

// Group g of the panel's 16 rows (32 bytes each) stored step by step: for each 4-byte step, the
// 16 rows' bytes side by side.
LOWSPEC_VNNI_INLINE inline void store_group(const __m256i (&row)[kPanel], int64_t g, Panel& panel) {
  __m512i r[8];
  for (int k = 0; k < 8; ++k)
    r[k] = _mm512_inserti64x4(_mm512_zextsi256_si512(row[k]), row[k + 8], 1);
  transpose_8x8_halves(r);
  __m512i* out = reinterpret_cast<__m512i*>(panel.u.data() + g * kGroup * kPanel);
  for (int j = 0; j < kSteps; ++j) _mm512_store_si512(out + j, r[j]);
}

// Rows [n0, n0 + cols) of Q4_K / Q5_K / Q6_K weights into the panel; missing rows (cols < 16)
// are zeros.
LOWSPEC_VNNI void pack_panel_k_quant(const QuantMatmulProblem& p, int64_t n0, int cols,
                                     Panel& panel) {
  const int64_t groups = p.K / kGroup;
  const bool halves = p.w_dtype == DType::Q6_K;
  const int per_group = halves ? 2 * kPanel : kPanel;  // scales per group
  const uint64_t row_bytes = *dtype_bytes(p.w_dtype, static_cast<uint64_t>(p.K));
  panel.u.resize(static_cast<size_t>(groups * kGroup * kPanel));
  panel.scale.resize(static_cast<size_t>(groups * per_group));
  panel.offset.resize(static_cast<size_t>(groups * per_group));
  const uint8_t* w = static_cast<const uint8_t*>(p.w) + n0 * row_bytes;
  for (int64_t g = 0; g < groups; ++g) {
    prefetch_next_panel(w, static_cast<int64_t>(kPanel * row_bytes), g, groups);
    float* scale = panel.scale.data() + g * per_group;
    float* offset = panel.offset.data() + g * per_group;
    std::fill_n(scale, per_group, 0.0f);
    std::fill_n(offset, per_group, 0.0f);
    __m256i row[kPanel];
    for (int c = 0; c < kPanel; ++c) {
      if (c >= cols) {
        row[c] = _mm256_setzero_si256();
      } else if (halves) {
        row[c] = unpack_q6_k_pair(w + c * row_bytes, g, scale + c, offset + c);
      } else {
        row[c] = p.w_dtype == DType::Q5_K
                     ? unpack_q45_k_group<true>(w + c * row_bytes, g, scale[c], offset[c])
                     : unpack_q45_k_group<false>(w + c * row_bytes, g, scale[c], offset[c]);
      }
    }
    store_group(row, g, panel);
  }
}

// Rows [n0, n0 + cols) of Q8_0 / Q4_0 (T) weights into the panel: each group's bytes unpacked in
// registers and its scale; no offsets (c times the scale, taken in the tile's dot start) and no
// per-row format switch (1.05-1.13x on the prefill matmul against going through unpack_group).
template <DType T>
LOWSPEC_VNNI void pack_panel_scaled_offset(const QuantMatmulProblem& p, int64_t n0, int cols,
                                           Panel& panel) {
  using Block = std::conditional_t<T == DType::Q8_0, BlockQ8_0, BlockQ4_0>;
  const int64_t groups = p.K / kGroup;
  panel.u.resize(static_cast<size_t>(groups * kGroup * kPanel));
  panel.scale.resize(static_cast<size_t>(groups * kPanel));
  const Block* w = static_cast<const Block*>(p.w) + n0 * groups;
  for (int64_t g = 0; g < groups; ++g) {
    prefetch_next_panel(w, static_cast<int64_t>(kPanel * groups * sizeof(Block)), g, groups);
    float* scale = panel.scale.data() + g * kPanel;
    __m256i row[kPanel];
    for (int c = 0; c < cols; ++c) {
      const Block& b = w[c * groups + g];
      scale[c] = _cvtsh_ss(b.d);
      if constexpr (T == DType::Q8_0) {
        row[c] = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)),
                                  _mm256_set1_epi8(static_cast<char>(0x80)));
      } else {
        const __m256i v =
            _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
        row[c] = _mm256_and_si256(_mm256_srlv_epi64(v, _mm256_set_epi64x(4, 4, 0, 0)),
                                  _mm256_set1_epi8(0x0f));
      }
    }
    for (int c = cols; c < kPanel; ++c) {
      scale[c] = 0.0f;
      row[c] = _mm256_setzero_si256();
    }
    store_group(row, g, panel);
  }
}

// Adds one group's (or half-group's) dot products of R rows, scaled, offsets taken out.
template <int R>
LOWSPEC_VNNI_INLINE inline void scale_dots(__m512 (&acc)[R], const __m512i (&dot)[R],
                                           const float* scale, const float* offset,
                                           const float (&dx)[R], const float (&sum)[R]) {
  const __m512 s = _mm512_load_ps(scale), o = _mm512_load_ps(offset);
  for (int r = 0; r < R; ++r) {
    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[r]), _mm512_mul_ps(s, _mm512_set1_ps(dx[r])),
                             acc[r]);
    acc[r] = _mm512_fnmadd_ps(o, _mm512_set1_ps(dx[r] * sum[r]), acc[r]);
  }
}

// Q8_0 and Q4_0 weights are scale * (u - c) with c = 128 or 8 for every row, so a group's dot
// starts at -c * sum(x) and needs no offset term: three float operations per row and group instead
// of four beside the 8 vpdpbusd, which share their ports.
int32_t offset_over_scale(DType type) {
  return type == DType::Q8_0 ? 128 : type == DType::Q4_0 ? 8 : 0;
}

// y[m0..m0+R, n0..n0+cols) from the packed panel; kHalves: Q6_K, a scale per 16 elements
// (first_half_sum: each row's per-32-block sums of its first 16 activations); kScaledOffset:
// Q8_0/Q4_0, offset = c * scale.
template <int R, bool kHalves, bool kScaledOffset>
LOWSPEC_VNNI void panel_tile(const QuantMatmulProblem& p, const Panel& panel,
                             const int32_t* first_half_sum, int64_t m0, int64_t n0, int cols) {
  const int64_t groups = p.K / kGroup;
  constexpr int kPerGroup = kHalves ? 2 * kPanel : kPanel;
  const int32_t c = offset_over_scale(p.w_dtype);
  __m512 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    const __m512i* w = reinterpret_cast<const __m512i*>(panel.u.data() + g * kGroup * kPanel);
    const float* scale = panel.scale.data() + g * kPerGroup;
    const float* offset = panel.offset.data() + g * kPerGroup;
    float dx[R], sum[R];
    for (int r = 0; r < R; ++r) dx[r] = p.xd[(m0 + r) * groups + g];
    __m512i dot[R];
    for (int r = 0; r < R; ++r) {
      dot[r] = kScaledOffset ? _mm512_set1_epi32(-c * p.xsum[(m0 + r) * groups + g])
                             : _mm512_setzero_si512();
    }
    for (int s = 0; s < kSteps; ++s) {
      if (kHalves && s == kSteps / 2) {  // first 16 elements done
        for (int r = 0; r < R; ++r) {
          sum[r] = static_cast<float>(first_half_sum[(m0 + r) * groups + g]);
        }
        scale_dots<R>(acc, dot, scale, offset, dx, sum);
        for (int r = 0; r < R; ++r) dot[r] = _mm512_setzero_si512();
      }
      const __m512i ws = _mm512_load_si512(w + s);
      for (int r = 0; r < R; ++r) {
        const __m512i x =
            _mm512_broadcastd_epi32(_mm_loadu_si32(p.xq + (m0 + r) * p.K + g * kGroup + 4 * s));
        dot[r] = _mm512_dpbusd_epi32(dot[r], ws, x);
      }
    }
    if constexpr (kScaledOffset) {
      const __m512 s = _mm512_load_ps(scale);
      for (int r = 0; r < R; ++r) {
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[r]),
                                 _mm512_mul_ps(s, _mm512_set1_ps(dx[r])), acc[r]);
      }
      continue;
    }
    for (int r = 0; r < R; ++r) {
      const int64_t rg = (m0 + r) * groups + g;
      sum[r] = static_cast<float>(kHalves ? p.xsum[rg] - first_half_sum[rg] : p.xsum[rg]);
    }
    scale_dots<R>(acc, dot, scale + (kHalves ? kPanel : 0), offset + (kHalves ? kPanel : 0), dx,
                  sum);
  }
  const __mmask16 valid = static_cast<__mmask16>((1u << cols) - 1);
  const __m512 bias = p.bias ? _mm512_maskz_loadu_ps(valid, p.bias + n0) : _mm512_setzero_ps();
  for (int r = 0; r < R; ++r) {
    _mm512_mask_storeu_ps(p.y + (m0 + r) * p.N + n0, valid, _mm512_add_ps(acc[r], bias));
  }
}

template <int R = kTileRows>
LOWSPEC_VNNI void panel_rows(const QuantMatmulProblem& p, const Panel& panel,
                             const int32_t* first_half_sum, int64_t m0, int64_t n0, int cols,
                             int rows) {
  if constexpr (R > 1) {
    if (rows < R) return panel_rows<R - 1>(p, panel, first_half_sum, m0, n0, cols, rows);
  }
  if (first_half_sum != nullptr) {
    return panel_tile<R, true, false>(p, panel, first_half_sum, m0, n0, cols);
  }
  if (offset_over_scale(p.w_dtype) != 0)
    return panel_tile<R, false, true>(p, panel, nullptr, m0, n0, cols);
  panel_tile<R, false, false>(p, panel, nullptr, m0, n0, cols);
}

}  // namespace

bool matmul_quant_panel_supports(DType type) {
  return type == DType::Q8_0 || type == DType::Q4_0 || type == DType::Q4_K || type == DType::Q5_K ||
         type == DType::Q6_K;
}

LOWSPEC_VNNI void matmul_quant_panel_avx512(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  thread_local Panel panel;
  thread_local AlignedBuffer<int32_t> first_half_sum;
  const int32_t* halves = nullptr;
  if (p.w_dtype == DType::Q6_K) {
    const int64_t blocks = p.M * p.K / kGroup;
    first_half_sum.resize(static_cast<size_t>(blocks));
    for (int64_t b = 0; b < blocks; ++b) {
      int32_t sum = 0;
      for (int j = 0; j < kGroup / 2; ++j) sum += p.xq[b * kGroup + j];
      first_half_sum[b] = sum;
    }
    halves = first_half_sum.data();
  }
  for (int64_t n = n0; n < n1; n += kPanel) {
    const int cols = static_cast<int>(std::min<int64_t>(kPanel, n1 - n));
    if (p.w_dtype == DType::Q8_0) {
      pack_panel_scaled_offset<DType::Q8_0>(p, n, cols, panel);
    } else if (p.w_dtype == DType::Q4_0) {
      pack_panel_scaled_offset<DType::Q4_0>(p, n, cols, panel);
    } else {
      pack_panel_k_quant(p, n, cols, panel);
    }
    for (int64_t m = 0; m < p.M; m += kTileRows) {
      panel_rows(p, panel, halves, m, n, cols,
                 static_cast<int>(std::min<int64_t>(kTileRows, p.M - m)));
    }
  }
}

}  // namespace lowspec
