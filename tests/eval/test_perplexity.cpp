#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/json_util.h"
#include "eval/perplexity.h"
#include "test_util.h"

namespace lowspec::eval {
namespace {

TEST(Perplexity, FixtureCases) {
  LOWSPEC_REQUIRE_FIXTURE("metrics/perplexity.json");
  Json doc = load_json_file(test::fixture("metrics/perplexity.json"));
  ASSERT_FALSE(doc["cases"].empty());
  for (const Json& c : doc["cases"]) {
    SCOPED_TRACE(c["id"].get<std::string>());
    std::vector<double> logprobs = c["token_logprobs"];
    PerplexitySummary s = perplexity_from_logprobs(logprobs);
    EXPECT_EQ(s.tokens, c["n_tokens"].get<size_t>());
    EXPECT_NEAR(s.sum_logprob, c["sum_logprob"].get<double>(), 1e-12);
    EXPECT_NEAR(s.mean_nll, c["mean_nll"].get<double>(), 1e-12);
    EXPECT_NEAR(s.perplexity, c["perplexity"].get<double>(), 1e-9 * c["perplexity"].get<double>());
    EXPECT_NEAR(s.bits_per_token, c["bits_per_token"].get<double>(), 1e-12);
  }
}

TEST(Perplexity, CertainTokensGiveOne) {
  std::vector<double> zeros(5, 0.0);
  EXPECT_EQ(perplexity_from_logprobs(zeros).perplexity, 1.0);
}

TEST(Perplexity, LongSumsStayAccurate) {
  std::vector<double> logprobs(1000000, -0.1);
  EXPECT_NEAR(perplexity_from_logprobs(logprobs).mean_nll, 0.1, 1e-15);
}

TEST(Perplexity, RejectsEmptyAndInvalidInput) {
  EXPECT_THROW(perplexity_from_logprobs({}), Error);
  std::vector<double> positive = {-1.0, 0.5};
  EXPECT_THROW(perplexity_from_logprobs(positive), Error);
  std::vector<double> nan = {std::numeric_limits<double>::quiet_NaN()};
  EXPECT_THROW(perplexity_from_logprobs(nan), Error);
}

}  // namespace
}  // namespace lowspec::eval
