// Looking up a model's tensors by HF name with the shape the config implies: matrices stay
// views into the mapped file (in a dtype matmul reads), small vectors are widened to float32.
// `Weights` is HfWeights or GgufHfTensors (require(name, shape) and file_of(name)).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "formats/hf_weights.h"

namespace lowspec {

// `t` if matmul reads its dtype (an Error names the file and tensor otherwise).
TensorView checked_matrix(const TensorView& t, const std::string& file, const std::string& name);
// A 1-D tensor widened to float32 (an Error unless it is F32, F16 or BF16).
std::vector<float> widened_vector(const TensorView& t, const std::string& file,
                                  const std::string& name);

// A weight matrix [rows, cols] in a dtype matmul reads.
template <typename Weights>
TensorView load_matrix(const Weights& w, const std::string& name, int64_t rows, int64_t cols) {
  return checked_matrix(w.require(name, {rows, cols}), w.file_of(name), name);
}
// A 1-D tensor [n] (norm gain, bias) widened to float32.
template <typename Weights>
std::vector<float> load_vector(const Weights& w, const std::string& name, int64_t n) {
  return widened_vector(w.require(name, {n}), w.file_of(name), name);
}

}  // namespace lowspec
