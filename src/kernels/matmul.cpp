// Portable matmul: blocked over output columns, each column's weight row widened once and
// reused for every input row. SIMD bodies (matmul_*_avx2.cpp, ...) take over by dispatch.
#include <vector>

#include "kernels/matmul.h"

namespace lowspec {

void matmul(const float* x, int64_t M, int64_t K, const TensorView& w, const float* bias, float* y,
            ThreadPool& pool) {
  const int64_t N = w.shape.front();
  pool.parallel_for(N, 16, [&](int64_t n0, int64_t n1) {
    std::vector<float> row(static_cast<size_t>(K));
    for (int64_t n = n0; n < n1; ++n) {
      dequantize_row(w, n, row.data());
      for (int64_t m = 0; m < M; ++m) {
        const float* xm = x + m * K;
        float acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += xm[k] * row[k];
        y[m * N + n] = acc + (bias ? bias[n] : 0.0f);
      }
    }
  });
}

}  // namespace lowspec
