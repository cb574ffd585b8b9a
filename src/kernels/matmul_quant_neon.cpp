// NEON body (aarch64) for Q8_0/Q4_0 weights against int8 activations. A weight block is unpacked
// once into two int8x16 registers and dotted with up to 4 input rows; each row keeps a float32x4
// accumulator (the integer dot's 4 lanes times the two block scales), summed across lanes at the
// end. The integer dot is SDOT where the CPU has dotprod (ARMv8.2+: Cortex-A55/A76, Apple, ...),
// widening multiplies otherwise (Raspberry Pi 3/4), chosen once per process; the SDOT form is
// compiled for armv8.2-a+dotprod in its own function, so a CPU without it never executes an SDOT.
// Other quantized formats (k-quants) take the portable body.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

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

// Sum of w[j] * x[j] over a 32-element block, spread over 4 int32 lanes. Exact for any int8s.
struct WideningDot {
  static int32x4_t dot(int8x16_t w0, int8x16_t w1, int8x16_t x0, int8x16_t x1) {
    int32x4_t acc = vpaddlq_s16(vmull_s8(vget_low_s8(w0), vget_low_s8(x0)));
    acc = vpadalq_s16(acc, vmull_high_s8(w0, x0));
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(w1), vget_low_s8(x1)));
    return vpadalq_s16(acc, vmull_high_s8(w1, x1));
  }
};
struct SdotDot {
  __attribute__((target("arch=armv8.2-a+dotprod"))) static int32x4_t dot(int8x16_t w0, int8x16_t w1,
                                                                         int8x16_t x0,
                                                                         int8x16_t x1) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, x0), w1, x1);
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

// Each form is one function with everything inlined (flatten), so the SDOT instructions stay
// inside the function compiled for +dotprod.
__attribute__((flatten)) void columns_widening(const QuantMatmulProblem& p, int64_t n0,
                                               int64_t n1) {
  if (p.w_dtype == DType::Q4_0) return quant_columns<BlockQ4_0, WideningDot>(p, n0, n1);
  quant_columns<BlockQ8_0, WideningDot>(p, n0, n1);
}

__attribute__((target("arch=armv8.2-a+dotprod"), flatten)) void columns_sdot(
    const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.w_dtype == DType::Q4_0) return quant_columns<BlockQ4_0, SdotDot>(p, n0, n1);
  quant_columns<BlockQ8_0, SdotDot>(p, n0, n1);
}

}  // namespace

bool matmul_neon_uses_dotprod() {
  return cpu_features().dotprod;
}

void matmul_quant_columns_neon(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.w_dtype != DType::Q8_0 && p.w_dtype != DType::Q4_0) {
    return matmul_quant_columns_scalar(p, n0, n1);
  }
  static const auto columns = matmul_neon_uses_dotprod() ? columns_sdot : columns_widening;
  columns(p, n0, n1);
}

}  // namespace lowspec
