// Portable body for Q8_0/Q4_0 weights against quantized activations: each weight block is
// unpacked to int8 once and dotted with every input row. The SIMD bodies are checked against it.
#include <cstdint>

#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"

namespace lowspec {

namespace {

template <class Block>
void quant_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  const int64_t blocks = p.K / kQuantBlock;
  const Block* w = static_cast<const Block*>(p.w);
  constexpr int kMaxRows = 16;  // input rows accumulated together per weight row
  float acc[kMaxRows];
  int8_t q[kQuantBlock];
  for (int64_t n = n0; n < n1; ++n) {
    for (int64_t m0 = 0; m0 < p.M; m0 += kMaxRows) {
      const int rows = static_cast<int>(p.M - m0 < kMaxRows ? p.M - m0 : kMaxRows);
      for (int r = 0; r < rows; ++r) acc[r] = 0.0f;
      for (int64_t b = 0; b < blocks; ++b) {
        const float dw = unpack_block(w[n * blocks + b], q);
        for (int r = 0; r < rows; ++r) {
          const int8_t* x = p.xq + (m0 + r) * p.K + b * kQuantBlock;
          int32_t dot = 0;
          for (int j = 0; j < kQuantBlock; ++j) dot += q[j] * x[j];
          acc[r] += dw * p.xd[(m0 + r) * blocks + b] * static_cast<float>(dot);
        }
      }
      for (int r = 0; r < rows; ++r) {
        p.y[(m0 + r) * p.N + n] = acc[r] + (p.bias ? p.bias[n] : 0.0f);
      }
    }
  }
}

}  // namespace

void matmul_quant_columns_scalar(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (p.w_dtype == DType::Q4_0) return quant_columns<BlockQ4_0>(p, n0, n1);
  quant_columns<BlockQ8_0>(p, n0, n1);
}

}  // namespace lowspec
