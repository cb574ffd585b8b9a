// Pipeline components on small inputs whose results the Hugging Face tokenizers documentation
// states, plus byte offsets and long-word behaviour.
#include <gtest/gtest.h>

#include "test_util.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pipeline_tokenizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {
namespace {

using lowspec::test::fixture;

std::vector<std::string> pre_tokenize(const Json& config, const std::string& text) {
  const auto p = parse_pre_tokenizer(config, "test");
  std::vector<TextPiece> pieces{{NormalizedString(text, 0), std::nullopt}};
  p->pre_tokenize(pieces);
  std::vector<std::string> out;
  for (const TextPiece& piece : pieces) out.push_back(piece.text.text());
  return out;
}

std::string normalize(const Json& config, const std::string& text) {
  NormalizedString s(text, 0);
  parse_normalizer(config, "test")->normalize(s);
  return s.text();
}

using Pieces = std::vector<std::string>;

TEST(PreTokenizers, SplitBehaviors) {
  const std::string text = "the-final--countdown";
  auto split = [&](const char* behavior) {
    return pre_tokenize({{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", false}}, text);
  };
  EXPECT_EQ(split("Removed"), (Pieces{"the", "final", "countdown"}));
  EXPECT_EQ(split("Isolated"), (Pieces{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split("MergedWithPrevious"), (Pieces{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split("MergedWithNext"), (Pieces{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split("Contiguous"), (Pieces{"the", "-", "final", "--", "countdown"}));
}

TEST(PreTokenizers, SplitRegexInverted) {
  // invert: the matches are the pieces kept.
  EXPECT_EQ(pre_tokenize({{"type", "Split"}, {"pattern", {{"Regex", "\\d+"}}}, {"behavior", "Removed"}, {"invert", true}},
                         "ab12cd345"),
            (Pieces{"12", "345"}));
}

TEST(PreTokenizers, WhitespaceDigitsPunctuation) {
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, "Hello there!"), (Pieces{"Hello", "there", "!"}));
  EXPECT_EQ(pre_tokenize({{"type", "WhitespaceSplit"}}, "Hello there!\tx"), (Pieces{"Hello", "there!", "x"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "Call 123 please"),
            (Pieces{"Call ", "1", "2", "3", " please"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "Call 123 please"),
            (Pieces{"Call ", "123", " please"}));
  EXPECT_EQ(pre_tokenize({{"type", "Punctuation"}}, "Hey friend!?"), (Pieces{"Hey friend", "!", "?"}));
  EXPECT_EQ(pre_tokenize({{"type", "BertPreTokenizer"}}, "Hey  friend!"), (Pieces{"Hey", "friend", "!"}));
}

TEST(PreTokenizers, MetaspaceAndByteLevel) {
  EXPECT_EQ(pre_tokenize({{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}}, "Hey friend!"),
            (Pieces{"\u2581Hey", "\u2581friend!"}));
  EXPECT_EQ(pre_tokenize({{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "never"}}, "Hey friend"),
            (Pieces{"Hey", "\u2581friend"}));
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}}, "Hello my friend"),
            (Pieces{"Hello", "\u0120my", "\u0120friend"}));
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", true}}, "Hi"), (Pieces{"\u0120Hi"}));
  EXPECT_EQ(pre_tokenize({{"type", "Sequence"}, {"pretokenizers", {{{"type", "WhitespaceSplit"}}, {{"type", "Digits"}, {"individual_digits", true}}}}},
                         "a12 b"),
            (Pieces{"a", "1", "2", "b"}));
}

TEST(Normalizers, UnicodeFormsAndCase) {
  EXPECT_EQ(normalize({{"type", "NFKC"}}, "\uFB01ne"), "fine");           // ﬁ ligature
  EXPECT_EQ(normalize({{"type", "NFC"}}, "cafe\u0301"), "caf\u00E9");
  EXPECT_EQ(normalize({{"type", "NFD"}}, "caf\u00E9"), "cafe\u0301");
  EXPECT_EQ(normalize({{"type", "NFKD"}}, "\u00B2"), "2");
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "HeLLo \u0130"), "hello i\u0307");
  EXPECT_EQ(normalize({{"type", "Sequence"}, {"normalizers", {{{"type", "NFD"}}, {{"type", "StripAccents"}}}}}, "\u00E9t\u00E9"), "ete");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}, "  x y \n"), "x y");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", " "}}, "a \t\nb"), "a b");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", "_"}}, "x"), "_x");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", "_"}}, ""), "");
  EXPECT_EQ(normalize({{"type", "BertNormalizer"}, {"lowercase", true}}, "A\u00A0B\u200B\u4E2D"), "a b \u4E2D ");
}

