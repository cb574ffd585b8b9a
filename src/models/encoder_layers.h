// The building blocks every encoder layer is made of, row-parallel over a batch of tokens:
// a Linear (nn.Linear weight [out, in] kept in its stored dtype, bias widened to float32),
// a norm (LayerNorm, or MobileBERT's NoNorm x*w + b) over residual sums, and activations.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"
#include "core/thread_pool.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "models/weight_loading.h"
#include "optimize/weight_quant.h"

namespace lowspec {

struct Linear {
  TensorView weight;        // [out, in]
  std::vector<float> bias;  // [out]
  int64_t out() const { return weight.shape[0]; }
  int64_t in() const { return weight.shape[1]; }
};

struct Norm {
  std::vector<float> weight, bias;  // [n]
  float eps = 0;
  bool no_norm = false;  // MobileBERT NoNorm: x * w + b, no statistics
};

// Quantizes the weight of every Linear loaded through it (--quant) into `store`; a converted
// matrix's file pages leave the resident set. Weights whose rows are not whole 32-element blocks
// stay as stored.
struct LinearQuantizer {
  DType to;
  QuantizedWeights& store;
  ThreadPool& pool;
};

// `prefix`.weight [out, in] and `prefix`.bias [out]; with `quant` the weight is quantized.
Linear load_linear(const HfWeights& w, const std::string& prefix, int64_t out, int64_t in,
                   const LinearQuantizer* quant = nullptr);
// `prefix`.weight [n] and `prefix`.bias [n].
Norm load_norm(const HfWeights& w, const std::string& prefix, int64_t n, double eps, bool no_norm);

// y[rows, out] = x[rows, in] · W^T + b.
void apply_linear(const Linear& l, const float* x, int64_t rows, float* y, ThreadPool& pool);
// x[rows, n] <- norm(x + residual); residual [rows, n] may be nullptr.
void add_and_norm(float* x, const float* residual, const Norm& norm, int64_t rows,
                  ThreadPool& pool);
// x[n] <- act(x), split over the pool.
void activate(Activation act, float* x, int64_t n, ThreadPool& pool);

}  // namespace lowspec
