#include "formats/model_config.h"

#include <cmath>
#include <filesystem>

#include "formats/gguf_arch.h"

namespace lowspec {

namespace fs = std::filesystem;

const char* family_name(Family f) {
  switch (f) {
    case Family::DistilBert: return "distilbert";
    case Family::MobileBert: return "mobilebert";
    case Family::Llama: return "llama";
    case Family::Phi: return "phi";
    case Family::Gemma: return "gemma";
  }
  return "?";
}

const char* supported_model_types() { return "distilbert, mobilebert, llama, phi, gemma"; }

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Gelu: return "gelu (erf)";
    case Activation::GeluTanh: return "gelu (tanh)";
    case Activation::Silu: return "silu";
    case Activation::Relu: return "relu";
  }
  return "?";
}

namespace {

Activation parse_activation(const std::string& name, const std::string& path) {
  if (name == "gelu") return Activation::Gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast" ||
      name == "gelu_python_tanh")
    return Activation::GeluTanh;
  if (name == "silu" || name == "swish") return Activation::Silu;
  if (name == "relu") return Activation::Relu;
  throw Error(path, cat("unsupported activation \"", name, "\""));
}

std::vector<int64_t> id_list(const Json& j, const char* key, const std::string& path) {
  std::vector<int64_t> ids;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ids;
  if (it->is_number_integer()) return {it->get<int64_t>()};
  check(it->is_array(), path, cat("field \"", key, "\" must be an integer or a list of integers"));
  for (const Json& v : *it) {
    check(v.is_number_integer(), path, cat("field \"", key, "\" must hold integers"));
    ids.push_back(v.get<int64_t>());
  }
  return ids;
}

// Dimensions are bounded (16M; layers and stacked FFNs far less) so that every size computed
// from them, parameter counts included, fits in int64.
void require_positive(int64_t v, const char* what, const std::string& path,
                      int64_t max = int64_t{1} << 24) {
  check(v > 0, path, cat(what, " must be a positive integer, got ", v));
  check(v <= max, path, cat(what, " = ", v, " is larger than lowspec supports (", max, ")"));
}

Head head_from_architecture(const std::string& arch) {
  auto ends = [&](const char* s) { return arch.ends_with(s); };
  if (ends("ForCausalLM")) return Head::CausalLM;
  if (ends("ForMaskedLM")) return Head::MaskedLM;
  if (ends("ForQuestionAnswering")) return Head::QuestionAnswering;
  return Head::Base;
}

