// The Hugging Face tokenizers pipeline: added tokens -> normalizer -> pre-tokenizer -> model,
// then post-processor; decoding through the decoder chain. Built from tokenizer.json, from a
// BERT vocab.txt or from a GGUF vocabulary.
#pragma once
#include <memory>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/decoder.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {

struct PipelineParts {
  std::unique_ptr<Normalizer> normalizer;        // may be null
  std::unique_ptr<PreTokenizer> pre_tokenizer;   // may be null
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor; // may be null
  std::unique_ptr<Decoder> decoder;              // may be null: tokens joined by spaces
  std::vector<AddedToken> added_tokens;
};

class PipelineTokenizer : public Tokenizer {
 public:
  // Error (naming file) if an added token's id clashes with a different vocabulary entry.
  PipelineTokenizer(PipelineParts parts, const std::string& file);

  size_t vocab_size() const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(int32_t id) const override;
  bool is_special(int32_t id) const override;

 protected:
  Encoding encode_sequence(std::string_view text) const override;
  std::string decode_ids(std::span<const int32_t> ids) const override;

 private:
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  size_t vocab_size_ = 0;
};

// Reads a tokenizer.json.
std::unique_ptr<PipelineTokenizer> load_tokenizer_json(const std::string& path);
// Parses tokenizer.json text; `file` names it in errors.
std::unique_ptr<PipelineTokenizer> parse_tokenizer_json(const std::string& text, const std::string& file);

}  // namespace lowspec::tokenizer
