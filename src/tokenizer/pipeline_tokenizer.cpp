#include "tokenizer/pipeline_tokenizer.h"

#include <algorithm>

#include "core/error.h"

namespace lowspec::tokenizer {

PipelineTokenizer::PipelineTokenizer(PipelineParts parts, const std::string& file)
    : normalizer_(std::move(parts.normalizer)),
      pre_tokenizer_(std::move(parts.pre_tokenizer)),
      model_(std::move(parts.model)),
      decoder_(std::move(parts.decoder)) {
  check(model_ != nullptr, file, "tokenizer has no model");
  set_post_processor(std::move(parts.post_processor));
  vocab_size_ = static_cast<size_t>(model_->vocab().size());
  for (const AddedToken& t : parts.added_tokens) {
    check(t.id >= 0 && t.id < Vocab::kMaxId, file, cat("added token id ", t.id, " is out of range"));
    check(!t.content.empty(), file, cat("added token ", t.id, " has empty content"));
    vocab_size_ = std::max(vocab_size_, static_cast<size_t>(t.id) + 1);
  }
  added_ = AddedVocabulary(std::move(parts.added_tokens), normalizer_.get());
}

size_t PipelineTokenizer::vocab_size() const { return vocab_size_; }

std::optional<int32_t> PipelineTokenizer::token_to_id(std::string_view token) const {
  if (auto id = added_.find_content(token)) return id;
  return model_->vocab().find(token);
}

std::string PipelineTokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* t = added_.find_id(id)) return t->content;
  check(model_->vocab().contains_id(id), "", cat("token id ", id, " is not in the vocabulary"));
  return std::string(model_->vocab().token(id));
}

bool PipelineTokenizer::is_special(int32_t id) const {
  const AddedToken* t = added_.find_id(id);
  return t != nullptr && t->special;
}

Encoding PipelineTokenizer::encode_sequence(std::string_view text) const {
  std::vector<TextPiece> pieces = added_.split_and_normalize(text, normalizer_.get());
  if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pieces);
  Encoding e;
  std::vector<ModelToken> word_tokens;
  for (const TextPiece& p : pieces) {
    if (p.added_token_id) {
      const int32_t id = *p.added_token_id;
      e.ids.push_back(id);
      e.tokens.push_back(id_to_token(id));
      e.offsets.push_back(p.text.original_range(0, p.text.text().size()));
      continue;
    }
    word_tokens.clear();
    model_->tokenize(p.text.text(), word_tokens);
    for (const ModelToken& t : word_tokens) {
      e.ids.push_back(t.id);
      e.tokens.emplace_back(model_->vocab().token(t.id));
      e.offsets.push_back(p.text.original_range(t.begin, t.end));
    }
  }
  return e;
}

std::string PipelineTokenizer::decode_ids(std::span<const int32_t> ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) tokens.push_back(id_to_token(id));
  if (!decoder_) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  decoder_->decode_chain(tokens);
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

}  // namespace lowspec::tokenizer
