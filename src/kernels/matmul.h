// Matrix products with weights in their storage format (nn.Linear layout, W[N, K] row-major):
//   y[M, N] = x[M, K] · W^T (+ bias[N])
// M = 1 is the decode case (matrix-vector, memory-bound); M > 1 is prefill and encoders
// (matrix-matrix, compute-bound). The weight dtype (F32, F16, BF16, later Q8_0/Q4_0/...) is
// dispatched once per call; the ISA body is chosen once per process from cpu_features().
#pragma once
#include <cstdint>
#include <initializer_list>

#include "core/tensor.h"
#include "core/thread_pool.h"

namespace lowspec {

// Work split over the pool by output columns (rows of W). x, y and bias are F32, densely packed
// (row stride K for x, N for y). bias may be nullptr. y must not alias x.
void matmul(const float* x, int64_t M, int64_t K, const TensorView& w, const float* bias, float* y,
            ThreadPool& pool);

// One product of matmul_shared_input: y = x · w^T (+ bias), y dense [M, w.shape[0]].
struct MatmulOutput {
  const TensorView* w;
  const float* bias;  // may be nullptr
  float* y;
};

// matmul() of one input by several weights (q/k/v, gate/up), with the same results. A decode step
// (M <= 4) quantizes the input once and splits all the outputs' columns over the pool in one
// dispatch: one wait for the threads instead of one per weight.
void matmul_shared_input(const float* x, int64_t M, int64_t K,
                         std::initializer_list<MatmulOutput> outputs, ThreadPool& pool);

// Plain reference twin of matmul (one thread, no SIMD) that the fast paths are tested against.
void matmul_reference(const float* x, int64_t M, int64_t K, const TensorView& w, const float* bias,
                      float* y);

// Row r of a weight matrix (any supported dtype) widened to float: used for embedding look-ups.
void dequantize_row(const TensorView& w, int64_t row, float* out);

}  // namespace lowspec
