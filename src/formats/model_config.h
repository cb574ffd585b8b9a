// A Hugging Face config.json as a typed configuration for the five supported families, with each
// family's defaults as transformers applies them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_util.h"

namespace lowspec {

enum class Family { DistilBert, MobileBert, Llama, Phi, Gemma };
// Which head sits on the model (from `architectures`).
enum class Head { CausalLM, MaskedLM, QuestionAnswering, Base };

const char* family_name(Family f);    // "distilbert", ...
const char* supported_model_types();  // "distilbert, mobilebert, llama, phi, gemma"
inline bool is_decoder(Family f) { return f == Family::Llama || f == Family::Phi || f == Family::Gemma; }

enum class Activation { Gelu, GeluTanh, Silu, Relu };
const char* activation_name(Activation a);

struct ModelConfig {
  std::string path;  // the config.json this came from (for errors)
  Family family = Family::Llama;
  std::string model_type;
  std::string architecture;  // first entry of `architectures`, or a default per family and head
  Head head = Head::CausalLM;

  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t intermediate_size = 0;
  int64_t max_position_embeddings = 0;
  Activation activation = Activation::Silu;
  double norm_eps = 1e-5;
  std::string torch_dtype = "float32";

  // Decoders.
  double rope_theta = 10000.0;
  int64_t rotary_dims = 0;  // per head: head_dim, or int(partial_rotary_factor * head_dim) (phi)
  std::string rope_scaling_type;  // "", "linear" or "dynamic"
  double rope_scaling_factor = 1.0;
  bool attention_bias = false;
  bool tie_word_embeddings = false;
  bool qk_layernorm = false;  // phi: not supported when true (no published model uses it)
  int64_t bos_token_id = -1;
  std::vector<int64_t> eos_token_ids;
  int64_t pad_token_id = -1;

  // Encoders.
  int64_t type_vocab_size = 0;  // 0: no token type embeddings (DistilBERT)
  bool sinusoidal_pos_embds = false;

  // MobileBERT.
  int64_t embedding_size = 0;
  int64_t true_hidden_size = 0;  // the bottleneck width attention and FFNs run at
  bool trigram_input = false;
  bool use_bottleneck = false;
  bool use_bottleneck_attention = false;
  bool key_query_shared_bottleneck = false;
  int64_t num_feedforward_networks = 1;
  bool no_norm = false;  // normalization_type "no_norm": x * w + b
  bool classifier_activation = true;
};

// Parses a config.json document; `path` names the file in errors.
ModelConfig parse_model_config(const Json& j, const std::string& path);
// Loads MODEL/config.json (MODEL a folder), the file itself if MODEL is a .json file, or the
// metadata of a .gguf file (gguf_arch.h).
ModelConfig load_model_config(const std::string& model_path);

// Parameter count of the HF class this config builds (tied weights counted once).
int64_t count_parameters(const ModelConfig& c);

struct GenerationConfig {
  std::vector<int64_t> eos_token_ids;
  int64_t bos_token_id = -1;
  int64_t pad_token_id = -1;
  int64_t max_new_tokens = -1;
  bool do_sample = false;
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  double repetition_penalty = 1.0;
};
// Reads generation_config.json in the folder if present, falling back to the model config.
GenerationConfig load_generation_config(const std::string& model_dir, const ModelConfig& c);

}  // namespace lowspec
