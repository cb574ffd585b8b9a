// libFuzzer: arbitrary text through the real tokenizers of the fixtures (WordPiece, byte-level
// BPE, SentencePiece-style BPE with byte fallback). Invalid UTF-8 must be an Error; valid text
// must give offsets inside the text, decode, stream and truncate without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/streaming_detokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace {

const std::vector<std::unique_ptr<lowspec::tokenizer::Tokenizer>>& tokenizers() {
  static const auto all = [] {
    std::vector<std::unique_ptr<lowspec::tokenizer::Tokenizer>> v;
    const std::string base = std::string(LOWSPEC_FIXTURES) + "/tokenizers/hf/";
    for (const char* dir : {"bert-base-uncased", "phi-2", "tinyllama-1.1b-chat-v1.0"})
      v.push_back(lowspec::tokenizer::load_tokenizer(base + dir));
    return v;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lowspec::tokenizer;
  if (size == 0) return 0;
  const auto& tok = *tokenizers()[data[0] % tokenizers().size()];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool valid = find_invalid_utf8(text) == std::string::npos;
  try {
    const Encoding e = tok.encode(text, (data[0] & 4) != 0);
    if (!valid) std::abort();  // invalid UTF-8 must not be accepted
    for (const Offset& o : e.offsets)
      if (o.begin > o.end || o.end > text.size()) std::abort();
    tok.decode(e.ids);
    StreamingDetokenizer stream(tok);
    for (int32_t id : e.ids)
      if (find_invalid_utf8(stream.push(id)) != std::string::npos) std::abort();
    const std::string_view second = std::string_view(text).substr(text.size() / 2);
    std::string_view first = std::string_view(text).substr(0, text.size() / 2);
    while (!first.empty() && find_invalid_utf8(first) != std::string::npos) first.remove_suffix(1);
    if (find_invalid_utf8(second) == std::string::npos)
      tok.encode_truncated(first, &second,
                           {.max_length = 16, .stride = 4, .strategy = TruncationStrategy::kLongestFirst,
                            .direction = Side::kRight, .return_overflowing = true});
  } catch (const lowspec::Error&) {
    // invalid UTF-8, or a truncation that leaves no room (both user errors)
  }
  return 0;
}
