// Pre-tokenizers of the Hugging Face pipeline: split normalized text into words before the model
// (BertPreTokenizer, ByteLevel, Metaspace, Split, Whitespace, WhitespaceSplit, Punctuation,
// Digits, CharDelimiterSplit, Sequence).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "tokenizer/normalized_string.h"

namespace lowspec::tokenizer {

// A piece of the input: either text still to be split and tokenized, or an added token found
// in the text (already an id).
struct TextPiece {
  NormalizedString text;
  std::optional<int32_t> added_token_id;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits every piece that is not an added token.
  virtual void pre_tokenize(std::vector<TextPiece>& pieces) const = 0;
};

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer();
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);

// Parses a tokenizer.json "pre_tokenizer" object; null gives nullptr.
std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const Json& j, const std::string& file);

}  // namespace lowspec::tokenizer
