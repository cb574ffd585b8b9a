// The tokenizer interface: text -> ids (with tokens, byte offsets and type ids), pairs,
// truncation with overflowing windows, padding, and decoding. Implementations: the Hugging Face
// tokenizer.json pipeline (also built from vocab.txt and GGUF vocabularies) and SentencePiece.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/encoding.h"
#include "tokenizer/post_processor.h"

namespace lowspec::tokenizer {

struct DecodeOptions {
  bool skip_special_tokens = false;
  // Unset: use the tokenizer's setting (tokenizer_config.json clean_up_tokenization_spaces).
  std::optional<bool> clean_up_tokenization_spaces;
};

enum class TruncationStrategy { kLongestFirst, kOnlyFirst, kOnlySecond };
enum class Side { kRight, kLeft };

struct TruncationOptions {
  size_t max_length = 512;  // including the special tokens the post-processor adds
  // Tokens shared by consecutive overflowing windows (must be < the room left for the text).
  size_t stride = 0;
  TruncationStrategy strategy = TruncationStrategy::kLongestFirst;
  Side direction = Side::kRight;  // which end is cut
  bool return_overflowing = false;
};

struct PaddingOptions {
  std::optional<size_t> length;  // unset: pad to the longest in the batch
  size_t pad_to_multiple_of = 0;
  Side side = Side::kRight;
};

struct SpecialTokenIds {
  std::optional<int32_t> bos, eos, unk, sep, pad, cls, mask;
};

struct TokenizerSettings {
  SpecialTokenIds special;
  bool clean_up_tokenization_spaces = true;
  size_t model_max_length = 0;  // 0: unknown
  Side padding_side = Side::kRight;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Encodes one text (valid UTF-8, else Error). add_special_tokens applies the post-processor
  // template (BOS, [CLS] ... [SEP]); offsets are byte ranges of text.
  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  // Encodes a pair: each side alone, then the pair template; type_ids and sequence_ids say
  // which side a token came from; offsets index into that side's text.
  Encoding encode_pair(std::string_view first, std::string_view second,
                       bool add_special_tokens = true) const;
  // Encodes with truncation (Hugging Face semantics). The result's first element is the main
  // window; with options.return_overflowing, every further window follows (each one with its
  // special tokens), e.g. for question answering: encode_truncated(question, &context,
  // {.max_length = 384, .stride = 128, .strategy = kOnlySecond, .return_overflowing = true}).
  std::vector<Encoding> encode_truncated(std::string_view first, const std::string_view* second,
                                         const TruncationOptions& options,
                                         bool add_special_tokens = true) const;
  // Pads every encoding of a batch with the pad token (attention_mask 0, sequence kNone).
  void pad(std::vector<Encoding>& batch, const PaddingOptions& options) const;

  // Ids -> text. Ids outside the vocabulary are an Error.
  std::string decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;

  virtual size_t vocab_size() const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  // The vocabulary string of id (Error if out of range).
  virtual std::string id_to_token(int32_t id) const = 0;
  // True for special tokens (skipped by decode with skip_special_tokens).
  virtual bool is_special(int32_t id) const = 0;

  const TokenizerSettings& settings() const { return settings_; }
  TokenizerSettings& mutable_settings() { return settings_; }
  void set_post_processor(std::shared_ptr<const PostProcessor> p) { post_processor_ = std::move(p); }
  const PostProcessor* post_processor() const { return post_processor_.get(); }

 protected:
  // One sequence, no special tokens; text is valid UTF-8. Fills ids, tokens, offsets.
  virtual Encoding encode_sequence(std::string_view text) const = 0;
  // Decodes ids already filtered for skip_special_tokens, before clean-up.
  virtual std::string decode_ids(std::span<const int32_t> ids) const = 0;

  TokenizerSettings settings_;

 private:
  Encoding encode_checked(std::string_view text, SequenceId sequence) const;
  Encoding post_process(Encoding first, const Encoding* second, bool add_special_tokens) const;

  std::shared_ptr<const PostProcessor> post_processor_;
};

// transformers' clean_up_tokenization: removes the space before punctuation and contractions.
std::string clean_up_tokenization(std::string text);

// Loads a tokenizer from a tokenizer.json, tokenizer.model, vocab.txt, .gguf file or a model
// folder (tokenizer.json, then tokenizer.model, then vocab.txt), with tokenizer_config.json
// beside it. Bad files give an Error naming the file.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

}  // namespace lowspec::tokenizer
