#include "tokenizer/encoding.h"

namespace lowspec::tokenizer {

void Encoding::push(int32_t id, std::string token, Offset offset, int32_t type_id,
                    SequenceId sequence, bool special) {
  ids.push_back(id);
  tokens.push_back(std::move(token));
  offsets.push_back(offset);
  type_ids.push_back(type_id);
  sequence_ids.push_back(sequence);
  special_tokens_mask.push_back(special ? 1 : 0);
  attention_mask.push_back(1);
}

void Encoding::append(const Encoding& other) {
  ids.insert(ids.end(), other.ids.begin(), other.ids.end());
  tokens.insert(tokens.end(), other.tokens.begin(), other.tokens.end());
  offsets.insert(offsets.end(), other.offsets.begin(), other.offsets.end());
  type_ids.insert(type_ids.end(), other.type_ids.begin(), other.type_ids.end());
  sequence_ids.insert(sequence_ids.end(), other.sequence_ids.begin(), other.sequence_ids.end());
  special_tokens_mask.insert(special_tokens_mask.end(), other.special_tokens_mask.begin(),
                             other.special_tokens_mask.end());
  attention_mask.insert(attention_mask.end(), other.attention_mask.begin(),
                        other.attention_mask.end());
}

Encoding Encoding::slice(size_t begin, size_t end) const {
  Encoding out;
  auto cut = [&](const auto& v) { return std::decay_t<decltype(v)>(v.begin() + begin, v.begin() + end); };
  out.ids = cut(ids);
  out.tokens = cut(tokens);
  out.offsets = cut(offsets);
  out.type_ids = cut(type_ids);
  out.sequence_ids = cut(sequence_ids);
  out.special_tokens_mask = cut(special_tokens_mask);
  out.attention_mask = cut(attention_mask);
  return out;
}

}  // namespace lowspec::tokenizer
