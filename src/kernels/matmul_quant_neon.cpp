// NEON body (aarch64) for block-quantized weights against int8 activations. A weight block (a
// super-block for the k-quants) is unpacked once into int8x16 registers and dotted with up to 4
// input rows; each row keeps a float32x4 accumulator (the integer dot's 4 lanes times the
// scales), summed across lanes at the end. The integer dot is SDOT where the CPU has dotprod
// (ARMv8.2+: Cortex-A55/A76, Apple, ...), widening multiplies otherwise (Raspberry Pi 3/4), chosen
// once per process; the SDOT form is compiled for armv8.2-a+dotprod in its own function, so a CPU
// without it never executes an SDOT. Prefill with SDOT goes through 4-column panels
// (sdot_panel_columns below): Q8_0 / Q4_0 a block at a time, the k-quants a run at a time.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/aligned_buffer.h"
#include "core/cpu_features.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"

namespace lowspec {

namespace {

constexpr int kTileRows = 4;  // input rows sharing one unpacked weight block

float f16_scale(uint16_t bits) {
  __fp16 h;
  std::memcpy(&h, &bits, sizeof h);
  return static_cast<float>(h);
}

// Elements 0..15 in lo, 16..31 in hi; returns the block scale.
inline float unpack(const BlockQ8_0& b, int8x16_t& lo, int8x16_t& hi) {
  lo = vld1q_s8(b.qs);
  hi = vld1q_s8(b.qs + 16);
  return f16_scale(b.d);
}
inline float unpack(const BlockQ4_0& b, int8x16_t& lo, int8x16_t& hi) {
  const uint8x16_t packed = vld1q_u8(b.qs);
  const int8x16_t eight = vdupq_n_s8(8);
  lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(0x0f))), eight);
  hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(packed, 4)), eight);
  return f16_scale(b.d);
}

// Sum of w[j] * x[j] over a 32-element block (dot) or 16 elements (dot16), spread over 4 int32
// lanes. Exact for any int8s.
struct WideningDot {
  static int32x4_t dot(int8x16_t w0, int8x16_t w1, int8x16_t x0, int8x16_t x1) {
    int32x4_t acc = vpaddlq_s16(vmull_s8(vget_low_s8(w0), vget_low_s8(x0)));
    acc = vpadalq_s16(acc, vmull_high_s8(w0, x0));
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(w1), vget_low_s8(x1)));
    return vpadalq_s16(acc, vmull_high_s8(w1, x1));
  }
  static int32x4_t dot16(int8x16_t w, int8x16_t x) {
    return vpadalq_s16(vpaddlq_s16(vmull_s8(vget_low_s8(w), vget_low_s8(x))), vmull_high_s8(w, x));
  }
};
struct SdotDot {
  __attribute__((target("arch=armv8.2-a+dotprod"))) static int32x4_t dot(int8x16_t w0, int8x16_t w1,
                                                                         int8x16_t x0,
                                                                         int8x16_t x1) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, x0), w1, x1);
  }
  __attribute__((target("arch=armv8.2-a+dotprod"))) static int32x4_t dot16(int8x16_t w,
                                                                           int8x16_t x) {
    return vdotq_s32(vdupq_n_s32(0), w, x);
  }
};

// y[m0 .. m0+R) at column n.
template <class Block, class Dot, int R>
inline void column_rows(const QuantMatmulProblem& p, int64_t n, int64_t m0) {
  const int64_t blocks = p.K / kQuantBlock;
  const Block* w = static_cast<const Block*>(p.w) + n * blocks;
  const int8_t* x = p.xq + m0 * p.K;
  const float* xd = p.xd + m0 * blocks;
  float32x4_t acc[R];
  for (int r = 0; r < R; ++r) acc[r] = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < blocks; ++b) {
    int8x16_t w0, w1;
    const float dw = unpack(w[b], w0, w1);
    for (int r = 0; r < R; ++r) {
      const int8_t* xb = x + r * p.K + b * kQuantBlock;
      const int32x4_t dot = Dot::dot(w0, w1, vld1q_s8(xb), vld1q_s8(xb + 16));
      acc[r] = vmlaq_n_f32(acc[r], vcvtq_f32_s32(dot), dw * xd[r * blocks + b]);
    }
  }
  const float bias = p.bias ? p.bias[n] : 0.0f;
  for (int r = 0; r < R; ++r) p.y[(m0 + r) * p.N + n] = vaddvq_f32(acc[r]) + bias;
}

