#include "tokenizer/streaming_detokenizer.h"

#include <span>

#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

bool ends_with_replacement_char(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}

}  // namespace

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(tokenizer), options_(options) {}

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
  return now.substr(before.size());
}

std::string StreamingDetokenizer::finish() {
  const std::string before = decode_range(prefix_, read_);
  const std::string now = decode_range(prefix_, ids_.size());
  prefix_ = read_ = ids_.size();
  return now.size() > before.size() ? now.substr(before.size()) : "";
}

}  // namespace lowspec::tokenizer
