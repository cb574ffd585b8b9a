#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quantize.h"

namespace lowspec {

void dequantize_row(const TensorView& w, int64_t row, float* out) {
  if (!matmul_supports_dtype(w.dtype)) {
    throw Error(cat("weights of type ", dtype_name(w.dtype), " are not supported here"));
  }
  const int64_t K = w.shape.back();
  const size_t row_bytes = static_cast<size_t>(K / dtype_block_elems(w.dtype)) *
                           static_cast<size_t>(dtype_info(w.dtype).block_bytes);
  dequantize_row(w.dtype, w.as<uint8_t>() + static_cast<size_t>(row) * row_bytes, out, K);
}

namespace {

// Weight block b of row n as int8 values and its scale.
float weight_block(const TensorView& w, int64_t n, int64_t b, int8_t* q) {
  const int64_t blocks = w.shape.back() / kQuantBlock;
  if (w.dtype == DType::Q8_0) return unpack_block(w.as<BlockQ8_0>()[n * blocks + b], q);
  return unpack_block(w.as<BlockQ4_0>()[n * blocks + b], q);
}

// The quantized fast paths' math: inputs quantized per 32 like the activations in matmul(),
// an exact integer dot per block, scaled by d_w * d_x in float.
void matmul_reference_quantized(const float* x, int64_t M, int64_t K, const TensorView& w,
                                const float* bias, float* y) {
  const int64_t N = w.shape.front(), blocks = K / kQuantBlock;
  std::vector<int8_t> xq(static_cast<size_t>(M * K));
  std::vector<float> xd(static_cast<size_t>(M * blocks));
  for (int64_t m = 0; m < M; ++m) quantize_activations(x + m * K, K, &xq[m * K], &xd[m * blocks]);
  int8_t q[kQuantBlock];
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t m = 0; m < M; ++m) {
      double acc = 0;
      for (int64_t b = 0; b < blocks; ++b) {
        const float dw = weight_block(w, n, b, q);
        int32_t dot = 0;
        for (int j = 0; j < kQuantBlock; ++j) dot += q[j] * xq[m * K + b * kQuantBlock + j];
        acc += static_cast<double>(dw * xd[m * blocks + b]) * dot;
      }
      y[m * N + n] = static_cast<float>(acc + (bias ? bias[n] : 0.0f));
    }
  }
}

// x [M, K] as the quantized matmul sees it: int8 per 32 times its scale, back in float.
std::vector<float> quantized_activations(const float* x, int64_t M, int64_t K) {
  std::vector<int8_t> q(static_cast<size_t>(K));
  std::vector<float> scales(static_cast<size_t>(K / kQuantBlock));
  std::vector<float> out(static_cast<size_t>(M * K));
  for (int64_t m = 0; m < M; ++m) {
    quantize_activations(x + m * K, K, q.data(), scales.data());
    for (int64_t k = 0; k < K; ++k) out[m * K + k] = q[k] * scales[k / kQuantBlock];
  }
  return out;
}

}  // namespace

void matmul_reference(const float* x, int64_t M, int64_t K, const TensorView& w, const float* bias,
                      float* y) {
  if (w.dtype == DType::Q8_0 || w.dtype == DType::Q4_0) {
    if (K % kQuantBlock != 0) throw Error(cat("matmul: K = ", K, " is not a multiple of 32"));
    return matmul_reference_quantized(x, M, K, w, bias, y);
  }
  std::vector<float> rounded;
  if (dtype_is_quantized(w.dtype)) {
    // k-quants: the inputs rounded as matmul() quantizes them, then float math on both.
    if (K % kSuperBlock != 0) {
      throw Error(cat("matmul: K = ", K, " is not a multiple of ", kSuperBlock));
    }
    rounded = quantized_activations(x, M, K);
    x = rounded.data();
  }
  const int64_t N = w.shape.front();
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    dequantize_row(w, n, row.data());
    for (int64_t m = 0; m < M; ++m) {
      const float* xm = x + m * K;
      double acc = 0;  // double: the reference is the yardstick for round-off
      for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(xm[k]) * row[k];
      y[m * N + n] = static_cast<float>(acc + (bias ? bias[n] : 0.0f));
    }
  }
}

}  // namespace lowspec