template <class Block, class Dot>
inline void quant_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n) {
    int64_t m = 0;
    for (; m + kTileRows <= p.M; m += kTileRows) column_rows<Block, Dot, kTileRows>(p, n, m);
    switch (p.M - m) {
      case 3:
        column_rows<Block, Dot, 3>(p, n, m);
        break;
      case 2:
        column_rows<Block, Dot, 2>(p, n, m);
        break;
      case 1:
        column_rows<Block, Dot, 1>(p, n, m);
        break;
    }
  }
}

// Prefill (M > kTileRows) of Q8_0 / Q4_0 with SDOT: 4 weight rows (output columns) unpacked
// once per call into a panel where each 16-byte vector holds 4 bytes of each row, so one
// lane-indexed SDOT adds 4 products to each of the 4 columns' int32 lanes. No sums across lanes,
// a block's dot is whole in one step, and each weight byte is unpacked once per call instead of
// once per 4 input rows; the input rows stream once per 4 columns instead of once per column.
constexpr int kPanelCols = 4;
constexpr int kGroups = kQuantBlock / 4;  // 4-byte groups per block

struct SdotPanel {
  AlignedBuffer<int8_t> w;  // block b, group g: bytes [b][g][column][4]
  AlignedBuffer<float> d;   // block b: the 4 columns' scales
};

// Columns [n0, n0 + cols) of W into the panel; missing columns (cols < 4) are zeros.
template <class Block>
void pack_sdot_panel(const QuantMatmulProblem& p, int64_t n0, int cols, SdotPanel& panel) {
  const int64_t blocks = p.K / kQuantBlock;
  panel.w.resize(static_cast<size_t>(blocks * kQuantBlock * kPanelCols));
  panel.d.resize(static_cast<size_t>(blocks * kPanelCols));
  const Block* w = static_cast<const Block*>(p.w) + n0 * blocks;
  for (int64_t b = 0; b < blocks; ++b) {
    int8_t* out = panel.w.data() + b * kQuantBlock * kPanelCols;
    for (int c = 0; c < kPanelCols; ++c) {
      alignas(16) int8_t q[kQuantBlock] = {};
      float d = 0.0f;
      if (c < cols) {
        int8x16_t lo, hi;
        d = unpack(w[c * blocks + b], lo, hi);
        vst1q_s8(q, lo);
        vst1q_s8(q + 16, hi);
      }
      panel.d[b * kPanelCols + c] = d;
      for (int g = 0; g < kGroups; ++g) std::memcpy(out + (g * kPanelCols + c) * 4, q + 4 * g, 4);
    }
  }
}

// A panel tile's sums (one float32x4 of 4 columns per input row) into y[m0 .. m0+R, n0 .. n0+cols).
template <int R>
inline void store_panel_rows(const QuantMatmulProblem& p, const float32x4_t (&acc)[R], int64_t m0,
                             int64_t n0, int cols) {
  for (int r = 0; r < R; ++r) {
    alignas(16) float out[kPanelCols];
    vst1q_f32(out, acc[r]);
    float* y = p.y + (m0 + r) * p.N + n0;
    for (int c = 0; c < cols; ++c) y[c] = out[c] + (p.bias ? p.bias[n0 + c] : 0.0f);
  }
}

