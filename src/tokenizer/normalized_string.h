// A piece of text being normalized and split, that remembers for every byte which bytes of the
// original input it came from, so tokens get offsets into the user's text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/encoding.h"

namespace lowspec::tokenizer {

class NormalizedString {
 public:
  NormalizedString() = default;
  // original[begin, end) of a text whose byte 0 has offset `base` in the user's input.
  NormalizedString(std::string_view original, size_t base);

  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }
  // Original byte range covered by the normalized bytes [begin, end).
  Offset original_range(size_t begin, size_t end) const;
  // Where this piece starts in the original input.
  size_t original_begin() const { return original_.begin; }

  // The normalized bytes [begin, end) as their own piece.
  NormalizedString slice(size_t begin, size_t end) const;

  // Rebuilds the text one character at a time: f(code point, std::string& out) appends the
  // character's replacement to out, the new text so far (nothing removes it). New bytes map to
  // the character's origin.
  template <typename F>
  void map_chars(F&& f);
  // Replaces the byte ranges [begin, end) of `spans` (sorted, disjoint) by their text.
  struct Replacement {
    size_t begin, end;
    std::string text;
  };
  void replace_spans(const std::vector<Replacement>& spans);
  // Applies `transform` to each run of text that cannot interact with its neighbours (an
  // extended grapheme cluster), as Unicode normalization needs.
  template <typename F>
  void map_clusters(F&& transform);
  void prepend(std::string_view s);
  void append(std::string_view s);

 private:
  std::string text_;
  std::vector<Offset> align_;  // per byte of text_
  Offset original_;            // the whole original range (kept when the text becomes empty)
};

}  // namespace lowspec::tokenizer

#include "tokenizer/normalized_string_impl.h"
