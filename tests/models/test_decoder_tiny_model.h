// Writes a small random Llama-shaped checkpoint (config.json + model.safetensors, F32) into a
// folder, with config overrides, so tests can try dimensions and settings the fixtures lack.
#pragma once
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "formats/safetensors.h"

namespace lowspec::test {

struct TinyLlama {
  int64_t vocab = 96, hidden = 48, inter = 80, layers = 2, heads = 6, kv_heads = 2, max_pos = 128;
  Json extra = Json::object();         // more config.json keys (rope_scaling, ...)
  std::vector<std::string> drop;       // tensors to leave out
  std::string misshape;                // a tensor to write with one row too many
  uint32_t seed = 1;
};

inline void write_tiny_llama(const std::string& dir, const TinyLlama& m) {
  Json config = {{"architectures", {"LlamaForCausalLM"}},
                 {"model_type", "llama"},
                 {"vocab_size", m.vocab},
                 {"hidden_size", m.hidden},
                 {"intermediate_size", m.inter},
                 {"num_hidden_layers", m.layers},
                 {"num_attention_heads", m.heads},
                 {"num_key_value_heads", m.kv_heads},
                 {"max_position_embeddings", m.max_pos},
                 {"rms_norm_eps", 1e-5},
                 {"tie_word_embeddings", false}};
  config.update(m.extra);
  std::ofstream(dir + "/config.json") << config.dump(2);

  const int64_t hd = m.hidden / m.heads;
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes = {
      {"model.embed_tokens.weight", {m.vocab, m.hidden}}, {"model.norm.weight", {m.hidden}},
      {"lm_head.weight", {m.vocab, m.hidden}}};
  for (int64_t l = 0; l < m.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    shapes.push_back({p + "input_layernorm.weight", {m.hidden}});
    shapes.push_back({p + "post_attention_layernorm.weight", {m.hidden}});
    shapes.push_back({p + "self_attn.q_proj.weight", {m.heads * hd, m.hidden}});
    shapes.push_back({p + "self_attn.k_proj.weight", {m.kv_heads * hd, m.hidden}});
    shapes.push_back({p + "self_attn.v_proj.weight", {m.kv_heads * hd, m.hidden}});
    shapes.push_back({p + "self_attn.o_proj.weight", {m.hidden, m.heads * hd}});
    shapes.push_back({p + "mlp.gate_proj.weight", {m.inter, m.hidden}});
    shapes.push_back({p + "mlp.up_proj.weight", {m.inter, m.hidden}});
    shapes.push_back({p + "mlp.down_proj.weight", {m.hidden, m.inter}});
  }
  std::mt19937 rng(m.seed);
  std::normal_distribution<float> normal(0.0f, 0.2f);
  std::vector<std::vector<float>> data;
  std::vector<TensorToWrite> tensors;
  for (auto& [name, shape] : shapes) {
    if (std::find(m.drop.begin(), m.drop.end(), name) != m.drop.end()) continue;
    if (name == m.misshape) shape[0] += 1;
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    const bool gain = shape.size() == 1;
    for (float& x : v) x = gain ? 1.0f + normal(rng) : normal(rng);
    data.push_back(std::move(v));
    tensors.push_back({name, DType::F32, shape, data.back().data()});
  }
  write_safetensors(dir + "/model.safetensors", tensors);
}

}  // namespace lowspec::test