// y[m0 .. m0+R, n0 .. n0+cols) from the packed panel.
template <int R>
__attribute__((target("arch=armv8.2-a+dotprod"))) inline void sdot_panel_tile(
    const QuantMatmulProblem& p, const SdotPanel& panel, int64_t m0, int64_t n0, int cols) {
  const int64_t blocks = p.K / kQuantBlock;
  float32x4_t acc[R];
  for (int r = 0; r < R; ++r) acc[r] = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < blocks; ++b) {
    const int8_t* wb = panel.w.data() + b * kQuantBlock * kPanelCols;
    int8x16_t w[kGroups];
    for (int g = 0; g < kGroups; ++g) w[g] = vld1q_s8(wb + 16 * g);
    const float32x4_t dw = vld1q_f32(panel.d.data() + b * kPanelCols);
    for (int r = 0; r < R; ++r) {
      const int8_t* x = p.xq + (m0 + r) * p.K + b * kQuantBlock;
      const int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
      int32x4_t dot = vdotq_laneq_s32(vdupq_n_s32(0), w[0], x0, 0);
      dot = vdotq_laneq_s32(dot, w[1], x0, 1);
      dot = vdotq_laneq_s32(dot, w[2], x0, 2);
      dot = vdotq_laneq_s32(dot, w[3], x0, 3);
      dot = vdotq_laneq_s32(dot, w[4], x1, 0);
      dot = vdotq_laneq_s32(dot, w[5], x1, 1);
      dot = vdotq_laneq_s32(dot, w[6], x1, 2);
      dot = vdotq_laneq_s32(dot, w[7], x1, 3);
      acc[r] = vfmaq_f32(acc[r], vcvtq_f32_s32(dot), vmulq_n_f32(dw, p.xd[(m0 + r) * blocks + b]));
    }
  }
  store_panel_rows<R>(p, acc, m0, n0, cols);
}

// Q8_0 / Q4_0 as a form of sdot_panel_columns.
template <class Block>
struct BlockPanelForm {
  using Panel = SdotPanel;
  static void pack(const QuantMatmulProblem& p, int64_t n0, int cols, Panel& panel) {
    pack_sdot_panel<Block>(p, n0, cols, panel);
  }
  template <int R>
  __attribute__((target("arch=armv8.2-a+dotprod"))) static void tile(const QuantMatmulProblem& p,
                                                                     const Panel& panel, int64_t m0,
                                                                     int64_t n0, int cols) {
    sdot_panel_tile<R>(p, panel, m0, n0, cols);
  }
};

// Prefill through 4-column panels: each panel packed once per call, then its tiles of up to
// kTileRows input rows. Form gives Panel, pack(p, n0, cols, panel) and tile<R>(p, panel, m0, n0,
// cols).
template <class Form>
__attribute__((target("arch=armv8.2-a+dotprod"))) inline void sdot_panel_columns(
    const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  thread_local typename Form::Panel panel;
  for (int64_t n = n0; n < n1; n += kPanelCols) {
    const int cols = static_cast<int>(std::min<int64_t>(kPanelCols, n1 - n));
    Form::pack(p, n, cols, panel);
    int64_t m = 0;
    for (; m + kTileRows <= p.M; m += kTileRows) {
      Form::template tile<kTileRows>(p, panel, m, n, cols);
    }
    switch (p.M - m) {
      case 3:
        Form::template tile<3>(p, panel, m, n, cols);
        break;
      case 2:
        Form::template tile<2>(p, panel, m, n, cols);
        break;
      case 1:
        Form::template tile<1>(p, panel, m, n, cols);
        break;
    }
  }
}

constexpr int kRuns = kSuperBlock / kQuantBlock;  // 32-element runs (activation blocks) per block

// A k-quant super-block unpacked: value = d * sc[i / 16] * w[i] - offset[i / 32], w the 256
// weights as signed bytes (decode_group's u, minus 32 for Q6_K), 16 per register; the offsets
// (Q4_K/Q5_K only, dmin * mins) multiply each run's activation sum (xsum).
struct KSuperBlock {
  int8x16_t w[kSuperBlock / 16];
  int32_t sc[kSuperBlock / 16];
  float d;
  float offset[kRuns];
  int32_t mins[kRuns];
  float dmin;
};

