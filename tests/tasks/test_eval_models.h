// Models for the quality-task tests: a tiny hf-tiny architecture with its vocabulary widened to a
// real tokenizer's (random weights from the synth writer), with that tokenizer's files beside it,
// so real dataset text tokenizes to valid ids end to end.
#pragma once
#include <filesystem>
#include <fstream>
#include <string>

#include "core/json_util.h"
#include "formats/synth_weights.h"
#include "test_util.h"

namespace lowspec::test {

struct EvalModelSpec {
  std::string tiny;       // hf-tiny folder, e.g. "llama"
  std::string tokenizer;  // tokenizers/hf folder, e.g. "tinyllama-1.1b-chat-v1.0"
  int64_t vocab = 0;      // at least the tokenizer's ids
  Json overrides;         // further config.json fields (special token ids, positions)
};

// Writes root/<tiny>/ and returns its path.
inline std::string make_eval_model(const std::filesystem::path& root, const EvalModelSpec& spec) {
  namespace fs = std::filesystem;
  const fs::path source = root / (spec.tiny + "-config");
  const fs::path out = root / spec.tiny;
  fs::create_directories(source);
  Json config = load_json_file(fixture("hf-tiny/" + spec.tiny + "/config.json"));
  config["vocab_size"] = spec.vocab;
  if (spec.overrides.is_object()) config.update(spec.overrides);
  std::ofstream(source / "config.json") << config.dump(2);
  synth_model(source.string(), out.string(), SynthOptions{});
  for (const char* f : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                        "vocab.txt", "vocab.json", "merges.txt", "added_tokens.json"}) {
    const fs::path from = fs::path(fixture("tokenizers/hf/" + spec.tokenizer)) / f;
    if (fs::exists(from)) fs::copy_file(from, out / f, fs::copy_options::overwrite_existing);
  }
  return out.string();
}

inline EvalModelSpec tinyllama_spec() { return {"llama", "tinyllama-1.1b-chat-v1.0", 32000, Json::object()}; }
inline EvalModelSpec phi2_spec() {
  return {"phi", "phi-2", 51200, {{"bos_token_id", 50256}, {"eos_token_id", 50256}}};
}
inline EvalModelSpec bert_spec(const std::string& tiny) {
  return {tiny, "bert-base-uncased", 30522, {{"max_position_embeddings", 128}}};
}

}  // namespace lowspec::test
