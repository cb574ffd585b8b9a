#include "bench/suite.h"

#include <cstdlib>
#include <filesystem>

namespace lowspec {

namespace {

// config.json of the published checkpoints (dimensions only; weights are synthesized).
struct SuiteEntry {
  const char* name;
  const char* config;
};
const SuiteEntry kSuite[] = {
    {"tinyllama-1.1b",
     R"({"architectures":["LlamaForCausalLM"],"attention_bias":false,"bos_token_id":1,"eos_token_id":2,"hidden_act":"silu","hidden_size":2048,"intermediate_size":5632,"max_position_embeddings":2048,"model_type":"llama","num_attention_heads":32,"num_hidden_layers":22,"num_key_value_heads":4,"rms_norm_eps":1e-05,"rope_scaling":null,"rope_theta":10000.0,"tie_word_embeddings":false,"torch_dtype":"bfloat16","vocab_size":32000})"},
    {"phi-2",
     R"({"architectures":["PhiForCausalLM"],"bos_token_id":50256,"eos_token_id":50256,"hidden_act":"gelu_new","hidden_size":2560,"intermediate_size":10240,"layer_norm_eps":1e-05,"max_position_embeddings":2048,"model_type":"phi","num_attention_heads":32,"num_hidden_layers":32,"num_key_value_heads":32,"partial_rotary_factor":0.4,"qk_layernorm":false,"rope_scaling":null,"rope_theta":10000.0,"tie_word_embeddings":false,"torch_dtype":"float16","vocab_size":51200})"},
    {"gemma-2b",
     R"({"architectures":["GemmaForCausalLM"],"attention_bias":false,"bos_token_id":2,"eos_token_id":1,"head_dim":256,"hidden_act":"gelu","hidden_size":2048,"intermediate_size":16384,"max_position_embeddings":8192,"model_type":"gemma","num_attention_heads":8,"num_hidden_layers":18,"num_key_value_heads":1,"pad_token_id":0,"rms_norm_eps":1e-06,"rope_scaling":null,"rope_theta":10000.0,"torch_dtype":"bfloat16","vocab_size":256000})"},
    {"distilbert-base-squad",
     R"({"activation":"gelu","architectures":["DistilBertForQuestionAnswering"],"dim":768,"hidden_dim":3072,"max_position_embeddings":512,"model_type":"distilbert","n_heads":12,"n_layers":6,"pad_token_id":0,"sinusoidal_pos_embds":true,"vocab_size":28996})"},
    {"mobilebert-squad",
     R"({"architectures":["MobileBertForQuestionAnswering"],"classifier_activation":false,"embedding_size":128,"hidden_act":"relu","hidden_size":512,"intermediate_size":512,"intra_bottleneck_size":128,"key_query_shared_bottleneck":true,"layer_norm_eps":1e-12,"max_position_embeddings":512,"model_type":"mobilebert","normalization_type":"no_norm","num_attention_heads":4,"num_feedforward_networks":4,"num_hidden_layers":24,"pad_token_id":0,"trigram_input":true,"true_hidden_size":128,"type_vocab_size":2,"use_bottleneck":true,"use_bottleneck_attention":false,"vocab_size":30522})"},
};

}  // namespace

std::string BenchConfig::key() const {
  return cat("model=", model.name, "|task=", task, "|format=", weight_format, "|threads=", threads,
             "|batch=", batch, "|prompt=", prompt_tokens, "|gen=", gen_tokens,
             "|reps=", repetitions, "|data=", data, "|limit=", limit,
             round > 1 ? cat("|round=", round) : std::string());
}

std::string key_without_round(const std::string& key) {
  const size_t at = key.rfind("|round=");
  return at == std::string::npos ? key : key.substr(0, at);
}

Json BenchConfig::to_json() const {
  return Json{
      {"model", {{"name", model.name}, {"path", model.path}, {"synthetic", model.synthetic}}},
      {"task", task},
      {"weight_format", weight_format},
      {"threads", threads},
      {"batch", batch},
      {"prompt_tokens", prompt_tokens},
      {"gen_tokens", gen_tokens},
      {"repetitions", repetitions},
      {"warmup", warmup},
      {"data", data},
      {"limit", limit},
      {"round", round}};
}

BenchConfig BenchConfig::from_json(const Json& j) {
  const std::string w = "bench spec";
  BenchConfig c;
  const Json& m = j.at("model");
  c.model.name = json_require_string(m, "name", w);
  c.model.path = json_require_string(m, "path", w);
  c.model.synthetic = json_bool(m, "synthetic", false, w);
  c.task = json_require_string(j, "task", w);
  c.weight_format = json_string(j, "weight_format", "file", w);
  c.threads = static_cast<int>(json_int(j, "threads", 1, w));
  c.batch = static_cast<int>(json_int(j, "batch", 1, w));
  c.prompt_tokens = static_cast<int>(json_int(j, "prompt_tokens", 128, w));
  c.gen_tokens = static_cast<int>(json_int(j, "gen_tokens", 64, w));
  c.repetitions = static_cast<int>(json_int(j, "repetitions", 3, w));
  c.warmup = static_cast<int>(json_int(j, "warmup", 1, w));
  c.data = json_string(j, "data", "", w);
  c.limit = static_cast<int>(json_int(j, "limit", 0, w));
  c.round = static_cast<int>(json_int(j, "round", 1, w));
  return c;
}

std::vector<BenchModel> default_suite_models() {
  std::vector<BenchModel> models;
  for (const auto& e : kSuite) models.push_back({e.name, "", e.config, true});
  return models;
}

std::string cache_dir() {
  if (const char* c = std::getenv("LOWSPEC_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return (std::filesystem::path(x) / "lowspec").string();
  if (const char* h = std::getenv("HOME"); h && *h)
    return (std::filesystem::path(h) / ".cache" / "lowspec").string();
  return (std::filesystem::temp_directory_path() / "lowspec-cache").string();
}

}  // namespace lowspec