// Q4_K / Q5_K: run j (one sub-block) is chunk j / 2 of qs (32 bytes), low nibbles for even j,
// high for odd; Q5_K's bit 4 of run j is bit j of qh.
template <bool kFive>
struct Q4_5K {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  static constexpr bool kOffsets = true;
  static constexpr bool kScalePerRun = true;  // sc[2j] == sc[2j + 1]
  static void unpack(const Block& b, KSuperBlock& s) {
    uint64_t sc8, mn8;
    k_scales_mins(b.scales, sc8, mn8);
    s.d = f16_scale(b.d);
    s.dmin = f16_scale(b.dmin);
    for (int j = 0; j < kRuns; ++j) {
      s.sc[2 * j] = s.sc[2 * j + 1] = static_cast<int32_t>((sc8 >> 8 * j) & 0xff);
      s.mins[j] = static_cast<int32_t>((mn8 >> 8 * j) & 0xff);
      s.offset[j] = s.dmin * static_cast<float>(s.mins[j]);
    }
    const uint8x16_t low4 = vdupq_n_u8(0x0f), bit4 = vdupq_n_u8(0x10);
    for (int half = 0; half < 2; ++half) {  // elements 0-15 and 16-31 of each run
      uint8x16_t qh;
      if constexpr (kFive) qh = vld1q_u8(b.qh + 16 * half);
      for (int c = 0; c < kRuns / 2; ++c) {
        const uint8x16_t v = vld1q_u8(b.qs + 32 * c + 16 * half);
        uint8x16_t lo = vandq_u8(v, low4), hi = vshrq_n_u8(v, 4);
        if constexpr (kFive) {
          // Bit j of qh to bit 4: shift left by 4 - j (right for j > 4).
          lo = vorrq_u8(lo,
                        vandq_u8(vshlq_u8(qh, vdupq_n_s8(static_cast<int8_t>(4 - 2 * c))), bit4));
          hi = vorrq_u8(hi,
                        vandq_u8(vshlq_u8(qh, vdupq_n_s8(static_cast<int8_t>(3 - 2 * c))), bit4));
        }
        s.w[4 * c + half] = vreinterpretq_s8_u8(lo);
        s.w[4 * c + 2 + half] = vreinterpretq_s8_u8(hi);
      }
    }
  }
};

// Q6_K: per 128 elements, ql's 64 bytes (l0 = the first 32, l1 = the next) and qh's 32 give runs
// 0-3: low nibbles of l0, l1, then high nibbles, with qh bits 0-1, 2-3, 4-5, 6-7 on top; the
// value is d * sc * (u - 32), so w = u - 32 and no offsets.
struct Q6K {
  using Block = BlockQ6_K;
  static constexpr bool kOffsets = false;
  static constexpr bool kScalePerRun = false;
  static void unpack(const BlockQ6_K& b, KSuperBlock& s) {
    for (int i = 0; i < kSuperBlock / 16; ++i) s.sc[i] = b.scales[i];
    s.d = f16_scale(b.d);
    const uint8x16_t low4 = vdupq_n_u8(0x0f), low2 = vdupq_n_u8(0x03);
    const int8x16_t thirty_two = vdupq_n_s8(32);
    for (int half = 0; half < 2; ++half) {
      for (int i = 0; i < 2; ++i) {  // elements 0-15 and 16-31 of each run
        const uint8x16_t l0 = vld1q_u8(b.ql + 64 * half + 16 * i);
        const uint8x16_t l1 = vld1q_u8(b.ql + 64 * half + 32 + 16 * i);
        const uint8x16_t h = vld1q_u8(b.qh + 32 * half + 16 * i);
        const uint8x16_t u[4] = {
            vorrq_u8(vandq_u8(l0, low4), vshlq_n_u8(vandq_u8(h, low2), 4)),
            vorrq_u8(vandq_u8(l1, low4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 2), low2), 4)),
            vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 4), low2), 4)),
            vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(h, 6), 4))};
        for (int k = 0; k < 4; ++k) {
          s.w[2 * (4 * half + k) + i] = vsubq_s8(vreinterpretq_s8_u8(u[k]), thirty_two);
        }
      }
    }
  }
};

// Prefill of the k-quants with SDOT: the same 4-column panels, each super-block of each column
// unpacked once per call (F::unpack). Sub-block i (16 elements) of the 4 columns is 4 vectors of
// 4 bytes per column, so a run k (32 elements, one activation block) is 8 lane-indexed SDOTs
// into two int32 dots per column, weighted in int32 by the columns' sub-block scales (|dot| <=
// 16 * 63 * 128, times |sc| <= 128: no overflow), then one conversion and one FMA with d dx_k;
// Q4_K/Q5_K subtract offset dx_k xsum_k.
constexpr int kSubBlocks = kSuperBlock / 16;

