#include "models/weight_loading.h"

#include "core/error.h"
#include "kernels/matmul.h"

namespace lowspec {

TensorView checked_matrix(const TensorView& t, const std::string& file, const std::string& name) {
  const bool supported = t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16 ||
                         dtype_is_quantized(t.dtype);
  check(
      supported, file,
      cat("tensor \"", name, "\" has dtype ", dtype_name(t.dtype), "; expected F32, F16 or BF16"));
  return t;
}

std::vector<float> widened_vector(const TensorView& t, const std::string& file,
                                  const std::string& name) {
  check(
      t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16, file,
      cat("tensor \"", name, "\" has dtype ", dtype_name(t.dtype), "; expected F32, F16 or BF16"));
  std::vector<float> out(static_cast<size_t>(t.numel()));
  dequantize_row(t, 0, out.data());
  return out;
}

}  // namespace lowspec
