#include "models/decoder_weights.h"

#include "core/error.h"
#include "core/mapped_file.h"
#include "models/weight_loading.h"

namespace lowspec {
namespace {

std::vector<float> plus_one(std::vector<float> w) {
  for (float& x : w) x = 1.0f + x;
  return w;
}

// Binds every tensor under its HF name; `gains_hold_one`: Gemma's RMSNorm gains are stored as
// 1 + w already.
template <typename Weights>
DecoderWeights load_decoder(const ModelConfig& c, const Weights& w, bool gains_hold_one) {
  check(is_decoder(c.family), c.path, cat("model_type \"", c.model_type, "\" is not a decoder"));
  const int64_t V = c.vocab_size, H = c.hidden_size, I = c.intermediate_size;
  const int64_t q_dim = c.num_heads * c.head_dim, kv_dim = c.num_kv_heads * c.head_dim;
  const bool phi = c.family == Family::Phi, gemma = c.family == Family::Gemma;
  // Gemma's RMSNorm multiplies by (1 + w), computed in float32 as transformers does.
  auto rms_gain = [&](const std::string& name) {
    return gemma && !gains_hold_one ? plus_one(load_vector(w, name, H)) : load_vector(w, name, H);
  };

  DecoderWeights d;
  d.embed = load_matrix(w, "model.embed_tokens.weight", V, H);
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = cat("model.layers.", i, ".");
    DecoderLayerWeights l;
    l.q = load_matrix(w, p + "self_attn.q_proj.weight", q_dim, H);
    l.k = load_matrix(w, p + "self_attn.k_proj.weight", kv_dim, H);
    l.v = load_matrix(w, p + "self_attn.v_proj.weight", kv_dim, H);
    if (c.attention_bias) {
      l.q_bias = load_vector(w, p + "self_attn.q_proj.bias", q_dim);
      l.k_bias = load_vector(w, p + "self_attn.k_proj.bias", kv_dim);
      l.v_bias = load_vector(w, p + "self_attn.v_proj.bias", kv_dim);
    }
    if (phi) {
      l.attn_norm_w = load_vector(w, p + "input_layernorm.weight", H);
      l.attn_norm_b = load_vector(w, p + "input_layernorm.bias", H);
      l.o = load_matrix(w, p + "self_attn.dense.weight", H, q_dim);
      l.o_bias = load_vector(w, p + "self_attn.dense.bias", H);
      l.up = load_matrix(w, p + "mlp.fc1.weight", I, H);
      l.up_bias = load_vector(w, p + "mlp.fc1.bias", I);
      l.down = load_matrix(w, p + "mlp.fc2.weight", H, I);
      l.down_bias = load_vector(w, p + "mlp.fc2.bias", H);
    } else {
      l.attn_norm_w = rms_gain(p + "input_layernorm.weight");
      l.mlp_norm_w = rms_gain(p + "post_attention_layernorm.weight");
      l.o = load_matrix(w, p + "self_attn.o_proj.weight", H, q_dim);
      if (c.attention_bias) l.o_bias = load_vector(w, p + "self_attn.o_proj.bias", H);
      l.gate = load_matrix(w, p + "mlp.gate_proj.weight", I, H);
      l.up = load_matrix(w, p + "mlp.up_proj.weight", I, H);
      l.down = load_matrix(w, p + "mlp.down_proj.weight", H, I);
    }
    d.layers.push_back(std::move(l));
  }
  if (phi) {
    d.final_norm_w = load_vector(w, "model.final_layernorm.weight", H);
    d.final_norm_b = load_vector(w, "model.final_layernorm.bias", H);
    d.lm_head_bias = load_vector(w, "lm_head.bias", V);
  } else {
    d.final_norm_w = rms_gain("model.norm.weight");
  }
  // Tied heads are stored once (save_pretrained drops lm_head.weight), but some files keep a copy.
  if (c.tie_word_embeddings && w.find("lm_head.weight") == nullptr)
    d.lm_head = d.embed;
  else
    d.lm_head = load_matrix(w, "lm_head.weight", V, H);
  return d;
}

}  // namespace

DecoderWeights load_decoder_weights(const ModelConfig& c, const HfWeights& w) {
  return load_decoder(c, w, false);
}

DecoderWeights load_decoder_weights(const ModelConfig& c, const GgufHfTensors& w) {
  DecoderWeights d = load_decoder(c, w, true);
  d.rope_pairs_interleaved = c.family == Family::Llama;
  return d;
}

void quantize_decoder_matrices(DecoderWeights& d, DType to, QuantizedWeights& store,
                               ThreadPool& pool) {
  // The matrices are views into the read-only weight mapping: once converted, their file pages
  // leave the resident set, so peak memory is the quantized model plus one tensor, not both.
  auto quantize = [&](TensorView& t) {
    if (t.data == nullptr) return;
    const TensorView original = t;
    t = store.quantize(t, to, pool);
    if (t.data != original.data) drop_mapped_pages(original.data, original.nbytes);
  };
  for (DecoderLayerWeights& l : d.layers) {
    for (TensorView* t : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) quantize(*t);
  }
  const bool tied = d.lm_head.data == d.embed.data;
  quantize(d.lm_head);
  if (tied) d.embed = d.lm_head;
}

uint64_t decode_matrix_bytes(const DecoderWeights& d) {
  uint64_t total = d.lm_head.nbytes;
  for (const DecoderLayerWeights& l : d.layers) {
    for (const TensorView* t : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) total += t->nbytes;
  }
  return total;
}

}  // namespace lowspec
