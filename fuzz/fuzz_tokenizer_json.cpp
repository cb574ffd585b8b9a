// libFuzzer: arbitrary bytes as a tokenizer.json. Loading must either succeed or throw
// lowspec::Error; a loaded tokenizer must encode and decode a sample text without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "tokenizer/pipeline_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lowspec;
  std::unique_ptr<tokenizer::PipelineTokenizer> tok;
  try {
    tok = tokenizer::parse_tokenizer_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const Error&) {
    return 0;
  }
  for (const char* text : {"Hello world! ab  12 caf\xC3\xA9 \xF0\x9F\x98\x80", "", " "}) {
    try {
      const tokenizer::Encoding e = tok->encode_pair(text, "b a", true);
      for (const auto& o : e.offsets)
        if (o.begin > o.end) std::abort();
      tok->decode(e.ids, {.skip_special_tokens = false, .clean_up_tokenization_spaces = std::nullopt});
      tok->decode(e.ids, {.skip_special_tokens = true, .clean_up_tokenization_spaces = std::nullopt});
    } catch (const Error&) {
      // e.g. a template naming an id outside the vocabulary
    }
  }
  return 0;
}
