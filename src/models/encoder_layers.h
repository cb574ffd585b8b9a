// The building blocks every encoder layer is made of, row-parallel over a batch of tokens:
// a Linear (nn.Linear weight [out, in] kept in its stored dtype, bias widened to float32),
// a norm (LayerNorm, or MobileBERT's NoNorm x*w + b) over residual sums, and activations.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"
#include "core/thread_pool.h"
#include "formats/hf_weights.h"
#include "models/weight_loading.h"
#include "formats/model_config.h"

namespace lowspec {

struct Linear {
  TensorView weight;       // [out, in]
  std::vector<float> bias;  // [out]
  int64_t out() const { return weight.shape[0]; }
  int64_t in() const { return weight.shape[1]; }
};

struct Norm {
  std::vector<float> weight, bias;  // [n]
  float eps = 0;
  bool no_norm = false;  // MobileBERT NoNorm: x * w + b, no statistics
};

// `prefix`.weight [out, in] and `prefix`.bias [out].
Linear load_linear(const HfWeights& w, const std::string& prefix, int64_t out, int64_t in);
// `prefix`.weight [n] and `prefix`.bias [n].
Norm load_norm(const HfWeights& w, const std::string& prefix, int64_t n, double eps, bool no_norm);

// y[rows, out] = x[rows, in] · W^T + b.
void apply_linear(const Linear& l, const float* x, int64_t rows, float* y, ThreadPool& pool);
// x[rows, n] <- norm(x + residual); residual [rows, n] may be nullptr.
void add_and_norm(float* x, const float* residual, const Norm& norm, int64_t rows, ThreadPool& pool);
// x[n] <- act(x), split over the pool.
void activate(Activation act, float* x, int64_t n, ThreadPool& pool);

}  // namespace lowspec
