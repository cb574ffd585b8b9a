// Normalizers of the Hugging Face tokenizers pipeline (BertNormalizer, NFC/NFD/NFKC/NFKD,
// Lowercase, StripAccents, Strip, Replace, Prepend, Sequence).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/json_util.h"
#include "tokenizer/normalized_string.h"

namespace lowspec::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

// strip_accents unset: follow lowercase (as Hugging Face does).
std::unique_ptr<Normalizer> make_bert_normalizer(bool clean_text, bool handle_chinese_chars,
                                                 std::optional<bool> strip_accents, bool lowercase);

// Parses a tokenizer.json "normalizer" object; null gives nullptr.
std::unique_ptr<Normalizer> parse_normalizer(const Json& j, const std::string& file);

}  // namespace lowspec::tokenizer
