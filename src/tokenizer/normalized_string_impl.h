// Template members of NormalizedString (included from normalized_string.h).
#pragma once
#include <utf8proc.h>

#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {

template <typename F>
void NormalizedString::map_chars(F&& f) {
  std::string text;
  std::vector<Offset> align;
  text.reserve(text_.size());
  align.reserve(text_.size());
  for (size_t pos = 0; pos < text_.size();) {
    const size_t start = pos;
    const char32_t c = next_codepoint(text_, pos);
    const size_t before = text.size();
    f(c, text);  // appends in place: no string per character
    align.insert(align.end(), text.size() - before, Offset{align_[start].begin, align_[pos - 1].end});
  }
  text_ = std::move(text);
  align_ = std::move(align);
}

template <typename F>
void NormalizedString::map_clusters(F&& transform) {
  std::string text;
  std::vector<Offset> align;
  text.reserve(text_.size());
  align.reserve(text_.size());
  size_t start = 0;
  utf8proc_int32_t state = 0;
  char32_t prev = 0;
  for (size_t pos = 0; pos <= text_.size();) {
    const size_t here = pos;
    const char32_t c = pos < text_.size() ? next_codepoint(text_, pos) : 0;
    const bool at_end = here == text_.size();
    if (here > start &&
        (at_end || utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                                    static_cast<utf8proc_int32_t>(c), &state))) {
      const std::string out = transform(std::string_view(text_).substr(start, here - start));
      text += out;
      align.insert(align.end(), out.size(), Offset{align_[start].begin, align_[here - 1].end});
      start = here;
    }
    if (at_end) break;
    prev = c;
  }
  text_ = std::move(text);
  align_ = std::move(align);
}

}  // namespace lowspec::tokenizer
