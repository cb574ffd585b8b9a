#include <gtest/gtest.h>

#include "core/json_util.h"
#include "eval/bleu.h"
#include "test_util.h"

namespace lowspec::eval {
namespace {

BleuOptions options_of(const Json& o) {
  BleuOptions options;
  if (o.contains("tokenize")) options.tokenizer = parse_bleu_tokenizer(o["tokenize"]);
  if (o.contains("lowercase")) options.lowercase = o["lowercase"];
  return options;
}

void expect_score(const BleuScore& got, const Json& want) {
  EXPECT_NEAR(got.score, want["score"].get<double>(), 1e-9 * std::max(1.0, want["score"].get<double>()));
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    EXPECT_EQ(got.counts[n], want["counts"][n].get<int64_t>()) << "order " << n + 1;
    EXPECT_EQ(got.totals[n], want["totals"][n].get<int64_t>()) << "order " << n + 1;
    EXPECT_NEAR(got.precisions[n], want["precisions"][n].get<double>(), 1e-9) << "order " << n + 1;
  }
  EXPECT_NEAR(got.bp, want["bp"].get<double>(), 1e-12);
  EXPECT_EQ(got.sys_len, want["sys_len"].get<int64_t>());
  EXPECT_EQ(got.ref_len, want["ref_len"].get<int64_t>());
}

class SacreBleuFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    LOWSPEC_REQUIRE_FIXTURE("metrics/sacrebleu.json");
    doc_ = load_json_file(test::fixture("metrics/sacrebleu.json"));
  }
  Json doc_;
};

TEST_F(SacreBleuFixture, CorpusScores) {
  ASSERT_FALSE(doc_["corpus"].empty());
  for (const Json& c : doc_["corpus"]) {
    SCOPED_TRACE(c["id"].get<std::string>());
    std::vector<std::string> hyps = c["hypotheses"];
    std::vector<std::vector<std::string>> refs(hyps.size());
    for (const Json& stream : c["references"])
      for (size_t i = 0; i < hyps.size(); ++i) refs[i].push_back(stream[i]);
    expect_score(corpus_bleu(hyps, refs, options_of(c["options"])), c);
  }
}

TEST_F(SacreBleuFixture, SentenceScores) {
  ASSERT_FALSE(doc_["sentence"].empty());
  for (const Json& c : doc_["sentence"]) {
    SCOPED_TRACE(c["id"].get<std::string>());
    expect_score(sentence_bleu(c["hypothesis"].get<std::string>(), c["references"], options_of(c["options"])), c);
  }
}

TEST_F(SacreBleuFixture, Tokenizer13a) {
  ASSERT_FALSE(doc_["tokenizer_13a"].empty());
  for (const Json& c : doc_["tokenizer_13a"])
    EXPECT_EQ(tokenize_13a(c["text"].get<std::string>()), c["tokenized_13a"].get<std::string>()) << c["text"];
}

TEST(Bleu, Tokenizer13aRules) {
  // Numbers keep their separators; a dash after a digit is split; HTML entities are unescaped.
  EXPECT_EQ(tokenize_13a("3.5 and 1,000, ok."), "3.5 and 1,000 , ok .");
  EXPECT_EQ(tokenize_13a("1990-1995 well-known"), "1990 - 1995 well-known");
  EXPECT_EQ(tokenize_13a("a &lt;b&gt; &quot;c&quot; <skipped>d"), "a < b > \" c \" d");
  EXPECT_EQ(tokenize_13a("line-\nbreak\nnext"), "linebreak next");
  EXPECT_EQ(tokenize_13a("don't"), "don't");
  EXPECT_EQ(tokenize_13a("é.x"), "é . x");
}

TEST(Bleu, ClosestReferenceLengthPrefersTheShorterOnTies) {
  BleuOptions none{BleuTokenizer::kNone, false};
  // Hypothesis of 4 tokens; references of 3 and 5 tokens are equally close -> 3.
  BleuStats s = bleu_segment_stats("a b c d", {"a b c d e", "a b c"}, none);
  EXPECT_EQ(s.sys_len, 4);
  EXPECT_EQ(s.ref_len, 3);
  // Clipping takes each n-gram's maximum count over the references.
  BleuStats clipped = bleu_segment_stats("x x x", {"x y", "x x z"}, none);
  EXPECT_EQ(clipped.correct[0], 2);
  EXPECT_EQ(clipped.total[0], 3);
}

TEST(Bleu, EmptyReferencesAreSkippedButOneIsNeeded) {
  BleuOptions defaults;
  BleuStats s = bleu_segment_stats("the cat", {"", "the cat"}, defaults);
  EXPECT_EQ(s.ref_len, 2);
  EXPECT_THROW(bleu_segment_stats("the cat", {"", ""}, defaults), Error);
  EXPECT_THROW(parse_bleu_tokenizer("intl"), Error);
}

TEST(Bleu, LowercaseIsUnicode) {
  BleuOptions lower{BleuTokenizer::kNone, true};
  EXPECT_NEAR(sentence_bleu("ÜBER ALLES", {"über alles"}, lower).score, 100.0, 1e-9);
}

}  // namespace
}  // namespace lowspec::eval
