// Incremental decoding for generation: ids arrive one at a time and text is emitted as soon as
// it is final, never cutting a character (byte-fallback and byte-level tokens can hold part of
// one). Works for every tokenizer because it only compares decodes of a short window of ids.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {

class StreamingDetokenizer {
 public:
  // options.clean_up_tokenization_spaces is ignored: clean-up would rewrite emitted text.
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, DecodeOptions options = {});

  // Adds one id; returns the new final text (possibly empty).
  std::string push(int32_t id);
  // At the end of the stream: whatever is still held back (an incomplete character decodes
  // to U+FFFD).
  std::string finish();

 private:
  std::string decode_range(size_t begin, size_t end) const;

  const Tokenizer& tokenizer_;
  DecodeOptions options_;
  std::vector<int32_t> ids_;
  size_t prefix_ = 0;  // start of the window decoded for context
  size_t read_ = 0;    // ids before this are already emitted
};

}  // namespace lowspec::tokenizer