void parse_decoder(const Json& j, ModelConfig& c, const std::string& p) {
  struct Defaults {
    int64_t vocab, hidden, inter, layers, heads, max_pos;
    const char* act;
    double eps;
    int64_t bos, eos, pad;
    bool tie;
  };
  Defaults d = c.family == Family::Llama ? Defaults{32000, 4096, 11008, 32, 32, 2048, "silu", 1e-6, 1, 2, -1, false}
               : c.family == Family::Phi ? Defaults{51200, 2048, 8192, 24, 32, 2048, "gelu_new", 1e-5, 1, 2, -1, false}
                                         : Defaults{256000, 3072, 24576, 28, 16, 8192, "gelu_pytorch_tanh", 1e-6, 2, 1, 0, true};
  c.vocab_size = json_int(j, "vocab_size", d.vocab, p);
  c.hidden_size = json_int(j, "hidden_size", d.hidden, p);
  c.intermediate_size = json_int(j, "intermediate_size", d.inter, p);
  c.num_layers = json_int(j, "num_hidden_layers", d.layers, p);
  c.num_heads = json_int(j, "num_attention_heads", d.heads, p);
  c.num_kv_heads = json_int(j, "num_key_value_heads", c.num_heads, p);
  c.max_position_embeddings = json_int(j, "max_position_embeddings", d.max_pos, p);
  c.norm_eps = c.family == Family::Phi ? json_number(j, "layer_norm_eps", d.eps, p)
                                       : json_number(j, "rms_norm_eps", d.eps, p);
  c.rope_theta = json_number(j, "rope_theta", 10000.0, p);
  c.tie_word_embeddings = json_bool(j, "tie_word_embeddings", d.tie, p);
  c.attention_bias = json_bool(j, "attention_bias", false, p);
  c.bos_token_id = json_int(j, "bos_token_id", d.bos, p);
  c.eos_token_ids = id_list(j, "eos_token_id", p);
  if (!j.contains("eos_token_id")) c.eos_token_ids = {d.eos};
  c.pad_token_id = json_int(j, "pad_token_id", d.pad, p);
  if (c.family == Family::Gemma) {
    c.head_dim = json_int(j, "head_dim", 256, p);
    // transformers runs Gemma with the tanh GELU unless `hidden_activation` names another.
    std::string act = json_string(j, "hidden_activation", "gelu_pytorch_tanh", p);
    c.activation = parse_activation(act, p);
  } else {
    require_positive(c.num_heads, "num_attention_heads", p);
    c.head_dim = json_int(j, "head_dim", c.hidden_size / c.num_heads, p);
    c.activation = parse_activation(json_string(j, "hidden_act", d.act, p), p);
  }
  require_positive(c.head_dim, "head_dim", p);
  c.rotary_dims = c.head_dim;
  if (c.family == Family::Phi) {
    double factor = json_number(j, "partial_rotary_factor", 0.5, p);
    check(factor > 0 && factor <= 1, p, "partial_rotary_factor must be in (0, 1]");
    c.rotary_dims = static_cast<int64_t>(factor * static_cast<double>(c.head_dim));
    c.qk_layernorm = json_bool(j, "qk_layernorm", false, p);
    check(!c.qk_layernorm, p, "qk_layernorm: true is not supported");
    c.attention_bias = true;
  }
  auto rs = j.find("rope_scaling");
  if (rs != j.end() && !rs->is_null()) {
    check(rs->is_object(), p, "rope_scaling must be an object or null");
    c.rope_scaling_type = json_string(*rs, "type", json_string(*rs, "rope_type", "", p), p);
    c.rope_scaling_factor = json_number(*rs, "factor", 1.0, p);
    check(c.rope_scaling_type == "linear" || c.rope_scaling_type == "dynamic", p,
          cat("rope_scaling type \"", c.rope_scaling_type, "\" is not supported (linear, dynamic)"));
    check(c.rope_scaling_factor >= 1.0, p, "rope_scaling factor must be >= 1");
  }
}

void parse_distilbert(const Json& j, ModelConfig& c, const std::string& p) {
  c.vocab_size = json_int(j, "vocab_size", 30522, p);
  c.hidden_size = json_int(j, "dim", 768, p);
  c.num_layers = json_int(j, "n_layers", 6, p);
  c.num_heads = json_int(j, "n_heads", 12, p);
  c.num_kv_heads = c.num_heads;
  c.intermediate_size = json_int(j, "hidden_dim", 3072, p);
  c.max_position_embeddings = json_int(j, "max_position_embeddings", 512, p);
  c.activation = parse_activation(json_string(j, "activation", "gelu", p), p);
  c.norm_eps = 1e-12;  // fixed in transformers' DistilBERT
  c.sinusoidal_pos_embds = json_bool(j, "sinusoidal_pos_embds", false, p);
  c.pad_token_id = json_int(j, "pad_token_id", 0, p);
  c.tie_word_embeddings = true;
  require_positive(c.num_heads, "n_heads", p);
  c.head_dim = c.hidden_size / c.num_heads;
}

