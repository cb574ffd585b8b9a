#include "optimize/weight_quant.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/error.h"
#include "kernels/quant_blocks.h"
#include "kernels/quantize.h"

namespace lowspec {

std::optional<DType> parse_weight_quant(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (lower.empty() || lower == "none") return std::nullopt;
  if (lower == "q8_0") return DType::Q8_0;
  if (lower == "q4_0") return DType::Q4_0;
  if (lower == "q4_k") return DType::Q4_K;
  if (lower == "q5_k") return DType::Q5_K;
  if (lower == "q6_k") return DType::Q6_K;
  // Mixes such as q4_k_m choose a type per tensor: that is the quantize command's business.
  throw Error(
      cat("unknown weight quantization \"", name, "\": expected q8_0, q4_0, q4_k, q5_k or q6_k"));
}

TensorView QuantizedWeights::quantize(const TensorView& w, DType to, ThreadPool& pool) {
  if (w.rank() != 2 || w.shape[1] % kQuantBlock != 0) return w;
  // Rows that are not whole 256-element super-blocks take Q8_0, as llama.cpp falls back to a
  // 32-block type for them.
  if (w.shape[1] % dtype_block_elems(to) != 0) to = DType::Q8_0;
  buffers_.emplace_back();
  const TensorView q = quantize_matrix(w, to, buffers_.back(), pool);
  bytes_ += q.nbytes;
  return q;
}

}  // namespace lowspec
