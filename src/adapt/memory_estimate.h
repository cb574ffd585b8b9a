// How much RAM inference of a model needs, split into weights, KV cache and working memory, for
// a weight format, context length and batch. `lowspec info` prints it; the planner picks the
// format, context and batch that fit the device with it.
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "formats/model_config.h"

namespace lowspec {

struct MemoryRequest {
  DType weights = DType::F32;  // F32, F16, BF16, Q8_0 or Q4_0 (matrices; norms and biases stay F32)
  int64_t context = 0;         // tokens per sequence; 0: the model's max_position_embeddings
  int64_t batch = 1;
  DType kv_cache = DType::F32;  // element type of cached keys and values
  // Decoders run the prompt in chunks of this many tokens (activations are sized by it);
  // 0: the whole context at once. Encoders always run the whole sequence.
  int64_t prefill_chunk = 512;
};

struct MemoryEstimate {
  uint64_t weights_bytes = 0;
  uint64_t kv_cache_bytes = 0;
  uint64_t working_bytes = 0;  // activations, attention scores, logits, runtime overhead
  int64_t context = 0;         // the context the estimate is for
  int64_t batch = 0;
  uint64_t total() const { return weights_bytes + kv_cache_bytes + working_bytes; }
};

// Bytes of the weights in a format: rank-2 tensors whose rows hold whole blocks in `weights`,
// everything else in F32 (as lowspec's quantizer stores them).
uint64_t weight_bytes(const ModelConfig& c, DType weights);

// Throws Error for a context or batch below 1 or a format lowspec cannot run.
MemoryEstimate estimate_memory(const ModelConfig& c, const MemoryRequest& request);

}  // namespace lowspec
