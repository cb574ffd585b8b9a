// load_tokenizer: picks the reader by file kind (or the best file in a model folder) and applies
// tokenizer_config.json from the same folder.
#include <filesystem>

#include "core/error.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/pipeline_tokenizer.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_config.h"
#include "tokenizer/vocab_txt.h"

namespace lowspec::tokenizer {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string choose_file_in_folder(const fs::path& dir) {
  for (const char* name : {"tokenizer.json", "tokenizer.model", "vocab.txt"})
    if (fs::is_regular_file(dir / name)) return (dir / name).string();
  throw Error(dir.string(), "no tokenizer.json, tokenizer.model or vocab.txt in this folder");
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path, "no such file or folder");
  const std::string file = fs::is_directory(path, ec) ? choose_file_in_folder(path) : path;
  const std::string dir = fs::path(file).parent_path().string();
  const TokenizerConfig config = read_tokenizer_config(dir.empty() ? "." : dir);

  if (ends_with(file, ".gguf")) return load_gguf_tokenizer(file);
  std::unique_ptr<Tokenizer> t;
  if (ends_with(file, ".json")) {
    t = load_tokenizer_json(file);
  } else if (ends_with(file, ".model")) {
    t = load_sentencepiece(file);
    // SentencePiece itself adds nothing; transformers' Llama-style default is BOS only.
    const bool template_bos = config.add_bos_token.value_or(true);
    t->set_post_processor(make_bos_eos_processor(*t, template_bos, config.add_eos_token.value_or(false)));
    TokenizerConfig rest = config;
    rest.add_bos_token.reset();
    rest.add_eos_token.reset();
    apply_tokenizer_config(*t, rest);
    return t;
  } else if (ends_with(file, ".txt")) {
    t = load_vocab_txt(file, config);
  } else {
    throw Error(file, "unknown tokenizer file kind (expected tokenizer.json, tokenizer.model, "
                      "vocab.txt, .gguf or a model folder)");
  }
  apply_tokenizer_config(*t, config);
  return t;
}

}  // namespace lowspec::tokenizer
