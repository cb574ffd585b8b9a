// Reads the "model" object of a tokenizer.json (WordPiece, BPE, Unigram).
#include "core/error.h"
#include "tokenizer/model.h"

namespace lowspec::tokenizer {
namespace {

// The vocab object, from the tables the reader took out of the JSON.
Vocab parse_vocab_object(const Json& j, const std::string& file, const ModelTables& tables) {
  check(j.contains("vocab") && j["vocab"].is_object() && tables.has_vocab, file,
        "model: \"vocab\" must be an object");
  if (!tables.vocab_error.empty()) throw Error(file, tables.vocab_error);
  Vocab vocab;
  vocab.reserve(tables.vocab.size(), tables.vocab_bytes.size());
  // A JSON object keeps the last of duplicate keys, so add from the end and skip repeats.
  const std::string_view bytes = tables.vocab_bytes;
  for (auto it = tables.vocab.rbegin(); it != tables.vocab.rend(); ++it)
    vocab.add_if_new(bytes.substr(it->offset, it->length), it->id, file);
  return vocab;
}

std::optional<std::string> optional_string(const Json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return json_require_string(j, key, file);
}

std::unique_ptr<Model> parse_bpe(const Json& j, const std::string& file, const ModelTables& tables) {
  Vocab vocab = parse_vocab_object(j, file, tables);
  check(tables.has_merges, file, "BPE model: \"merges\" must be an array");
  if (!tables.merges_error.empty()) throw Error(file, tables.merges_error);
  BpeOptions options;
  options.unk_token = optional_string(j, "unk_token", file);
  options.continuing_subword_prefix = optional_string(j, "continuing_subword_prefix", file).value_or("");
  options.end_of_word_suffix = optional_string(j, "end_of_word_suffix", file).value_or("");
  options.fuse_unk = json_bool(j, "fuse_unk", false, file);
  options.byte_fallback = json_bool(j, "byte_fallback", false, file);
  options.ignore_merges = json_bool(j, "ignore_merges", false, file);
  return make_bpe(std::move(vocab), tables.merges, options, file);
}

std::unique_ptr<Model> parse_wordpiece(const Json& j, const std::string& file,
                                       const ModelTables& tables) {
  WordPieceOptions options;
  options.unk_token = json_string(j, "unk_token", options.unk_token, file);
  options.continuing_subword_prefix =
      json_string(j, "continuing_subword_prefix", options.continuing_subword_prefix, file);
  const int64_t max_chars = json_int(j, "max_input_chars_per_word", 100, file);
  check(max_chars >= 0, file, "WordPiece max_input_chars_per_word must not be negative");
  options.max_input_chars_per_word = static_cast<size_t>(max_chars);
  return make_wordpiece(parse_vocab_object(j, file, tables), options, file);
}

std::unique_ptr<Model> parse_unigram(const Json& j, const std::string& file) {
  check(j.contains("vocab") && j["vocab"].is_array(), file, "Unigram model: \"vocab\" must be an array");
  Vocab vocab;
  std::vector<double> scores;
  for (const Json& entry : j["vocab"]) {
    check(entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_number(),
          file, "Unigram vocab entries must be [piece, score]");
    vocab.push_back(entry[0].get<std::string>());
    scores.push_back(entry[1].get<double>());
  }
  std::optional<int32_t> unk_id;
  if (j.contains("unk_id") && !j["unk_id"].is_null()) {
    const int64_t id = json_require_int(j, "unk_id", file);
    check(id >= 0 && id < vocab.size(), file, "Unigram unk_id is outside the vocabulary");
    unk_id = static_cast<int32_t>(id);
  }
  return make_unigram(std::move(vocab), std::move(scores), unk_id,
                      json_bool(j, "byte_fallback", false, file), file);
}

}  // namespace

std::unique_ptr<Model> parse_model(const Json& j, const std::string& file, const ModelTables& tables) {
  check(j.is_object(), file, "\"model\" must be an object");
  std::string type = json_string(j, "type", "", file);
  if (type.empty()) {  // older files have no type: tell the models apart by their fields
    if (j.contains("merges")) type = "BPE";
    else if (j.contains("vocab") && j["vocab"].is_array()) type = "Unigram";
    else type = "WordPiece";
  }
  if (type == "BPE") return parse_bpe(j, file, tables);
  if (type == "WordPiece") return parse_wordpiece(j, file, tables);
  if (type == "Unigram") return parse_unigram(j, file);
  throw Error(file, cat("unsupported model type \"", type, "\""));
}

}  // namespace lowspec::tokenizer
