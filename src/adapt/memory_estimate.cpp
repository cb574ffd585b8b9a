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

// Product of sizes; a hostile config must not wrap around to a small estimate.
template <typename... T>
uint64_t mul(uint64_t first, T... rest) {
  uint64_t r = first;
  for (uint64_t v : {static_cast<uint64_t>(rest)...})
    check(!__builtin_mul_overflow(r, v, &r), "", "the memory estimate overflows 64 bits");
  return r;
}

uint64_t add(std::initializer_list<uint64_t> terms) {
  uint64_t r = 0;
  for (uint64_t v : terms) check(!__builtin_add_overflow(r, v, &r), "", "the memory estimate overflows 64 bits");
  return r;
}

}  // namespace

uint64_t weight_bytes(const ModelConfig& c, DType weights) {
  uint64_t total = 0;
  for (const TensorSpec& t : model_tensor_layout(c)) {
    const bool whole_rows = t.shape.size() == 2 && dtype_bytes(weights, u(t.shape[1])).has_value();
    total = add({total, whole_rows ? *dtype_bytes(weights, u(t.numel())) : mul(u(t.numel()), kF32)});
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
  if (is_decoder(c.family)) {
    auto kv_bytes = dtype_bytes(r.kv_cache, mul(2, u(c.num_layers), kv, ctx, batch));
    check(kv_bytes.has_value() && kv % u(dtype_block_elems(r.kv_cache)) == 0, "",
          cat("a KV cache in ", dtype_name(r.kv_cache), " needs rows of whole blocks"));
    e.kv_cache_bytes = *kv_bytes;
  }

  // Tokens whose activations are alive at once.
  const uint64_t chunk = is_decoder(c.family) && r.prefill_chunk > 0 ? std::min(ctx, u(r.prefill_chunk)) : ctx;
  const uint64_t tokens = batch * chunk;
  const bool gated = c.family == Family::Llama || c.family == Family::Gemma;
  const uint64_t activations = add({mul(4, tokens, H),                  // residual, normed input, block outputs
                                    mul(tokens, add({q, kv, kv})),      // queries, keys, values
                                    mul(tokens, I, gated ? 2 : 1),      // FFN intermediate (gate and up)
                                    mul(tokens, u(c.num_heads), ctx)});  // attention scores of one layer
  uint64_t logits = 0;
  if (is_decoder(c.family)) logits = mul(batch, V);  // the last position of each sequence
  else if (c.head == Head::MaskedLM) logits = mul(tokens, V);
  else if (c.head == Head::QuestionAnswering) logits = mul(tokens, 2);
  e.working_bytes = add({mul(add({activations, logits}), kF32), kRuntimeOverheadBytes, mul(V, kTokenizerBytesPerToken)});
  return e;
}

}  // namespace lowspec