void parse_mobilebert(const Json& j, ModelConfig& c, const std::string& p) {
  c.vocab_size = json_int(j, "vocab_size", 30522, p);
  c.hidden_size = json_int(j, "hidden_size", 512, p);
  c.num_layers = json_int(j, "num_hidden_layers", 24, p);
  c.num_heads = json_int(j, "num_attention_heads", 4, p);
  c.num_kv_heads = c.num_heads;
  c.intermediate_size = json_int(j, "intermediate_size", 512, p);
  c.max_position_embeddings = json_int(j, "max_position_embeddings", 512, p);
  c.activation = parse_activation(json_string(j, "hidden_act", "relu", p), p);
  c.type_vocab_size = json_int(j, "type_vocab_size", 2, p);
  c.norm_eps = json_number(j, "layer_norm_eps", 1e-12, p);
  c.pad_token_id = json_int(j, "pad_token_id", 0, p);
  c.embedding_size = json_int(j, "embedding_size", 128, p);
  c.trigram_input = json_bool(j, "trigram_input", true, p);
  c.use_bottleneck = json_bool(j, "use_bottleneck", true, p);
  int64_t intra = json_int(j, "intra_bottleneck_size", 128, p);
  c.use_bottleneck_attention = json_bool(j, "use_bottleneck_attention", false, p);
  c.key_query_shared_bottleneck = json_bool(j, "key_query_shared_bottleneck", true, p);
  c.num_feedforward_networks = json_int(j, "num_feedforward_networks", 4, p);
  std::string norm = json_string(j, "normalization_type", "no_norm", p);
  check(norm == "no_norm" || norm == "layer_norm", p,
        cat("normalization_type \"", norm, "\" is not supported (no_norm, layer_norm)"));
  c.no_norm = norm == "no_norm";
  c.classifier_activation = json_bool(j, "classifier_activation", true, p);
  c.true_hidden_size = c.use_bottleneck ? intra : c.hidden_size;
  c.tie_word_embeddings = true;
  require_positive(c.num_heads, "num_attention_heads", p);
  require_positive(c.num_feedforward_networks, "num_feedforward_networks", p, 64);
  require_positive(c.embedding_size, "embedding_size", p);
  require_positive(c.true_hidden_size, "intra_bottleneck_size", p);
  c.head_dim = c.true_hidden_size / c.num_heads;
}

}  // namespace

ModelConfig parse_model_config(const Json& j, const std::string& p) {
  check(j.is_object(), p, "config must be a JSON object");
  ModelConfig c;
  c.path = p;
  c.model_type = json_string(j, "model_type", "", p);
  check(!c.model_type.empty(), p,
        cat("missing \"model_type\" (supported: ", supported_model_types(), ")"));
  if (c.model_type == "distilbert") c.family = Family::DistilBert;
  else if (c.model_type == "mobilebert") c.family = Family::MobileBert;
  else if (c.model_type == "llama") c.family = Family::Llama;
  else if (c.model_type == "phi") c.family = Family::Phi;
  else if (c.model_type == "gemma") c.family = Family::Gemma;
  else
    throw Error(p, cat("unsupported model_type \"", c.model_type,
                       "\" (supported: ", supported_model_types(), ")"));
  c.torch_dtype = json_string(j, "torch_dtype", "float32", p);

  auto arch = j.find("architectures");
  if (arch != j.end() && !arch->is_null()) {
    check(arch->is_array() && !arch->empty() && (*arch)[0].is_string(), p,
          "\"architectures\" must be a non-empty list of strings");
    c.architecture = (*arch)[0].get<std::string>();
    c.head = head_from_architecture(c.architecture);
  } else {
    // No architectures (some published configs): decoders are causal LMs; encoders are taken
    // with the question-answering head, the study's task for them.
    c.head = is_decoder(c.family) ? Head::CausalLM : Head::QuestionAnswering;
  }
  if (c.architecture.empty()) {
    static const char* prefixes[] = {"DistilBert", "MobileBert", "Llama", "Phi", "Gemma"};
    c.architecture = std::string(prefixes[static_cast<int>(c.family)]) +
                     (is_decoder(c.family) ? "ForCausalLM" : "ForQuestionAnswering");
  }

  switch (c.family) {
    case Family::DistilBert: parse_distilbert(j, c, p); break;
    case Family::MobileBert: parse_mobilebert(j, c, p); break;
    default: parse_decoder(j, c, p); break;
  }
  require_positive(c.vocab_size, "vocab_size", p);
  require_positive(c.hidden_size, "hidden_size", p);
  require_positive(c.num_layers, "num_hidden_layers", p, 4096);
  require_positive(c.intermediate_size, "intermediate_size", p);
  require_positive(c.max_position_embeddings, "max_position_embeddings", p, int64_t{1} << 22);
  require_positive(c.num_kv_heads, "num_key_value_heads", p);
  check(c.num_heads % c.num_kv_heads == 0, p,
        cat("num_attention_heads (", c.num_heads, ") is not a multiple of num_key_value_heads (",
            c.num_kv_heads, ")"));
  check(std::isfinite(c.norm_eps) && c.norm_eps >= 0, p, "norm epsilon must be >= 0");
  return c;
}

ModelConfig load_model_config(const std::string& model_path) {
  fs::path p(model_path);
  std::error_code ec;
  if (p.extension() == ".gguf" && !fs::is_directory(p, ec))
    return model_config_from_gguf(GgufFile::open(model_path));
  if (fs::is_directory(p, ec)) {
    p /= "config.json";
    if (!fs::exists(p, ec)) throw Error(model_path, "no config.json in this folder");
  }
  return parse_model_config(load_json_file(p.string()), p.string());
}

