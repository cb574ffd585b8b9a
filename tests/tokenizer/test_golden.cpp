// Every golden encoding and decoding in fixtures/tokenizers/golden, through each reader that can
// load the tokenizer (tokenizer.json, vocab.txt, tokenizer.model).
#include <gtest/gtest.h>

#include "core/json_util.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {
namespace {

using lowspec::test::fixture;

std::vector<int32_t> ids_of(const Json& j) { return j.get<std::vector<int32_t>>(); }

std::string case_name(const Json& c) { return c.contains("id") ? c["id"].get<std::string>() : "?"; }

// Checks the encode/decode fields of a tokenizer-golden/1 file against one tokenizer.
void check_golden_cases(const Tokenizer& tok, const Json& golden, bool check_decoding) {
  for (const Json& c : golden["cases"]) {
    SCOPED_TRACE(case_name(c));
    const std::string text = c["text"];
    EXPECT_EQ(tok.encode(text).ids, ids_of(c["ids"]));
    const Encoding plain = tok.encode(text, false);
    EXPECT_EQ(plain.ids, ids_of(c["ids_no_special"]));
    EXPECT_EQ(plain.tokens, c["tokens_no_special"].get<std::vector<std::string>>());
    // Offsets are byte ranges of the text, in order.
    for (const Offset& o : plain.offsets) {
      EXPECT_LE(o.begin, o.end);
      EXPECT_LE(o.end, text.size());
    }
    if (!check_decoding) continue;
    EXPECT_EQ(tok.decode(ids_of(c["ids"])), c["decoded"].get<std::string>());
    EXPECT_EQ(tok.decode(ids_of(c["ids"]), {.skip_special_tokens = true, .clean_up_tokenization_spaces = std::nullopt}),
              c["decoded_skip_special"].get<std::string>());
    EXPECT_EQ(tok.decode(ids_of(c["ids_no_special"])), c["decoded_no_special_ids"].get<std::string>());
  }
  for (const Json& p : golden["pairs"]) {
    SCOPED_TRACE(p["text"].get<std::string>() + " | " + p["text_pair"].get<std::string>());
    const Encoding e = tok.encode_pair(p["text"].get<std::string>(), p["text_pair"].get<std::string>());
    EXPECT_EQ(e.ids, ids_of(p["input_ids"]));
    if (p.contains("token_type_ids")) {
      EXPECT_EQ(e.type_ids, ids_of(p["token_type_ids"]));
    }
  }
}

Json load_golden(const std::string& name) { return load_json_file(fixture("tokenizers/golden/" + name)); }

TEST(TokenizerGolden, BertTokenizerJson) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/golden/bert-base-uncased.json");
  const auto tok = load_tokenizer(fixture("tokenizers/hf/bert-base-uncased"));
  check_golden_cases(*tok, load_golden("bert-base-uncased.json"), true);
}

TEST(TokenizerGolden, BertVocabTxt) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/vocab.txt");
  const auto tok = load_tokenizer(fixture("tokenizers/hf/bert-base-uncased/vocab.txt"));
  check_golden_cases(*tok, load_golden("bert-base-uncased.json"), true);
}

TEST(TokenizerGolden, Phi2TokenizerJson) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/golden/phi-2.json");
  const auto tok = load_tokenizer(fixture("tokenizers/hf/phi-2"));
  check_golden_cases(*tok, load_golden("phi-2.json"), true);
}

TEST(TokenizerGolden, TinyLlamaTokenizerJson) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/golden/tinyllama-1.1b-chat-v1.0.json");
  const auto tok = load_tokenizer(fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0"));
  check_golden_cases(*tok, load_golden("tinyllama-1.1b-chat-v1.0.json"), true);
}

TEST(TokenizerGolden, SentencePieceModel) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/golden/llama2-sentencepiece.json");
  const Json golden = load_golden("llama2-sentencepiece.json");
  const auto tok = load_tokenizer(fixture(golden["model_file"]));
  for (const Json& c : golden["cases"]) {
    SCOPED_TRACE(case_name(c));
    const Encoding e = tok->encode(c["text"].get<std::string>(), false);
    EXPECT_EQ(e.ids, ids_of(c["ids"]));
    EXPECT_EQ(e.tokens, c["pieces"].get<std::vector<std::string>>());
    EXPECT_EQ(tok->decode(e.ids), c["decoded"].get<std::string>());
  }
}

}  // namespace
}  // namespace lowspec::tokenizer