struct KSdotPanel {
  AlignedBuffer<int8_t> w;      // [super-block][sub-block][4-byte group][column][4]
  AlignedBuffer<int32_t> sc;    // [super-block][sub-block][column]
  AlignedBuffer<float> d;       // [super-block][column]
  AlignedBuffer<float> offset;  // [super-block][run][column] (Q4_K/Q5_K)
};

template <class F>
struct KPanelForm {
  using Panel = KSdotPanel;

  // Columns [n0, n0 + cols) of W into the panel; missing columns (cols < 4) are zeros.
  static void pack(const QuantMatmulProblem& p, int64_t n0, int cols, Panel& panel) {
    const int64_t supers = p.K / kSuperBlock;
    panel.w.resize(static_cast<size_t>(supers * kSuperBlock * kPanelCols));
    panel.sc.resize(static_cast<size_t>(supers * kSubBlocks * kPanelCols));
    panel.d.resize(static_cast<size_t>(supers * kPanelCols));
    panel.offset.resize(static_cast<size_t>(supers * kRuns * kPanelCols));
    const auto* w = static_cast<const typename F::Block*>(p.w) + n0 * supers;
    KSuperBlock s;
    for (int64_t sb = 0; sb < supers; ++sb) {
      int8_t* out = panel.w.data() + sb * kSuperBlock * kPanelCols;
      for (int c = 0; c < kPanelCols; ++c) {
        if (c < cols) {
          F::unpack(w[c * supers + sb], s);
        } else {
          for (int i = 0; i < kSubBlocks; ++i) s.w[i] = vdupq_n_s8(0), s.sc[i] = 0;
          for (int k = 0; k < kRuns; ++k) s.offset[k] = 0.0f;
          s.d = 0.0f;
        }
        for (int i = 0; i < kSubBlocks; ++i) {
          const int32x4_t groups = vreinterpretq_s32_s8(s.w[i]);
          int32_t* to = reinterpret_cast<int32_t*>(out + i * 16 * kPanelCols + 4 * c);
          vst1q_lane_s32(to, groups, 0);
          vst1q_lane_s32(to + kPanelCols, groups, 1);
          vst1q_lane_s32(to + 2 * kPanelCols, groups, 2);
          vst1q_lane_s32(to + 3 * kPanelCols, groups, 3);
          panel.sc[(sb * kSubBlocks + i) * kPanelCols + c] = s.sc[i];
        }
        panel.d[sb * kPanelCols + c] = s.d;
        for (int k = 0; k < kRuns; ++k) {
          panel.offset[(sb * kRuns + k) * kPanelCols + c] = F::kOffsets ? s.offset[k] : 0.0f;
        }
      }
    }
  }

  // y[m0 .. m0+R, n0 .. n0+cols) from the packed panel.
  template <int R>
  __attribute__((target("arch=armv8.2-a+dotprod"))) static void tile(const QuantMatmulProblem& p,
                                                                     const Panel& panel, int64_t m0,
                                                                     int64_t n0, int cols) {
    const int64_t supers = p.K / kSuperBlock, blocks = p.K / kQuantBlock;
    const int32x4_t zero = vdupq_n_s32(0);
    float32x4_t acc[R];
    for (int r = 0; r < R; ++r) acc[r] = vdupq_n_f32(0.0f);
    for (int64_t sb = 0; sb < supers; ++sb) {
      const float32x4_t d = vld1q_f32(panel.d.data() + sb * kPanelCols);
      for (int k = 0; k < kRuns; ++k) {
        const int8_t* wk = panel.w.data() + (sb * kSuperBlock + 32 * k) * kPanelCols;
        int8x16_t w[8];
        for (int j = 0; j < 8; ++j) w[j] = vld1q_s8(wk + 16 * j);
        const int32_t* sc = panel.sc.data() + (sb * kSubBlocks + 2 * k) * kPanelCols;
        const int32x4_t sc_a = vld1q_s32(sc), sc_b = vld1q_s32(sc + kPanelCols);
        const float32x4_t offset = vld1q_f32(panel.offset.data() + (sb * kRuns + k) * kPanelCols);
        for (int r = 0; r < R; ++r) {
          const int64_t a = (m0 + r) * blocks + sb * kRuns + k;
          const int8_t* x = p.xq + (m0 + r) * p.K + sb * kSuperBlock + 32 * k;
          const int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
          int32x4_t dot_a = vdotq_laneq_s32(zero, w[0], x0, 0);
          dot_a = vdotq_laneq_s32(dot_a, w[1], x0, 1);
          dot_a = vdotq_laneq_s32(dot_a, w[2], x0, 2);
          dot_a = vdotq_laneq_s32(dot_a, w[3], x0, 3);
          int32x4_t dot_b = vdotq_laneq_s32(zero, w[4], x1, 0);
          dot_b = vdotq_laneq_s32(dot_b, w[5], x1, 1);
          dot_b = vdotq_laneq_s32(dot_b, w[6], x1, 2);
          dot_b = vdotq_laneq_s32(dot_b, w[7], x1, 3);
          const int32x4_t dot = vmlaq_s32(vmulq_s32(dot_a, sc_a), dot_b, sc_b);
          acc[r] = vfmaq_f32(acc[r], vcvtq_f32_s32(dot), vmulq_n_f32(d, p.xd[a]));
          if constexpr (F::kOffsets) {
            acc[r] = vmlsq_n_f32(acc[r], offset, p.xd[a] * static_cast<float>(p.xsum[a]));
          }
        }
      }
    }
    store_panel_rows<R>(p, acc, m0, n0, cols);
  }
};

