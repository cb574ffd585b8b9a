#include "models/weight_loading.h"

#include "core/error.h"
#include "kernels/matmul.h"

namespace lowspec {

TensorView load_matrix(const HfWeights& w, const std::string& name, int64_t rows, int64_t cols) {
  TensorView t = w.require(name, {rows, cols});
  const bool supported = t.dtype == DType::F32 || t.dtype == DType::F16 ||
                         t.dtype == DType::BF16 || dtype_is_quantized(t.dtype);
  check(supported, w.file_of(name),
        cat("tensor \"", name, "\" has dtype ", dtype_name(t.dtype), "; expected F32, F16 or BF16"));
  return t;
}

std::vector<float> load_vector(const HfWeights& w, const std::string& name, int64_t n) {
  TensorView t = w.require(name, {n});
  check(t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16, w.file_of(name),
        cat("tensor \"", name, "\" has dtype ", dtype_name(t.dtype), "; expected F32, F16 or BF16"));
  std::vector<float> out(static_cast<size_t>(n));
  dequantize_row(t, 0, out.data());
  return out;
}

}  // namespace lowspec
