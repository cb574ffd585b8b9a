// Weights quantized at load time (`--quant q8_0|q4_0|q4_k|q5_k|q6_k`): copies of a model's matrices
// in a block format matmul multiplies directly, owned here (64-byte aligned), handed out as
// TensorViews.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "core/thread_pool.h"

namespace lowspec {

// "q8_0", "q4_0", "q4_k", "q5_k", "q6_k" (any case) -> the dtype; "" or "none" -> nullopt;
// anything else (including mixes such as "q4_k_m") is an Error.
std::optional<DType> parse_weight_quant(std::string_view name);

class QuantizedWeights {
 public:
  // `w` quantized to `to` (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K), rows split over the pool; the view
  // stays valid as long as this object (moves included). Matrices whose rows are not whole
  // 32-element blocks cannot be block-quantized and are returned unchanged; for a k-quant
  // request, rows that are not whole 256-element super-blocks are quantized to Q8_0 instead.
  TensorView quantize(const TensorView& w, DType to, ThreadPool& pool);

  uint64_t bytes() const { return bytes_; }  // quantized bytes held

 private:
  std::vector<AlignedBuffer<uint8_t>> buffers_;
  uint64_t bytes_ = 0;
};

}  // namespace lowspec
