#include "formats/gguf_arch.h"

#include "core/error.h"

namespace lowspec {
namespace {

constexpr double kDefaultRopeBase = 10000.0;

std::string key(const char* arch, const char* name) {
  return cat(arch, ".", name);
}

Family family_of_arch(const std::string& arch, const std::string& file) {
  if (arch == "llama") return Family::Llama;
  if (arch == "phi2") return Family::Phi;
  if (arch == "gemma") return Family::Gemma;
  throw Error(file,
              cat("general.architecture \"", arch, "\" is not supported (llama, phi2, gemma)"));
}

}  // namespace

const char* gguf_arch_name(Family f) {
  switch (f) {
    case Family::Llama:
      return "llama";
    case Family::Phi:
      return "phi2";
    case Family::Gemma:
      return "gemma";
    default:
      break;
  }
  throw Error(cat("model_type \"", family_name(f),
                  "\" cannot be written as GGUF (llama, phi and gemma can)"));
}

void add_gguf_arch_metadata(GgufWriter& w, const ModelConfig& c) {
  const char* arch = gguf_arch_name(c.family);
  check(c.rope_scaling_type.empty() || c.rope_scaling_type == "linear", c.path,
        cat("rope_scaling type \"", c.rope_scaling_type, "\" has no GGUF equivalent"));
  w.add_string("general.architecture", arch);
  w.add_u32(key(arch, "vocab_size"), static_cast<uint32_t>(c.vocab_size));
  w.add_u32(key(arch, "context_length"), static_cast<uint32_t>(c.max_position_embeddings));
  w.add_u32(key(arch, "embedding_length"), static_cast<uint32_t>(c.hidden_size));
  w.add_u32(key(arch, "block_count"), static_cast<uint32_t>(c.num_layers));
  w.add_u32(key(arch, "feed_forward_length"), static_cast<uint32_t>(c.intermediate_size));
  w.add_u32(key(arch, "attention.head_count"), static_cast<uint32_t>(c.num_heads));
  w.add_u32(key(arch, "attention.head_count_kv"), static_cast<uint32_t>(c.num_kv_heads));
  const float eps = static_cast<float>(c.norm_eps);
  if (c.family == Family::Phi) {
    w.add_f32(key(arch, "attention.layer_norm_epsilon"), eps);
  } else {
    w.add_f32(key(arch, "attention.layer_norm_rms_epsilon"), eps);
  }
  // Gemma's head_dim is not hidden / heads, so its converter states the key and value widths.
  if (c.family == Family::Gemma || c.head_dim * c.num_heads != c.hidden_size) {
    w.add_u32(key(arch, "attention.key_length"), static_cast<uint32_t>(c.head_dim));
    w.add_u32(key(arch, "attention.value_length"), static_cast<uint32_t>(c.head_dim));
  }
  w.add_u32(key(arch, "rope.dimension_count"), static_cast<uint32_t>(c.rotary_dims));
  w.add_f32(key(arch, "rope.freq_base"), static_cast<float>(c.rope_theta));
  if (c.rope_scaling_type == "linear") {
    w.add_string(key(arch, "rope.scaling.type"), "linear");
    w.add_f32(key(arch, "rope.scaling.factor"), static_cast<float>(c.rope_scaling_factor));
  }
}

Json hf_config_from_gguf(const GgufFile& g) {
  const std::string arch = g.get_string("general.architecture");
  const Family family = family_of_arch(arch, g.path());
  const char* a = arch.c_str();
  Json j;
  j["model_type"] = family_name(family);
  j["architectures"] = Json::array({family == Family::Llama ? "LlamaForCausalLM"
                                    : family == Family::Phi ? "PhiForCausalLM"
                                                            : "GemmaForCausalLM"});
  const GgufTensorInfo* embd = g.find_tensor("token_embd.weight");
  check(embd != nullptr && embd->shape.size() == 2, g.path(),
        "missing tensor \"token_embd.weight\" (a 2-D embedding table)");
  j["vocab_size"] = g.get_int_opt(key(a, "vocab_size")).value_or(embd->shape[0]);
  j["hidden_size"] = g.get_int(key(a, "embedding_length"));
  j["num_hidden_layers"] = g.get_int(key(a, "block_count"));
  j["intermediate_size"] = g.get_int(key(a, "feed_forward_length"));
  j["max_position_embeddings"] = g.get_int(key(a, "context_length"));
  const int64_t heads = g.get_int(key(a, "attention.head_count"));
  j["num_attention_heads"] = heads;
  j["num_key_value_heads"] = g.get_int_opt(key(a, "attention.head_count_kv")).value_or(heads);
  const auto head_dim = g.get_int_opt(key(a, "attention.key_length"));
  if (head_dim) j["head_dim"] = *head_dim;
  j["rope_theta"] = g.get_float_opt(key(a, "rope.freq_base")).value_or(kDefaultRopeBase);
  const std::string scaling = g.get_string_opt(key(a, "rope.scaling.type")).value_or("none");
  if (scaling == "linear") {
    j["rope_scaling"] = {{"type", "linear"},
                         {"factor", g.get_float(key(a, "rope.scaling.factor"))}};
  } else {
    check(scaling == "none", g.path(),
          cat(key(a, "rope.scaling.type"), " \"", scaling, "\" is not supported (none, linear)"));
  }
  j["tie_word_embeddings"] = g.find_tensor("output.weight") == nullptr;
  switch (family) {
    case Family::Phi:
      j["layer_norm_eps"] = g.get_float(key(a, "attention.layer_norm_epsilon"));
      j["hidden_act"] = "gelu_new";
      break;
    case Family::Gemma:
      j["rms_norm_eps"] = g.get_float(key(a, "attention.layer_norm_rms_epsilon"));
      j["hidden_activation"] = "gelu_pytorch_tanh";
      break;
    default:
      j["rms_norm_eps"] = g.get_float(key(a, "attention.layer_norm_rms_epsilon"));
      j["hidden_act"] = "silu";
      j["attention_bias"] = g.find_tensor("blk.0.attn_q.bias") != nullptr;
      break;
  }
  for (const auto& [gguf_key, hf_key] : {std::pair{"tokenizer.ggml.bos_token_id", "bos_token_id"},
                                         {"tokenizer.ggml.eos_token_id", "eos_token_id"},
                                         {"tokenizer.ggml.padding_token_id", "pad_token_id"}}) {
    if (auto id = g.get_int_opt(gguf_key)) j[hf_key] = *id;
  }
  return j;
}

ModelConfig model_config_from_gguf(const GgufFile& g) {
  ModelConfig c = parse_model_config(hf_config_from_gguf(g), g.path());
  const char* arch = gguf_arch_name(c.family);
  // The rotary width is stated exactly; phi's partial_rotary_factor would round-trip through a
  // float.
  c.rotary_dims = g.get_int_opt(key(arch, "rope.dimension_count")).value_or(c.head_dim);
  check(c.rotary_dims >= 2 && c.rotary_dims % 2 == 0 && c.rotary_dims <= c.head_dim, g.path(),
        cat(key(arch, "rope.dimension_count"), " = ", c.rotary_dims,
            " must be even and within the head size ", c.head_dim));
  check(c.family == Family::Phi || c.rotary_dims == c.head_dim, g.path(),
        cat(key(arch, "rope.dimension_count"), " = ", c.rotary_dims, " must equal the head size ",
            c.head_dim, " for ", arch));
  return c;
}

std::vector<GgufTensorSource> gguf_tensor_sources(const ModelConfig& c, bool lm_head_tied) {
  gguf_arch_name(c.family);  // an Error for encoders
  const int64_t V = c.vocab_size, H = c.hidden_size, I = c.intermediate_size;
  const int64_t q_dim = c.num_heads * c.head_dim, kv_dim = c.num_kv_heads * c.head_dim;
  const bool phi = c.family == Family::Phi, gemma = c.family == Family::Gemma;
  const bool llama = c.family == Family::Llama;
  std::vector<GgufTensorSource> out;
  auto add = [&](std::string gguf, std::string hf, std::vector<int64_t> shape, int64_t layer) {
    out.push_back({std::move(gguf), std::move(hf), std::move(shape), layer, 0, false});
    return &out.back();
  };
  // A weight and, when the model has them, its bias under the same stems.
  auto linear = [&](const std::string& gguf, const std::string& hf, int64_t rows, int64_t cols,
                    int64_t layer, bool bias, int64_t permuted_heads) {
    add(gguf + ".weight", hf + ".weight", {rows, cols}, layer)->permuted_heads = permuted_heads;
    if (bias) add(gguf + ".bias", hf + ".bias", {rows}, layer)->permuted_heads = permuted_heads;
  };
  auto norm = [&](const std::string& gguf, const std::string& hf, int64_t layer) {
    add(gguf + ".weight", hf + ".weight", {H}, layer)->plus_one = gemma;
    if (phi) add(gguf + ".bias", hf + ".bias", {H}, layer);
  };

  add("token_embd.weight", "model.embed_tokens.weight", {V, H}, -1);
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string b = cat("blk.", i, "."), p = cat("model.layers.", i, ".");
    const bool bias = c.attention_bias;
    norm(b + "attn_norm", p + "input_layernorm", i);
    linear(b + "attn_q", p + "self_attn.q_proj", q_dim, H, i, bias, llama ? c.num_heads : 0);
    linear(b + "attn_k", p + "self_attn.k_proj", kv_dim, H, i, bias, llama ? c.num_kv_heads : 0);
    linear(b + "attn_v", p + "self_attn.v_proj", kv_dim, H, i, bias, 0);
    if (phi) {
      linear(b + "attn_output", p + "self_attn.dense", H, q_dim, i, true, 0);
      linear(b + "ffn_up", p + "mlp.fc1", I, H, i, true, 0);
      linear(b + "ffn_down", p + "mlp.fc2", H, I, i, true, 0);
    } else {
      linear(b + "attn_output", p + "self_attn.o_proj", H, q_dim, i, bias, 0);
      norm(b + "ffn_norm", p + "post_attention_layernorm", i);
      linear(b + "ffn_gate", p + "mlp.gate_proj", I, H, i, false, 0);
      linear(b + "ffn_up", p + "mlp.up_proj", I, H, i, false, 0);
      linear(b + "ffn_down", p + "mlp.down_proj", H, I, i, false, 0);
    }
  }
  norm("output_norm", phi ? "model.final_layernorm" : "model.norm", -1);
  if (!lm_head_tied) add("output.weight", "lm_head.weight", {V, H}, -1);
  if (phi) add("output.bias", "lm_head.bias", {V}, -1);
  return out;
}

int64_t gguf_rotary_source_row(int64_t row, int64_t head_dim) {
  const int64_t head = row / head_dim, i = row % head_dim;
  return head * head_dim + (i % 2) * (head_dim / 2) + i / 2;
}

}  // namespace lowspec
