// NEON body (aarch64) for F32/F16/BF16 weights. W rows are contiguous in K, so each register tile
// holds the dot products of up to 4 input rows with 4 weight rows as 16 vector accumulators
// along K, summed across lanes at the end. Decode (M <= 4) widens weights in registers as it
// streams them; prefill widens a block of weight rows once into per-thread scratch and reuses it
// for every input row. F16 widens with FCVTL (base ARMv8), BF16 by shift, both exact.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/aligned_buffer.h"
#include "core/half.h"
#include "kernels/matmul_dispatch.h"

namespace lowspec {

namespace {

constexpr int kTileRows = 4;        // input rows per register tile
constexpr int kTileCols = 4;        // weight rows (output columns) per register tile
constexpr int64_t kBlockCols = 16;  // weight rows widened together for prefill
constexpr int64_t kMaxDecodeM = 4;

// 4 consecutive weights widened to float; `scalar` widens one (for K tails).
struct F32Weights {
  using Elem = float;
  static float32x4_t load(const float* p) { return vld1q_f32(p); }
  static float scalar(const float* p) { return *p; }
};
struct F16Weights {
  using Elem = uint16_t;
  static float32x4_t load(const uint16_t* p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
  }
  static float scalar(const uint16_t* p) { return f16_to_f32(*p); }
};
struct BF16Weights {
  using Elem = uint16_t;
  static float32x4_t load(const uint16_t* p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
  }
  static float scalar(const uint16_t* p) { return bf16_to_f32(*p); }
};

// y[m][c] = x row m · W row c (+ bias[c]) for an M x C tile; rows are K long, x rows xs apart,
// W rows ws apart, y rows ys apart.
template <class W, int M, int C>
void dot_tile(const float* x, int64_t xs, const typename W::Elem* w, int64_t ws, int64_t K,
              const float* bias, float* y, int64_t ys) {
  float32x4_t acc[M][C];
  for (int m = 0; m < M; ++m)
    for (int c = 0; c < C; ++c) acc[m][c] = vdupq_n_f32(0.0f);
  int64_t k = 0;
  for (; k + 4 <= K; k += 4) {
    float32x4_t xv[M];
    for (int m = 0; m < M; ++m) xv[m] = vld1q_f32(x + m * xs + k);
    for (int c = 0; c < C; ++c) {
      const float32x4_t wv = W::load(w + c * ws + k);
      for (int m = 0; m < M; ++m) acc[m][c] = vfmaq_f32(acc[m][c], xv[m], wv);
    }
  }
  for (int m = 0; m < M; ++m) {
    for (int c = 0; c < C; ++c) {
      float sum = vaddvq_f32(acc[m][c]);
      for (int64_t t = k; t < K; ++t) sum += x[m * xs + t] * W::scalar(w + c * ws + t);
      y[m * ys + c] = sum + (bias ? bias[c] : 0.0f);
    }
  }
}

// One tile of `rows` (1..4) input rows against C weight rows.
template <class W, int C>
void dot_tile_rows(int rows, const float* x, int64_t xs, const typename W::Elem* w, int64_t ws,
                   int64_t K, const float* bias, float* y, int64_t ys) {
  switch (rows) {
    case 1:
      return dot_tile<W, 1, C>(x, xs, w, ws, K, bias, y, ys);
    case 2:
      return dot_tile<W, 2, C>(x, xs, w, ws, K, bias, y, ys);
    case 3:
      return dot_tile<W, 3, C>(x, xs, w, ws, K, bias, y, ys);
    default:
      return dot_tile<W, 4, C>(x, xs, w, ws, K, bias, y, ys);
  }
}

// Columns [c0, c1) of y for input rows [m0, m1), weight row c at w + (c - c0) * K.
template <class W>
void dot_block(const MatmulProblem& p, int64_t m0, int64_t m1, const typename W::Elem* w,
               int64_t c0, int64_t c1) {
  const int64_t K = p.K;
  for (int64_t m = m0; m < m1; m += kTileRows) {
    const int rows = static_cast<int>(std::min<int64_t>(kTileRows, m1 - m));
    const float* x = p.x + m * K;
    float* y = p.y + m * p.N;
    int64_t c = c0;
    for (; c + kTileCols <= c1; c += kTileCols) {
      dot_tile_rows<W, kTileCols>(rows, x, K, w + (c - c0) * K, K, K, p.bias ? p.bias + c : nullptr,
                                  y + c, p.N);
    }
    for (; c < c1; ++c) {
      dot_tile_rows<W, 1>(rows, x, K, w + (c - c0) * K, K, K, p.bias ? p.bias + c : nullptr, y + c,
                          p.N);
    }
  }
}

// Weight rows [n, n + rows) widened to float in `out` (rows * K).
template <class W>
void widen_rows(const MatmulProblem& p, int64_t n, int64_t rows, float* out) {
  const auto* w = static_cast<const typename W::Elem*>(p.w) + n * p.K;
  const int64_t count = rows * p.K;
  int64_t i = 0;
  for (; i + 4 <= count; i += 4) vst1q_f32(out + i, W::load(w + i));
  for (; i < count; ++i) out[i] = W::scalar(w + i);
}

template <class W>
void columns(const MatmulProblem& p, int64_t n0, int64_t n1) {
  const auto* w = static_cast<const typename W::Elem*>(p.w);
  if (p.M <= kMaxDecodeM) {  // one pass over W, widened in registers
    dot_block<W>(p, 0, p.M, w + n0 * p.K, n0, n1);
    return;
  }
  constexpr bool kWiden = !std::is_same_v<W, F32Weights>;
  thread_local AlignedBuffer<float> widened;
  if (kWiden) widened.resize(static_cast<size_t>(kBlockCols * p.K));
  for (int64_t nb = n0; nb < n1; nb += kBlockCols) {
    const int64_t rows = std::min(kBlockCols, n1 - nb);
    const float* block;
    if constexpr (kWiden) {
      widen_rows<W>(p, nb, rows, widened.data());
      block = widened.data();
    } else {
      block = w + nb * p.K;
    }
    dot_block<F32Weights>(p, 0, p.M, block, nb, nb + rows);
  }
}

}  // namespace

void matmul_columns_neon(const MatmulProblem& p, int64_t n0, int64_t n1) {
  switch (p.w_dtype) {
    case DType::F16:
      return columns<F16Weights>(p, n0, n1);
    case DType::BF16:
      return columns<BF16Weights>(p, n0, n1);
    default:
      return columns<F32Weights>(p, n0, n1);
  }
}

}  // namespace lowspec
