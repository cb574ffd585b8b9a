// The benchmark matrix: models x tasks x weight formats x threads x batch sizes, each cell a
// configuration with a stable key, so a study can be interrupted and resumed.
#pragma once
#include <string>
#include <vector>

#include "core/json_util.h"

namespace lowspec {

struct BenchModel {
  std::string name;       // "tinyllama-1.1b" or the folder's name
  std::string path;       // a HF folder or .gguf; empty until a synthetic model is generated
  std::string config;     // config.json text for synthetic models (empty for real ones)
  bool synthetic = false;
};

struct BenchConfig {
  BenchModel model;
  std::string task;           // "speed", "perplexity", "qa", "summarize"
  std::string weight_format;  // "file" (as stored), "f32", "bf16", "q8_0", "q4_0", ...
  int threads = 1;
  int batch = 1;
  int prompt_tokens = 128;  // decoders: prefill length; encoders: sequence length
  int gen_tokens = 64;      // decoders: tokens decoded
  int repetitions = 3;
  int warmup = 1;
  std::string data;  // dataset file for quality tasks
  int limit = 0;     // examples of the dataset (0: task default)
  // Which repeat of the matrix this is (`lowspec bench --rounds`), from 1. Round 1's key is the
  // configuration's key as before rounds existed, so older databases resume.
  int round = 1;

  std::string key() const;  // identifies the configuration and round in the results store
  Json to_json() const;
  static BenchConfig from_json(const Json& j);
};

// A run's key without its round: the configuration that rounds repeat.
std::string key_without_round(const std::string& key);

// The five families at their published shapes (synthetic weights): TinyLlama-1.1B, Phi-2,
// Gemma-2B, DistilBERT-base (SQuAD head), MobileBERT.
std::vector<BenchModel> default_suite_models();

// Folder where synthetic models are generated on first use ($LOWSPEC_CACHE, else
// $XDG_CACHE_HOME/lowspec, else ~/.cache/lowspec).
std::string cache_dir();

}  // namespace lowspec
