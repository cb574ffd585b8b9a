// Tokenization models: turn one pre-tokenized word into vocabulary tokens (WordPiece, BPE,
// Unigram, as in Hugging Face tokenizers).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "tokenizer/vocab.h"

namespace lowspec::tokenizer {

struct ModelToken {
  int32_t id;
  size_t begin, end;  // bytes of the word
};

class Model {
 public:
  virtual ~Model() = default;
  virtual void tokenize(std::string_view word, std::vector<ModelToken>& out) const = 0;
  const Vocab& vocab() const { return vocab_; }

 protected:
  explicit Model(Vocab vocab) : vocab_(std::move(vocab)) {}
  Vocab vocab_;
};

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};
std::unique_ptr<Model> make_wordpiece(Vocab vocab, const WordPieceOptions& options,
                                      const std::string& file);

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};
// A merge: two tokens whose concatenation is a token; lower rank merges first, ties go left.
struct BpeMerge {
  std::string left, right;
  double rank;
};
std::unique_ptr<Model> make_bpe(Vocab vocab, const std::vector<BpeMerge>& merges,
                                const BpeOptions& options, const std::string& file);
// SentencePiece BPE from token scores (GGUF "llama" vocabularies): every split of a token into
// two tokens is a merge ranked by the token's score, higher first.
std::vector<BpeMerge> merges_from_scores(const Vocab& vocab, const std::vector<float>& scores);

std::unique_ptr<Model> make_unigram(Vocab vocab, std::vector<double> scores,
                                    std::optional<int32_t> unk_id, bool byte_fallback,
                                    const std::string& file);

// The big tables of a tokenizer.json model, filled from the JSON parser's events instead of
// JSON values (building a 256k-entry vocabulary as a JSON object takes most of a second).
struct ModelTables {
  struct VocabEntry {
    size_t offset, length;  // of the token in vocab_bytes
    int64_t id;
  };
  bool has_vocab = false;  // model.vocab is an object: its entries are here, in file order
  std::string vocab_bytes;
  std::vector<VocabEntry> vocab;
  std::string vocab_error;  // the first malformed entry, reported if the model uses the table
  bool has_merges = false;  // model.merges is an array: its entries are here
  std::vector<BpeMerge> merges;
  std::string merges_error;
};

// Parses a tokenizer.json "model" object whose vocab and merges the reader put in tables.
std::unique_ptr<Model> parse_model(const Json& j, const std::string& file, const ModelTables& tables);

}  // namespace lowspec::tokenizer
