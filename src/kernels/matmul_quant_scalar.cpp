// Portable body for block-quantized weights against quantized activations: each weight block
// (Q8_0/Q4_0) or group (k-quants) is unpacked once and dotted with every input row. The SIMD
// bodies are checked against it.
#include <cstdint>

#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"
#include "kernels/quant_groups.h"
#include "kernels/quantize.h"

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

// k-quants through decode_group: group g adds xd * (scale * (u . x) - offset * sum(x)) with
// exact integer sums; a group (16 for Q6_K, else 32) lies within one activation scale's span (32
// or 256 elements).
void k_quant_columns(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  const int G = group_size(p.w_dtype);
  const int64_t groups = p.K / G, act_groups = p.K / p.x_group;
  const int64_t row_bytes = p.K / kSuperBlock * dtype_info(p.w_dtype).block_bytes;
  const uint8_t* w = static_cast<const uint8_t*>(p.w);
  constexpr int kMaxRows = 16;
  float acc[kMaxRows];
  uint8_t u[kQuantBlock];
  float scale, offset;
  for (int64_t n = n0; n < n1; ++n) {
    for (int64_t m0 = 0; m0 < p.M; m0 += kMaxRows) {
      const int rows = static_cast<int>(p.M - m0 < kMaxRows ? p.M - m0 : kMaxRows);
      for (int r = 0; r < rows; ++r) acc[r] = 0.0f;
      for (int64_t g = 0; g < groups; ++g) {
        decode_group(p.w_dtype, w + n * row_bytes, g, u, scale, offset);
        const int64_t k0 = g * G;
        for (int r = 0; r < rows; ++r) {
          const int8_t* x = p.xq + (m0 + r) * p.K + k0;
          int32_t dot = 0, sum = 0;
          for (int j = 0; j < G; ++j) {
            dot += u[j] * x[j];
            sum += x[j];
          }
          acc[r] += p.xd[(m0 + r) * act_groups + k0 / p.x_group] *
                    (scale * static_cast<float>(dot) - offset * static_cast<float>(sum));
        }
      }
      for (int r = 0; r < rows; ++r) {
        p.y[(m0 + r) * p.N + n] = acc[r] + (p.bias ? p.bias[n] : 0.0f);
      }
    }
  }
}

// quantize_activations() with one scale per `group`, and each 32-block's sum of the int8 values.
void quantize_with_sums(const float* x, int64_t n, int8_t* qs, float* scales, int32_t* sums,
                        int64_t group) {
  quantize_activations(x, n, qs, scales, group);
  for (int64_t b = 0; b < n / kQuantBlock; ++b) {
    int32_t sum = 0;
    for (int j = 0; j < kQuantBlock; ++j) sum += qs[b * kQuantBlock + j];
    sums[b] = sum;
  }
}

}  // namespace

void quantize_activations_scalar(const float* x, int64_t n, int8_t* qs, float* scales,
                                 int32_t* sums) {
  quantize_with_sums(x, n, qs, scales, sums, kQuantBlock);
}

void quantize_activations_256_scalar(const float* x, int64_t n, int8_t* qs, float* scales,
                                     int32_t* sums) {
  quantize_with_sums(x, n, qs, scales, sums, kSuperBlock);
}

void matmul_quant_columns_scalar(const QuantMatmulProblem& p, int64_t n0, int64_t n1) {
  if (dtype_block_elems(p.w_dtype) == kSuperBlock) return k_quant_columns(p, n0, n1);
  if (p.w_dtype == DType::Q4_0) return quant_columns<BlockQ4_0>(p, n0, n1);
  quant_columns<BlockQ8_0>(p, n0, n1);
}

}  // namespace lowspec
