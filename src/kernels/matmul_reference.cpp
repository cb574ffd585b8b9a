#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernels/matmul.h"

namespace lowspec {

void dequantize_row(const TensorView& w, int64_t row, float* out) {
  const int64_t K = w.shape.back();
  switch (w.dtype) {
    case DType::F32: {
      const float* src = w.as<float>() + row * K;
      for (int64_t k = 0; k < K; ++k) out[k] = src[k];
      return;
    }
    case DType::F16: {
      const uint16_t* src = w.as<uint16_t>() + row * K;
      for (int64_t k = 0; k < K; ++k) out[k] = f16_to_f32(src[k]);
      return;
    }
    case DType::BF16: {
      const uint16_t* src = w.as<uint16_t>() + row * K;
      for (int64_t k = 0; k < K; ++k) out[k] = bf16_to_f32(src[k]);
      return;
    }
    default:
      throw Error(cat("weights of type ", dtype_name(w.dtype), " are not supported here"));
  }
}

void matmul_reference(const float* x, int64_t M, int64_t K, const TensorView& w, const float* bias,
                      float* y) {
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