// y[m0 .. m0+R) at column n for k-quant weights. Against activations with a scale dx_k per run
// (x_group 32), run k adds d dx_k (sc_2k w . x over its first 16 + sc_2k+1 w . x over its second
// 16) - offset_k dx_k xsum_k. Against one scale dx per super-block (kPerSuperBlock: decode,
// x_group 256), the sub-blocks' dots weighted by their scales add up in int32 (at most 16 * 16 *
// 63 * 128 * 127 < 2^31), as do the mins times the runs' sums, so a super-block takes one
// conversion and one FMA per term: d dx (sum_i sc_i w_i . x_i) - dmin dx (sum_j mins_j xsum_j).
template <class F, class Dot, int R, bool kPerSuperBlock>
inline void k_column_rows(const QuantMatmulProblem& p, int64_t n, int64_t m0) {
  const int64_t supers = p.K / kSuperBlock, blocks = p.K / kQuantBlock;
  const typename F::Block* w = static_cast<const typename F::Block*>(p.w) + n * supers;
  float32x4_t acc[R], correction[R];
  for (int r = 0; r < R; ++r) acc[r] = correction[r] = vdupq_n_f32(0.0f);
  KSuperBlock s;
  for (int64_t sb = 0; sb < supers; ++sb) {
    F::unpack(w[sb], s);
    for (int r = 0; r < R; ++r) {
      const int8_t* x = p.xq + (m0 + r) * p.K + sb * kSuperBlock;
      const int32_t* xsum = p.xsum + (m0 + r) * blocks + sb * kRuns;
      if constexpr (kPerSuperBlock) {
        const float dx = p.xd[(m0 + r) * supers + sb];
        int32x4_t dot = vdupq_n_s32(0);
        if constexpr (F::kScalePerRun) {
          for (int k = 0; k < kRuns; ++k) {
            const int32x4_t run = Dot::dot(s.w[2 * k], s.w[2 * k + 1], vld1q_s8(x + 32 * k),
                                           vld1q_s8(x + 32 * k + 16));
            dot = vmlaq_n_s32(dot, run, s.sc[2 * k]);
          }
        } else {
          for (int i = 0; i < kSuperBlock / 16; ++i) {
            dot = vmlaq_n_s32(dot, Dot::dot16(s.w[i], vld1q_s8(x + 16 * i)), s.sc[i]);
          }
        }
        acc[r] = vmlaq_n_f32(acc[r], vcvtq_f32_s32(dot), s.d * dx);
        if constexpr (F::kOffsets) {
          const int32x4_t mins = vmlaq_s32(vmulq_s32(vld1q_s32(s.mins), vld1q_s32(xsum)),
                                           vld1q_s32(s.mins + 4), vld1q_s32(xsum + 4));
          correction[r] = vmlaq_n_f32(correction[r], vcvtq_f32_s32(mins), s.dmin * dx);
        }
      } else {
        const float* xd = p.xd + (m0 + r) * blocks + sb * kRuns;
        for (int k = 0; k < kRuns; ++k) {
          int32x4_t dot = vmulq_n_s32(Dot::dot16(s.w[2 * k], vld1q_s8(x + 32 * k)), s.sc[2 * k]);
          dot = vmlaq_n_s32(dot, Dot::dot16(s.w[2 * k + 1], vld1q_s8(x + 32 * k + 16)),
                            s.sc[2 * k + 1]);
          acc[r] = vmlaq_n_f32(acc[r], vcvtq_f32_s32(dot), s.d * xd[k]);
        }
        if constexpr (F::kOffsets) {
          for (int h = 0; h < kRuns; h += 4) {
            const float32x4_t dx_sum =
                vmulq_f32(vld1q_f32(xd + h), vcvtq_f32_s32(vld1q_s32(xsum + h)));
            correction[r] = vmlaq_f32(correction[r], vld1q_f32(s.offset + h), dx_sum);
          }
        }
      }
    }
  }
  const float bias = p.bias ? p.bias[n] : 0.0f;
  for (int r = 0; r < R; ++r) {
    p.y[(m0 + r) * p.N + n] = vaddvq_f32(acc[r]) - vaddvq_f32(correction[r]) + bias;
  }
}

