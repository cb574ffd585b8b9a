// AVX-512 VNNI prefill body for block-quantized weights (M > 4): weight rows are unpacked 16 at a
// time into a panel laid out the way vpdpbusd consumes them — for each 4-element step k, the 16
// rows' 4 unsigned bytes side by side in one zmm — beside each group's 16 scales and offsets
// (value = scale * u - offset; see quant_groups.h). One zmm of weights then serves a tile of up
// to 8 input rows, each row's 4 int8 activations broadcast from memory:
//   per row and 32-element group: 8 vpdpbusd (512 multiply-adds), then
//   acc += (scale * dx) * dot - offset * (dx * sum(x))
// The panel is per thread and reused; it is packed once per call and read by all M rows.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/aligned_buffer.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"
#include "kernels/quant_groups.h"

#define LOWSPEC_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kPanel = 16;    // weight rows per panel: one zmm of int32 lanes
constexpr int kTileRows = 8;  // input rows sharing each loaded panel vector
constexpr int kGroup = 32;    // elements per group (Q8_0, Q4_0, Q4_K, Q5_K)
constexpr int kSteps = kGroup / 4;

struct Panel {
  AlignedBuffer<uint8_t> u;     // [groups][kSteps][kPanel][4]
  AlignedBuffer<float> scale;   // [groups][kPanel]
  AlignedBuffer<float> offset;  // [groups][kPanel]
};

// Group g of a Q8_0 / Q4_0 row as unsigned bytes, the rest through decode_group.
LOWSPEC_VNNI inline void unpack_group(DType type, const uint8_t* row, int64_t g, uint8_t* u,
                                      float& scale, float& offset) {
  if (type == DType::Q8_0) {
    const BlockQ8_0& b = reinterpret_cast<const BlockQ8_0*>(row)[g];
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(u),
                        _mm256_xor_si256(q, _mm256_set1_epi8(static_cast<char>(0x80))));
    scale = _cvtsh_ss(b.d);
    offset = 128.0f * scale;
    return;
  }
  if (type == DType::Q4_0) {
    const BlockQ4_0& b = reinterpret_cast<const BlockQ4_0*>(row)[g];
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m128i mask = _mm_set1_epi8(0x0f);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u), _mm_and_si128(v, mask));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u + 16), _mm_and_si128(_mm_srli_epi16(v, 4), mask));
    scale = _cvtsh_ss(b.d);
    offset = 8.0f * scale;
    return;
  }
  decode_group(type, row, g, u, scale, offset);
}

// Rows [n0, n0 + cols) of W into the panel; missing rows (cols < 16) are zeros.
LOWSPEC_VNNI void pack_panel(const QuantMatmulProblem& p, int64_t n0, int cols, Panel& panel) {
  const int64_t groups = p.K / kGroup;
  const uint64_t row_bytes = *dtype_bytes(p.w_dtype, static_cast<uint64_t>(p.K));
  panel.u.resize(static_cast<size_t>(groups * kGroup * kPanel));
  panel.scale.resize(static_cast<size_t>(groups * kPanel));
  panel.offset.resize(static_cast<size_t>(groups * kPanel));
  if (cols < kPanel) {
    std::memset(panel.u.data(), 0, panel.u.size());
    std::fill(panel.scale.begin(), panel.scale.end(), 0.0f);
    std::fill(panel.offset.begin(), panel.offset.end(), 0.0f);
  }
  alignas(32) uint8_t u[kGroup];
  for (int c = 0; c < cols; ++c) {
    const uint8_t* row = static_cast<const uint8_t*>(p.w) + (n0 + c) * row_bytes;
    for (int64_t g = 0; g < groups; ++g) {
      unpack_group(p.w_dtype, row, g, u, panel.scale[g * kPanel + c], panel.offset[g * kPanel + c]);
      uint32_t* dst = reinterpret_cast<uint32_t*>(panel.u.data() + g * kGroup * kPanel) + c;
      for (int s = 0; s < kSteps; ++s) std::memcpy(dst + s * kPanel, u + 4 * s, 4);
    }
  }
}

// y[m0..m0+R, n0..n0+cols) from the packed panel.
template <int R>
LOWSPEC_VNNI void panel_tile(const QuantMatmulProblem& p, const Panel& panel, int64_t m0,
                             int64_t n0, int cols) {
  const int64_t groups = p.K / kGroup;
  __m512 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    const __m512i* w = reinterpret_cast<const __m512i*>(panel.u.data() + g * kGroup * kPanel);
    __m512i dot[R];
    for (int r = 0; r < R; ++r) dot[r] = _mm512_setzero_si512();
    for (int s = 0; s < kSteps; ++s) {
      const __m512i ws = _mm512_load_si512(w + s);
      for (int r = 0; r < R; ++r) {
        const __m512i x =
            _mm512_broadcastd_epi32(_mm_loadu_si32(p.xq + (m0 + r) * p.K + g * kGroup + 4 * s));
        dot[r] = _mm512_dpbusd_epi32(dot[r], ws, x);
      }
    }
    const __m512 scale = _mm512_load_ps(panel.scale.data() + g * kPanel);
    const __m512 offset = _mm512_load_ps(panel.offset.data() + g * kPanel);
    for (int r = 0; r < R; ++r) {
      const int64_t rg = (m0 + r) * groups + g;
      const float dx = p.xd[rg];
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[r]), _mm512_mul_ps(scale, _mm512_set1_ps(dx)),
                               acc[r]);
      acc[r] =
          _mm512_fnmadd_ps(offset, _mm512_set1_ps(dx * static_cast<float>(p.xsum[rg])), acc[r]);
    }
  }
  const __mmask16 valid = static_cast<__mmask16>((1u << cols) - 1);
  const __m512 bias = p.bias ? _mm512_maskz_loadu_ps(valid, p.bias + n0) : _mm512_setzero_ps();
  for (int r = 0; r < R; ++r) {
    _mm512_mask_storeu_ps(p.y + (m0 + r) * p.N + n0, valid, _mm512_add_ps(acc[r], bias));
  }
}

template <int R = kTileRows>
LOWSPEC_VNNI void panel_rows(const QuantMatmulProblem& p, const Panel& panel, int64_t m0,
                             int64_t n0, int cols, int rows) {
  if constexpr (R > 1) {
    if (rows < R) return panel_rows<R - 1>(p, panel, m0, n0, cols, rows);
  }
  panel_tile<R>(p, panel, m0, n0, cols);
}

}  // namespace

bool matmul_quant_panel_supports(DType type) {
  return type == DType::Q8_0 || type == DType::Q4_0 || type == DType::Q4_K || type == DType::Q5_K;
}

LOWSPEC_VNNI void matmul_quant_panel_avx512(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  thread_local Panel panel;
  for (int64_t n = n0; n < n1; n += kPanel) {
    const int cols = static_cast<int>(std::min<int64_t>(kPanel, n1 - n));
    pack_panel(p, n, cols, panel);
    for (int64_t m = 0; m < p.M; m += kTileRows) {
      panel_rows(p, panel, m, n, cols, static_cast<int>(std::min<int64_t>(kTileRows, p.M - m)));
    }
  }
}

}  // namespace lowspec
