#include "tokenizer/streaming_detokenizer.h"

#include <algorithm>
#include <span>

#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

bool ends_with_replacement_char(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}

// The part of `now` after `before`, starting on a character boundary (decoders normally only
// append, so this is the new text).
std::string new_part(const std::string& before, const std::string& now) {
  size_t start = std::min(before.size(), now.size());
  while (start < now.size() && (static_cast<uint8_t>(now[start]) & 0xC0) == 0x80) ++start;
  return now.substr(start);
}

}  // namespace

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(tokenizer), options_(options) {
  // Clean-up rewrites text already emitted (" ." -> "."), so it cannot stream.
  options_.clean_up_tokenization_spaces = false;
}

std::string StreamingDetokenizer::decode_range(size_t begin, size_t end) const {
  return tokenizer_.decode(std::span<const int32_t>(ids_).subspan(begin, end - begin), options_);
}

std::string StreamingDetokenizer::push(int32_t id) {
  ids_.push_back(id);
  // Decoding the previous tokens along with the new ones keeps the spaces that decoders strip
  // or add at the start of a sequence right.
  const std::string before = decode_range(prefix_, read_);
  const std::string now = decode_range(prefix_, ids_.size());
  if (now.size() <= before.size() || ends_with_replacement_char(now)) return "";
  const size_t complete = complete_utf8_prefix(now);
  if (complete < now.size()) return "";
  prefix_ = read_;
  read_ = ids_.size();
  return new_part(before, now);
}

std::string StreamingDetokenizer::finish() {
  const std::string before = decode_range(prefix_, read_);
  const std::string now = decode_range(prefix_, ids_.size());
  prefix_ = read_ = ids_.size();
  return new_part(before, now);
}

}  // namespace lowspec::tokenizer