TEST(Models, UnigramViterbi) {
  Vocab vocab;
  std::vector<double> scores;
  for (auto [piece, score] : std::vector<std::pair<std::string, double>>{
           {"<unk>", 0}, {"a", -1}, {"b", -1}, {"ab", -1.5}, {"abc", -10}, {"c", -3}}) {
    vocab.push_back(piece);
    scores.push_back(score);
  }
  const auto model = make_unigram(std::move(vocab), scores, 0, false, "test");
  std::vector<ModelToken> out;
  model->tokenize("abc", out);  // ab+c = -4.5 beats a+b+c = -5 and abc = -10
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, 3);
  EXPECT_EQ(out[1].id, 5);
  out.clear();
  model->tokenize("abxy", out);  // unknown characters fuse into one <unk>
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].id, 0);
  EXPECT_EQ(out[1].begin, 2u);
  EXPECT_EQ(out[1].end, 4u);
}

TEST(Offsets, BytesOfTheOriginalText) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  const auto bert = load_tokenizer(fixture("tokenizers/hf/bert-base-uncased"));
  const Encoding e = bert->encode("Café, world", false);  // é is two bytes; accents are stripped
  ASSERT_EQ(e.tokens, (std::vector<std::string>{"cafe", ",", "world"}));
  EXPECT_EQ(e.offsets, (std::vector<Offset>{{0, 5}, {5, 6}, {7, 12}}));

  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json");
  const auto llama = load_tokenizer(fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0"));
  const Encoding l = llama->encode("Hello world", false);
  EXPECT_EQ(l.offsets, (std::vector<Offset>{{0, 5}, {5, 11}}));
}

TEST(Bpe, HundredKilobyteWordRoundTrips) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/phi-2/tokenizer.json");
  const auto tok = load_tokenizer(fixture("tokenizers/hf/phi-2"));
  std::string word;
  while (word.size() < 100000) word += "abracadabra";
  const Encoding e = tok->encode(word, false);
  EXPECT_GT(e.size(), 1000u);
  EXPECT_EQ(tok->decode(e.ids), word);
  EXPECT_EQ(e.offsets.back().end, word.size());
}

// The reader takes model.vocab and model.merges out of the JSON events: both merge forms,
// and a repeated vocab key keeping its last id as a JSON object does.
TEST(Bpe, TokenizerJsonTablesRead) {
  const auto tok = parse_tokenizer_json(
      R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "c": 3, "abc": 4, "c": 5},
          "merges": [["a", "b"], "ab c"]}})", "test");
  EXPECT_EQ(tok->encode("abc", false).ids, std::vector<int32_t>{4});
  EXPECT_EQ(tok->token_to_id("c"), 5);
  EXPECT_FALSE(tok->token_to_id("abcd").has_value());
  EXPECT_THROW(parse_tokenizer_json(
                   R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "a", "a"]]}})", "t"),
               Error);
  EXPECT_THROW(parse_tokenizer_json(R"({"model": {"type": "BPE", "vocab": {"a": {"id": 0}}, "merges": []}})", "t"),
               Error);
}

// Words of a SentencePiece-style BPE are merged in parts cut before each metaspace, unless some
// merge joins a character to a following metaspace; cached parts keep their own offsets.
TEST(Bpe, MetaspaceCutsOnlyWhenNoMergeCrossesThem) {
  const char* vocab = R"("a": 0, "▁": 1, "b": 2, "▁b": 3, "a▁b": 4)";
  const auto crossing = parse_tokenizer_json(
      std::string(R"({"model": {"type": "BPE", "vocab": {)") + vocab +
          R"(}, "merges": ["▁ b", "a ▁b"]}})", "test");
  EXPECT_EQ(crossing->encode("a▁b", false).ids, std::vector<int32_t>{4});
  const auto cut = parse_tokenizer_json(
      std::string(R"({"model": {"type": "BPE", "vocab": {)") + vocab + R"(}, "merges": ["▁ b"]}})",
      "test");
  const Encoding e = cut->encode("a▁b▁b", false);
  EXPECT_EQ(e.ids, (std::vector<int32_t>{0, 3, 3}));
  EXPECT_EQ(e.offsets, (std::vector<Offset>{{0, 1}, {1, 5}, {5, 9}}));
}

}  // namespace
}  // namespace lowspec::tokenizer
