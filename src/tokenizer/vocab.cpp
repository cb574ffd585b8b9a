#include "tokenizer/vocab.h"

#include <algorithm>

#include "core/error.h"

namespace lowspec::tokenizer {

void Vocab::add(std::string token, int64_t id, const std::string& file) {
  check(id >= 0 && id < kMaxId, file, cat("token id ", id, " of \"", token, "\" is out of range"));
  if (id >= size()) {
    tokens_.resize(static_cast<size_t>(id) + 1);
    present_.resize(static_cast<size_t>(id) + 1, false);
  }
  check(!present_[id], file, cat("token id ", id, " is used twice"));
  present_[id] = true;
  max_token_bytes_ = std::max(max_token_bytes_, token.size());
  // The first id of a string wins a lookup, as in Hugging Face (duplicate strings do occur).
  ids_.emplace(token, static_cast<int32_t>(id));
  tokens_[id] = std::move(token);
}

int32_t Vocab::push_back(std::string token) {
  const int32_t id = size();
  add(std::move(token), id, "");
  return id;
}

}  // namespace lowspec::tokenizer
