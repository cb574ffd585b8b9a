#include "models/decoder_state.h"

#include <algorithm>

#include "core/error.h"

namespace lowspec {

DecoderState::DecoderState(const ModelConfig& c, int64_t batch, int64_t max_context,
                           int64_t max_step_tokens, int threads)
    : batch(batch),
      max_context(max_context),
      max_step_tokens(max_step_tokens),
      threads(threads),
      layers(c.num_layers),
      kv_heads(c.num_kv_heads),
      head_dim(c.head_dim) {
  if (batch < 1 || max_context < 1 || max_step_tokens < 1 || max_step_tokens > max_context || threads < 1)
    throw InternalError(cat("DecoderState: bad sizes batch ", batch, " context ", max_context,
                            " step ", max_step_tokens, " threads ", threads));
  const auto n = [](int64_t a, int64_t b) { return static_cast<size_t>(a * b); };
  const int64_t M = batch * max_step_tokens, H = c.hidden_size;
  k_cache.resize(n(layers * batch * kv_heads, key_cache_floats(max_context, head_dim)));
  // Zeroed once: the unused lanes of a last key block are then finite numbers, never read garbage.
  std::fill(k_cache.begin(), k_cache.end(), 0.0f);
  v_cache.resize(n(layers * batch * kv_heads, max_context * head_dim));
  const bool phi = c.family == Family::Phi;  // parallel MLP output, no gate
  for (auto* b : {&x, &xn, &proj}) b->resize(n(M, H));
  mlp_out.resize(phi ? n(M, H) : 0);
  q.resize(n(M, c.num_heads * head_dim));
  att.resize(q.size());
  k.resize(n(M, kv_heads * head_dim));
  v.resize(k.size());
  gate.resize(phi ? 0 : n(M, c.intermediate_size));
  up.resize(n(M, c.intermediate_size));
  rope_cos.resize(n(M, c.rotary_dims / 2));
  rope_sin.resize(rope_cos.size());
  inv_freq.resize(static_cast<size_t>(c.rotary_dims / 2));
  scores.resize(n(threads, scores_stride()));
}

uint64_t DecoderState::bytes() const {
  size_t floats = 0;
  for (const auto* b : {&k_cache, &v_cache, &x, &xn, &proj, &mlp_out, &q, &att, &k, &v, &gate, &up,
                        &rope_cos, &rope_sin, &inv_freq, &scores})
    floats += b->size();
  return floats * sizeof(float);
}

}  // namespace lowspec
