#include "tokenizer/normalized_string.h"

namespace lowspec::tokenizer {

NormalizedString::NormalizedString(std::string_view original, size_t base)
    : text_(original), original_{base, base + original.size()} {
  align_.reserve(original.size());
  // Every byte of a character maps to the whole character, as in Hugging Face tokenizers.
  for (size_t pos = 0; pos < original.size();) {
    const size_t start = pos;
    pos += utf8_length(static_cast<uint8_t>(original[pos]));
    if (pos > original.size()) pos = original.size();
    align_.insert(align_.end(), pos - start, Offset{base + start, base + pos});
  }
}

Offset NormalizedString::original_range(size_t begin, size_t end) const {
  if (begin >= end || begin >= align_.size()) {
    const size_t at = begin < align_.size() ? align_[begin].begin : original_.end;
    return {at, at};
  }
  return {align_[begin].begin, align_[end - 1].end};
}

NormalizedString NormalizedString::slice(size_t begin, size_t end) const {
  NormalizedString out;
  out.text_ = text_.substr(begin, end - begin);
  out.align_.assign(align_.begin() + begin, align_.begin() + end);
  out.original_ = original_range(begin, end);
  return out;
}

void NormalizedString::replace_spans(const std::vector<Replacement>& spans) {
  std::string text;
  std::vector<Offset> align;
  size_t pos = 0;
  for (const Replacement& r : spans) {
    text.append(text_, pos, r.begin - pos);
    align.insert(align.end(), align_.begin() + pos, align_.begin() + r.begin);
    text += r.text;
    align.insert(align.end(), r.text.size(), original_range(r.begin, r.end));
    pos = r.end;
  }
  text.append(text_, pos);
  align.insert(align.end(), align_.begin() + pos, align_.end());
  text_ = std::move(text);
  align_ = std::move(align);
}

void NormalizedString::prepend(std::string_view s) {
  const size_t first_len = text_.empty() ? 0 : utf8_length(static_cast<uint8_t>(text_[0]));
  const Offset origin = original_range(0, first_len);
  text_.insert(0, s);
  align_.insert(align_.begin(), s.size(), origin);
}

void NormalizedString::append(std::string_view s) {
  const Offset origin = align_.empty() ? Offset{original_.end, original_.end} : align_.back();
  text_ += s;
  align_.insert(align_.end(), s.size(), origin);
}

}  // namespace lowspec::tokenizer
