// The streaming detokenizer emits exactly the full decode, piece by piece, never inside a
// character.
#include <gtest/gtest.h>

#include "test_util.h"
#include "tokenizer/streaming_detokenizer.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

using lowspec::test::fixture;

void check_stream(const Tokenizer& tok, const std::string& text) {
  const Encoding e = tok.encode(text, false);
  StreamingDetokenizer stream(tok);
  std::string streamed;
  for (int32_t id : e.ids) {
    const std::string piece = stream.push(id);
    EXPECT_EQ(find_invalid_utf8(piece), std::string::npos);
    EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos) << "a replacement character was emitted";
    streamed += piece;
  }
  streamed += stream.finish();
  // Streaming never applies clean-up (it would rewrite text already emitted).
  EXPECT_EQ(streamed, tok.decode(e.ids, {.skip_special_tokens = false, .clean_up_tokenization_spaces = false}));
}

const char* kText = "Hello world! 😀 café, 東京 and  two  spaces\nnew line 👩‍👩‍👧 end";

TEST(StreamingDetokenizer, ByteFallbackLlama) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json");
  const auto tok = load_tokenizer(fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0"));
  check_stream(*tok, kText);
  // The emoji is four byte tokens: nothing comes out until the last one.
  const Encoding e = tok->encode("😀", false);
  ASSERT_EQ(e.size(), 5u);  // "▁" then <0xF0> <0x9F> <0x98> <0x80>
  StreamingDetokenizer stream(*tok);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(stream.push(e.ids[i]), "") << i;
  EXPECT_EQ(stream.push(e.ids[4]), "😀");
}

TEST(StreamingDetokenizer, ByteLevelPhi2) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/phi-2/tokenizer.json");
  check_stream(*load_tokenizer(fixture("tokenizers/hf/phi-2")), kText);
}

// Found by fuzz_tokenizer_encode: clean-up used to rewrite " ' " after it was emitted, and the
// next piece started inside a character.
TEST(StreamingDetokenizer, ByteLevelQuoteBeforeIdeograph) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/phi-2/tokenizer.json");
  check_stream(*load_tokenizer(fixture("tokenizers/hf/phi-2")), " ' \uF97Fz");
}

TEST(StreamingDetokenizer, WordPieceBert) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  check_stream(*load_tokenizer(fixture("tokenizers/hf/bert-base-uncased")), "hello world, unaffable tokens");
}

TEST(StreamingDetokenizer, SentencePieceModel) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.model");
  check_stream(*load_tokenizer(fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.model")), kText);
}

}  // namespace
}  // namespace lowspec::tokenizer
