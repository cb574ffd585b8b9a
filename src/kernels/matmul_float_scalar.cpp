// Portable body for F32/F16/BF16 weights: a block of weight rows is widened to float once into
// per-thread scratch and reused for every input row. Used where no SIMD path exists, and as the
// baseline the SIMD bodies are checked against.
#include <algorithm>

#include "core/aligned_buffer.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"

namespace lowspec {

namespace {
constexpr int64_t kRowsPerBlock = 16;
}  // namespace

void matmul_columns_scalar(const MatmulProblem& p, int64_t n0, int64_t n1) {
  thread_local AlignedBuffer<float> widened;
  const int64_t K = p.K;
  widened.resize(static_cast<size_t>(kRowsPerBlock * K));
  TensorView w{p.w_dtype, {p.N, K}, p.w, 0};
  for (int64_t nb = n0; nb < n1; nb += kRowsPerBlock) {
    const int64_t rows = std::min(kRowsPerBlock, n1 - nb);
    for (int64_t r = 0; r < rows; ++r) dequantize_row(w, nb + r, widened.data() + r * K);
    for (int64_t m = 0; m < p.M; ++m) {
      const float* xm = p.x + m * K;
      for (int64_t r = 0; r < rows; ++r) {
        const float* wr = widened.data() + r * K;
        float acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += xm[k] * wr[k];
        p.y[m * p.N + nb + r] = acc + (p.bias ? p.bias[nb + r] : 0.0f);
      }
    }
  }
}

}  // namespace lowspec
