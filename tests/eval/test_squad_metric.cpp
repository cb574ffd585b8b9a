#include <gtest/gtest.h>

#include "core/json_util.h"
#include "eval/squad_metric.h"
#include "test_util.h"

namespace lowspec::eval {
namespace {

std::vector<std::string> strings(const Json& j) { return j.get<std::vector<std::string>>(); }

TEST(SquadMetric, MatchesOfficialScriptOnEveryFixtureCase) {
  LOWSPEC_REQUIRE_FIXTURE("metrics/squad_v1.1.json");
  Json doc = load_json_file(test::fixture("metrics/squad_v1.1.json"));
  ASSERT_FALSE(doc["cases"].empty());
  for (const Json& c : doc["cases"]) {
    SCOPED_TRACE(c["id"].get<std::string>());
    std::string prediction = c["prediction"];
    auto truths = strings(c["ground_truths"]);
    EXPECT_EQ(squad_normalize(prediction), c["normalized_prediction"].get<std::string>());
    for (size_t i = 0; i < truths.size(); ++i) {
      EXPECT_EQ(squad_normalize(truths[i]), c["normalized_ground_truths"][i].get<std::string>());
      EXPECT_EQ(squad_exact_match(prediction, truths[i]), c["exact_match_per_gt"][i].get<double>());
      EXPECT_DOUBLE_EQ(squad_f1(prediction, truths[i]), c["f1_per_gt"][i].get<double>());
    }
    SquadScore s = squad_score(prediction, truths);
    EXPECT_EQ(s.exact_match, c["exact_match"].get<double>());
    EXPECT_DOUBLE_EQ(s.f1, c["f1"].get<double>());
  }
}

TEST(SquadMetric, ArticlesAreWholeUnicodeWords) {
  // Python's \b is Unicode-aware: "thé" and "aé" are words of their own, not articles.
  EXPECT_EQ(squad_normalize("Thé A aé an_x"), "thé aé anx");
  EXPECT_EQ(squad_normalize("An apple, the pear."), "apple pear");
  EXPECT_EQ(squad_normalize("ÉCOLE Σ"), "école σ");
  // Non-ASCII whitespace separates tokens as str.split() does.
  EXPECT_EQ(squad_normalize("ten\u00a0euros\u3000now"), "ten euros now");
}

TEST(SquadMetric, F1CountsRepeatedTokensOnce) {
  EXPECT_DOUBLE_EQ(squad_f1("cat cat dog", "cat dog dog"), 2.0 / 3.0);
  EXPECT_EQ(squad_f1("", ""), 0.0);
  EXPECT_EQ(squad_exact_match("", "a"), 1.0);
}

TEST(SquadMetric, AccumulatorGivesPercentWithUnansweredAsZero) {
  SquadAccumulator total;
  total.add({1.0, 1.0});
  total.add({0.0, 0.5});
  total.add_unanswered();
  total.add({1.0, 0.25});
  SquadScore p = total.percent();
  EXPECT_DOUBLE_EQ(p.exact_match, 50.0);
  EXPECT_DOUBLE_EQ(p.f1, 100.0 * 1.75 / 4);
  EXPECT_EQ(total.questions(), 4u);
}

TEST(SquadMetric, NoGroundTruthIsAnError) { EXPECT_THROW(squad_score("x", {}), Error); }

}  // namespace
}  // namespace lowspec::eval