// Calls rows(std::integral_constant<int, R>{}, m0) over the input rows, kTileRows at a time.
template <typename Rows>
inline void for_row_tiles(int64_t M, Rows&& rows) {
  int64_t m = 0;
  for (; m + kTileRows <= M; m += kTileRows) rows(std::integral_constant<int, kTileRows>{}, m);
  switch (M - m) {
    case 3:
      return rows(std::integral_constant<int, 3>{}, m);
    case 2:
      return rows(std::integral_constant<int, 2>{}, m);
    case 1:
      return rows(std::integral_constant<int, 1>{}, m);
  }
}

template <class F, class Dot>
inline void k_quant_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if constexpr (std::is_same_v<Dot, SdotDot>)
    if (p.M > kTileRows) return sdot_panel_columns<KPanelForm<F>>(p, n0, n1);
  for (int64_t n = n0; n < n1; ++n) {
    if (p.x_group == kSuperBlock) {
      for_row_tiles(p.M,
                    [&](auto rows, int64_t m) { k_column_rows<F, Dot, rows(), true>(p, n, m); });
    } else {
      for_row_tiles(p.M,
                    [&](auto rows, int64_t m) { k_column_rows<F, Dot, rows(), false>(p, n, m); });
    }
  }
}

template <class Dot>
inline void columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  switch (p.w_dtype) {
    case DType::Q4_K:
      return k_quant_columns<Q4_5K<false>, Dot>(p, n0, n1);
    case DType::Q5_K:
      return k_quant_columns<Q4_5K<true>, Dot>(p, n0, n1);
    case DType::Q6_K:
      return k_quant_columns<Q6K, Dot>(p, n0, n1);
    case DType::Q4_0:
      if constexpr (std::is_same_v<Dot, SdotDot>)
        if (p.M > kTileRows) return sdot_panel_columns<BlockPanelForm<BlockQ4_0>>(p, n0, n1);
      return quant_columns<BlockQ4_0, Dot>(p, n0, n1);
    default:
      if constexpr (std::is_same_v<Dot, SdotDot>)
        if (p.M > kTileRows) return sdot_panel_columns<BlockPanelForm<BlockQ8_0>>(p, n0, n1);
      return quant_columns<BlockQ8_0, Dot>(p, n0, n1);
  }
}

// Each form is one function with everything inlined (flatten), so the SDOT instructions stay
// inside the function compiled for +dotprod.
__attribute__((flatten)) void columns_widening(const QuantMatmulProblem& p, int64_t n0,
                                               int64_t n1) {
  columns<WideningDot>(p, n0, n1);
}

__attribute__((target("arch=armv8.2-a+dotprod"), flatten)) void columns_sdot(
    const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  columns<SdotDot>(p, n0, n1);
}

}  // namespace

bool matmul_neon_uses_dotprod() {
  return cpu_features().dotprod;
}

void matmul_quant_columns_neon(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  static const auto columns = matmul_neon_uses_dotprod() ? columns_sdot : columns_widening;
  columns(p, n0, n1);
}

}  // namespace lowspec
