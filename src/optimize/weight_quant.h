// Weights quantized at load time (`--quant q8_0|q4_0`): copies of a model's matrices in a block
// format matmul multiplies directly, owned here (64-byte aligned), handed out as TensorViews.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "core/thread_pool.h"

namespace lowspec {

// "q8_0" / "q4_0" (any case) -> the dtype; "" or "none" -> nullopt; anything else is an Error.
std::optional<DType> parse_weight_quant(std::string_view name);

class QuantizedWeights {
 public:
  // `w` quantized to `to` (Q8_0 or Q4_0), rows split over the pool; the view stays valid as long
  // as this object (moves included). Matrices whose rows are not whole 32-element blocks cannot
  // be block-quantized and are returned unchanged.
  TensorView quantize(const TensorView& w, DType to, ThreadPool& pool);

  uint64_t bytes() const { return bytes_; }  // quantized bytes held

 private:
  std::vector<AlignedBuffer<uint8_t>> buffers_;
  uint64_t bytes_ = 0;
};

}  // namespace lowspec