int64_t count_parameters(const ModelConfig& c) {
  const int64_t V = c.vocab_size, H = c.hidden_size, I = c.intermediate_size, L = c.num_layers;
  auto linear = [](int64_t in, int64_t out, bool bias) { return in * out + (bias ? out : 0); };
  switch (c.family) {
    case Family::Llama:
    case Family::Gemma: {
      const int64_t q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
      const bool b = c.attention_bias;
      int64_t layer = linear(H, q, b) + 2 * linear(H, kv, b) + linear(q, H, b) + 3 * H * I + 2 * H;
      return V * H + L * layer + H + (c.tie_word_embeddings ? 0 : V * H);
    }
    case Family::Phi: {
      const int64_t q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
      int64_t layer = 2 * H + linear(H, q, true) + 2 * linear(H, kv, true) + linear(q, H, true) +
                      linear(H, I, true) + linear(I, H, true);
      return V * H + L * layer + 2 * H + (c.tie_word_embeddings ? 0 : V * H) + V;
    }
    case Family::DistilBert: {
      int64_t emb = V * H + c.max_position_embeddings * H + 2 * H;
      int64_t layer = 4 * linear(H, H, true) + 2 * H + linear(H, I, true) + linear(I, H, true) + 2 * H;
      int64_t head = 0;
      if (c.head == Head::QuestionAnswering) head = linear(H, 2, true);
      if (c.head == Head::MaskedLM) head = linear(H, H, true) + 2 * H + V;  // projector tied
      return emb + L * layer + head;
    }
    case Family::MobileBert: {
      const int64_t E = c.embedding_size, T = c.true_hidden_size;
      int64_t emb = V * E + c.max_position_embeddings * H + c.type_vocab_size * H +
                    linear(E * (c.trigram_input ? 3 : 1), H, true) + 2 * H;
      int64_t attn = 2 * linear(T, T, true) + linear(c.use_bottleneck_attention ? T : H, T, true);
      int64_t layer = attn + linear(T, T, true) + 2 * T  // attention output dense + norm
                      + linear(T, I, true) + linear(I, T, true) + 2 * T  // final FFN
                      + (c.num_feedforward_networks - 1) * (linear(T, I, true) + linear(I, T, true) + 2 * T);
      if (c.use_bottleneck) {
        layer += linear(T, H, true) + 2 * H;  // output bottleneck back to hidden
        layer += linear(H, T, true) + 2 * T;  // input bottleneck
        if (c.key_query_shared_bottleneck) layer += linear(H, T, true) + 2 * T;
      }
      int64_t head = 0;
      if (c.head == Head::QuestionAnswering) head = linear(H, 2, true);
      if (c.head == Head::MaskedLM) head = linear(H, H, true) + 2 * H + V * (H - E) + V;
      return emb + L * layer + head;
    }
  }
  return 0;
}

GenerationConfig load_generation_config(const std::string& model_dir, const ModelConfig& c) {
  GenerationConfig g;
  g.eos_token_ids = c.eos_token_ids;
  g.bos_token_id = c.bos_token_id;
  g.pad_token_id = c.pad_token_id;
  fs::path p = fs::path(model_dir) / "generation_config.json";
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec) || !fs::exists(p, ec)) return g;
  const std::string path = p.string();
  Json j = load_json_file(path);
  check(j.is_object(), path, "must be a JSON object");
  auto eos = id_list(j, "eos_token_id", path);
  if (!eos.empty()) g.eos_token_ids = eos;
  g.bos_token_id = json_int(j, "bos_token_id", g.bos_token_id, path);
  g.pad_token_id = json_int(j, "pad_token_id", g.pad_token_id, path);
  g.max_new_tokens = json_int(j, "max_new_tokens", -1, path);
  g.do_sample = json_bool(j, "do_sample", false, path);
  g.temperature = json_number(j, "temperature", 1.0, path);
  g.top_k = json_int(j, "top_k", 50, path);
  g.top_p = json_number(j, "top_p", 1.0, path);
  g.repetition_penalty = json_number(j, "repetition_penalty", 1.0, path);
  return g;
}

}  // namespace lowspec
