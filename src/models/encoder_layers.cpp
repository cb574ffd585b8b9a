#include "models/encoder_layers.h"

#include "core/error.h"
#include "core/mapped_file.h"
#include "kernels/activations.h"
#include "kernels/matmul.h"
#include "kernels/norms.h"

namespace lowspec {

Linear load_linear(const HfWeights& w, const std::string& prefix, int64_t out, int64_t in,
                   const LinearQuantizer* quant) {
  Linear l{load_matrix(w, prefix + ".weight", out, in), load_vector(w, prefix + ".bias", out)};
  if (quant != nullptr) {
    const TensorView mapped = l.weight;
    l.weight = quant->store.quantize(mapped, quant->to, quant->pool);
    if (l.weight.data != mapped.data) drop_mapped_pages(mapped.data, mapped.nbytes);
  }
  return l;
}

Norm load_norm(const HfWeights& w, const std::string& prefix, int64_t n, double eps, bool no_norm) {
  return {load_vector(w, prefix + ".weight", n), load_vector(w, prefix + ".bias", n),
          static_cast<float>(eps), no_norm};
}

void apply_linear(const Linear& l, const float* x, int64_t rows, float* y, ThreadPool& pool) {
  matmul(x, rows, l.in(), l.weight, l.bias.data(), y, pool);
}

void add_and_norm(float* x, const float* residual, const Norm& norm, int64_t rows,
                  ThreadPool& pool) {
  const int64_t n = static_cast<int64_t>(norm.weight.size());
  const float* w = norm.weight.data();
  const float* b = norm.bias.data();
  pool.parallel_for(rows, 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = x + r * n;
      if (residual != nullptr) {
        const float* res = residual + r * n;
        for (int64_t i = 0; i < n; ++i) row[i] += res[i];
      }
      if (norm.no_norm) {
        for (int64_t i = 0; i < n; ++i) row[i] = row[i] * w[i] + b[i];
      } else {
        layer_norm(row, w, b, norm.eps, n, row);
      }
    }
  });
}

void activate(Activation act, float* x, int64_t n, ThreadPool& pool) {
  pool.parallel_for(n, 4096, [&](int64_t i0, int64_t i1) {
    float* p = x + i0;
    const int64_t len = i1 - i0;
    switch (act) {
      case Activation::Gelu:
        gelu_erf(p, len);
        break;
      case Activation::GeluTanh:
        gelu_tanh(p, len);
        break;
      case Activation::Silu:
        silu(p, len);
        break;
      case Activation::Relu:
        relu(p, len);
        break;
    }
  });
}

}  // namespace lowspec
