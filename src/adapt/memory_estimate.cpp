#include "adapt/memory_estimate.h"

#include <algorithm>

#include "core/error.h"
#include "formats/synth_layout.h"

namespace lowspec {

namespace {

constexpr uint64_t kF32 = 4;
// Code, thread stacks, allocator slack: measured RSS of lowspec before a model is loaded is well
// below this.
constexpr uint64_t kRuntimeOverheadBytes = 32ull << 20;
// Tokenizer tables per vocabulary entry (token text, id maps, scores).
constexpr uint64_t kTokenizerBytesPerToken = 48;

bool is_weight_format(DType t) {
  switch (t) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q8_0:
    case DType::Q4_0:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K: return true;
    default: return false;
  }
}

uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }

}  // namespace

uint64_t weight_bytes(const ModelConfig& c, DType weights) {
  uint64_t total = 0;
  for (const TensorSpec& t : model_tensor_layout(c)) {
    const bool whole_rows = t.shape.size() == 2 && dtype_bytes(weights, u(t.shape[1])).has_value();
    total += whole_rows ? *dtype_bytes(weights, u(t.numel())) : u(t.numel()) * kF32;
  }
  return total;
}

MemoryEstimate estimate_memory(const ModelConfig& c, const MemoryRequest& r) {
  check(is_weight_format(r.weights), "", cat("weights in ", dtype_name(r.weights), " cannot be run"));
  check(r.kv_cache == DType::F32 || r.kv_cache == DType::F16 || r.kv_cache == DType::BF16 ||
            r.kv_cache == DType::Q8_0,
        "", cat("a KV cache in ", dtype_name(r.kv_cache), " is not supported"));
  MemoryEstimate e;
  e.context = r.context > 0 ? r.context : c.max_position_embeddings;
  e.batch = r.batch;
  check(r.context >= 0 && e.batch >= 1 && e.batch <= (1 << 20) && e.context <= (int64_t{1} << 24), "",
        cat("context ", r.context, " and batch ", r.batch, " must be positive"));
  check(is_decoder(c.family) || e.context <= c.max_position_embeddings, "",
        cat("context ", e.context, " exceeds the model's ", c.max_position_embeddings,
            " learned positions"));

  const uint64_t H = u(c.hidden_size), I = u(c.intermediate_size), V = u(c.vocab_size);
  const uint64_t q = u(c.num_heads * c.head_dim), kv = u(c.num_kv_heads * c.head_dim);
  const uint64_t ctx = u(e.context), batch = u(e.batch);

  e.weights_bytes = weight_bytes(c, r.weights);
  if (is_decoder(c.family)) e.kv_cache_bytes = *dtype_bytes(r.kv_cache, 2 * u(c.num_layers) * kv * ctx * batch);

  // Tokens whose activations are alive at once.
  const uint64_t chunk = is_decoder(c.family) && r.prefill_chunk > 0 ? std::min(ctx, u(r.prefill_chunk)) : ctx;
  const uint64_t tokens = batch * chunk;
  const bool gated = c.family == Family::Llama || c.family == Family::Gemma;
  uint64_t activations = 4 * tokens * H                     // residual, normed input, attention and FFN outputs
                         + tokens * (q + 2 * kv)            // queries, keys, values
                         + tokens * I * (gated ? 2 : 1)     // FFN intermediate (gate and up)
                         + tokens * u(c.num_heads) * ctx;   // attention scores of one layer
  uint64_t logits = 0;
  if (is_decoder(c.family)) logits = batch * V;  // the last position of each sequence
  else if (c.head == Head::MaskedLM) logits = tokens * V;
  else if (c.head == Head::QuestionAnswering) logits = tokens * 2;
  e.working_bytes = (activations + logits) * kF32 + kRuntimeOverheadBytes + V * kTokenizerBytesPerToken;
  return e;
}

}  // namespace lowspec
