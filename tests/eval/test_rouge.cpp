#include <gtest/gtest.h>

#include "core/json_util.h"
#include "eval/porter_stemmer.h"
#include "eval/rouge.h"
#include "test_util.h"

namespace lowspec::eval {
namespace {

void expect_figure(const RougeFigure& got, const Json& want, const char* name) {
  EXPECT_NEAR(got.precision, want["precision"].get<double>(), 1e-12) << name;
  EXPECT_NEAR(got.recall, want["recall"].get<double>(), 1e-12) << name;
  EXPECT_NEAR(got.fmeasure, want["fmeasure"].get<double>(), 1e-12) << name;
}

void expect_scores(const RougeScores& got, const Json& want) {
  expect_figure(got.rouge1, want["rouge1"], "rouge1");
  expect_figure(got.rouge2, want["rouge2"], "rouge2");
  expect_figure(got.rougeL, want["rougeL"], "rougeL");
  expect_figure(got.rougeLsum, want["rougeLsum"], "rougeLsum");
}

class RougeFixture : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    LOWSPEC_REQUIRE_FIXTURE("metrics/rouge.json");
    doc_ = load_json_file(test::fixture("metrics/rouge.json"));
    setting_ = GetParam() ? "use_stemmer=true" : "use_stemmer=false";
  }
  Json doc_;
  std::string setting_;
};

TEST_P(RougeFixture, TokensOfTheDefaultTokenizer) {
  for (const Json& pair : doc_["pairs"]) {
    SCOPED_TRACE(pair["id"].get<std::string>());
    const Json& tokens = pair["tokens"][setting_];
    EXPECT_EQ(rouge_tokenize(pair["target"].get<std::string>(), GetParam()), tokens["target"].get<std::vector<std::string>>());
    EXPECT_EQ(rouge_tokenize(pair["prediction"].get<std::string>(), GetParam()),
              tokens["prediction"].get<std::vector<std::string>>());
  }
}

TEST_P(RougeFixture, PerPairAndMean) {
  const Json& results = doc_["results"][setting_];
  ASSERT_EQ(results["per_pair"].size(), doc_["pairs"].size());
  RougeAccumulator total;
  for (size_t i = 0; i < doc_["pairs"].size(); ++i) {
    const Json& pair = doc_["pairs"][i];
    SCOPED_TRACE(pair["id"].get<std::string>());
    RougeScores s = rouge_score(pair["target"].get<std::string>(), pair["prediction"].get<std::string>(), GetParam());
    expect_scores(s, results["per_pair"][i]);
    total.add(s);
  }
  expect_scores(total.mean(), results["mean"]);
}

INSTANTIATE_TEST_SUITE_P(Stemmer, RougeFixture, ::testing::Bool());

TEST(Rouge, MultiReferenceTakesTheBestTargetPerType) {
  RougeScores a = rouge_score("the cat sat", "the cat sat on the mat", false);
  RougeScores b = rouge_score("on the mat the cat sat", "the cat sat on the mat", false);
  RougeScores best = rouge_score_multi({"the cat sat", "on the mat the cat sat"}, "the cat sat on the mat", false);
  EXPECT_DOUBLE_EQ(best.rouge1.fmeasure, std::max(a.rouge1.fmeasure, b.rouge1.fmeasure));
  EXPECT_DOUBLE_EQ(best.rougeL.fmeasure, std::max(a.rougeL.fmeasure, b.rougeL.fmeasure));
  EXPECT_DOUBLE_EQ(best.rouge1.recall, 1.0);
  EXPECT_THROW(rouge_score_multi({}, "x", false), Error);
}

TEST(Rouge, LsumCountsEachTokenAtMostOnce) {
  // Both prediction sentences cover "a b" of the one target sentence; the union counts it once.
  RougeScores s = rouge_score("a b", "a b\na b", false);
  EXPECT_DOUBLE_EQ(s.rougeLsum.recall, 1.0);
  EXPECT_DOUBLE_EQ(s.rougeLsum.precision, 0.5);
}

TEST(PorterStemmer, NltkExtensionsMode) {
  const std::pair<const char*, const char*> cases[] = {
      {"caresses", "caress"}, {"ponies", "poni"},     {"ties", "tie"},        {"flies", "fli"},
      {"dies", "die"},        {"died", "die"},       {"spied", "spi"},       {"agreed", "agre"},
      {"feed", "feed"},       {"plastered", "plaster"}, {"motoring", "motor"}, {"sing", "sing"},
      {"hopping", "hop"},     {"falling", "fall"},   {"filing", "file"},     {"happy", "happi"},
      {"enjoy", "enjoy"},     {"relational", "relat"}, {"conditional", "condit"}, {"generously", "gener"},
      {"happiness", "happi"}, {"skies", "sky"},      {"dying", "die"},       {"proceed", "proceed"},
      {"radically", "radic"}, {"archaeology", "archaeolog"}, {"geology", "geolog"}, {"controlling", "control"},
      {"is", "is"},           {"a", "a"}};
  for (const auto& [word, stem] : cases) EXPECT_EQ(porter_stem(word), stem) << word;
}

}  // namespace
}  // namespace lowspec::eval
