// Looking up a model's tensors by HF name with the shape the config implies: matrices stay
// views into the mapped file (in a dtype matmul reads), small vectors are widened to float32.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "formats/hf_weights.h"

namespace lowspec {

// A weight matrix [rows, cols] in a dtype matmul reads (an Error names the file and tensor).
TensorView load_matrix(const HfWeights& w, const std::string& name, int64_t rows, int64_t cols);
// A 1-D tensor [n] (norm gain, bias) widened to float32.
std::vector<float> load_vector(const HfWeights& w, const std::string& name, int64_t n);

}  // namespace lowspec
