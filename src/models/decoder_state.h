// What a decoder needs to run one batch of sequences: the KV cache, preallocated in float32 for
// max_context slots per row, and the scratch for one step of up to max_step_tokens new tokens per
// row. Everything is allocated here, once; the token loop allocates nothing.
#pragma once
#include <cstdint>

#include "core/aligned_buffer.h"
#include "formats/model_config.h"
#include "kernels/attention.h"

namespace lowspec {

struct DecoderState {
  DecoderState(const ModelConfig& c, int64_t batch, int64_t max_context, int64_t max_step_tokens,
               int threads);

  // Forgets the cached sequence (the buffers stay).
  void reset() { length = 0; }
  // One kv head's cache of one row: keys blocked as kernels/attention.h lays them out, values
  // [max_context, head_dim].
  float* keys(int64_t layer, int64_t row, int64_t kv_head) {
    return k_cache.data() + index(layer, row, kv_head) * key_cache_floats(max_context, head_dim);
  }
  float* values(int64_t layer, int64_t row, int64_t kv_head) {
    return v_cache.data() + index(layer, row, kv_head) * max_context * head_dim;
  }
  // Final-norm output of the last step, [batch * tokens, H] (what the lm_head sees).
  const float* hidden() const { return xn.data(); }
  // Bytes held by the cache and the scratch.
  uint64_t bytes() const;

  int64_t batch, max_context, max_step_tokens, threads;
  int64_t length = 0;  // cache slots filled, the same in every row (left padding keeps rows aligned)

  int64_t layers, kv_heads, head_dim;
  AlignedBuffer<float> k_cache;  // [layers, batch, kv_heads] x blocked keys
  AlignedBuffer<float> v_cache;  // [layers, batch, kv_heads, max_context, head_dim]

  // One step, M = batch * tokens rows.
  AlignedBuffer<float> x, xn, proj, mlp_out;  // [M, H]: residual stream, normed, attention out, Phi MLP out
  AlignedBuffer<float> q, att;                // [M, heads * hd]
  AlignedBuffer<float> k, v;                  // [M, kv_heads * hd]
  AlignedBuffer<float> gate, up;              // [M, I]
  AlignedBuffer<float> rope_cos, rope_sin;    // [M, rotary_dims / 2]
  AlignedBuffer<float> inv_freq;              // [rotary_dims / 2]
  AlignedBuffer<float> scores;                // [threads, max_context rounded up to kKeyBlock]
  int64_t scores_stride() const { return (max_context + kKeyBlock - 1) / kKeyBlock * kKeyBlock; }

 private:
  int64_t index(int64_t layer, int64_t row, int64_t kv_head) const {
    return (layer * batch + row) * kv_heads + kv_head;
  }
};

}  // namespace lowspec
