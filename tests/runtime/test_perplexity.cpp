// Sliding-window perplexity: window selection on hand-made cases, and every perplexity.json case.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/json_util.h"
#include "models/decoder.h"
#include "models/test_decoder_golden.h"
#include "runtime/perplexity.h"

using namespace lowspec;

namespace {
struct Expect {
  int64_t begin, end, first_scored;
};
void expect_windows(int64_t T, int64_t ctx, int64_t stride, const std::vector<Expect>& want) {
  auto got = perplexity_windows(T, ctx, stride);
  ASSERT_EQ(got.size(), want.size()) << T << " " << ctx << " " << stride;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].begin, want[i].begin) << i;
    EXPECT_EQ(got[i].end, want[i].end) << i;
    EXPECT_EQ(got[i].first_scored, want[i].first_scored) << i;
  }
}
bool near(double got, double ref) { return std::fabs(got - ref) <= 1e-5 + 1e-5 * std::fabs(ref); }
}  // namespace

TEST(PerplexityWindows, OverlapScoresOnlyNewTargets) {
  // The README's example: T = 150, ctx 32, stride 16 scores every position 1..149 once.
  auto w = perplexity_windows(150, 32, 16);
  ASSERT_EQ(w.size(), 9u);
  int64_t scored = 0, next = 1;
  for (const auto& x : w) {
    EXPECT_EQ(x.first_scored, next);
    next = x.end;
    scored += x.n_scored();
  }
  EXPECT_EQ(scored, 149);
  EXPECT_EQ(w.back().begin, 128);
  EXPECT_EQ(w.back().first_scored, 144);
  expect_windows(10, 4, 2, {{0, 4, 1}, {2, 6, 4}, {4, 8, 6}, {6, 10, 8}});
}

TEST(PerplexityWindows, NoOverlapLeavesEachWindowsFirstTokenUnscored) {
  expect_windows(10, 4, 4, {{0, 4, 1}, {4, 8, 5}, {8, 10, 9}});
  expect_windows(10, 4, 6, {{0, 4, 1}, {6, 10, 7}});  // stride > ctx skips tokens 4, 5
  expect_windows(7, 100, 100, {{0, 7, 1}});
  expect_windows(9, 4, 4, {{0, 4, 1}, {4, 8, 5}, {8, 9, 9}});  // last window scores nothing
}

TEST(PerplexityWindows, BadSettingsAreErrors) {
  EXPECT_THROW(perplexity_windows(1, 4, 4), Error);
  EXPECT_THROW(perplexity_windows(10, 1, 1), Error);
  EXPECT_THROW(perplexity_windows(10, 4, 0), Error);
}

class PerplexityGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + GetParam() + "/perplexity.json"); }
};

TEST_P(PerplexityGolden, EveryCaseTokenLevelAndDocsFigures) {
  const std::string dir = test::tiny_dir(GetParam());
  Json g = load_json_file(dir + "/perplexity.json");
  std::vector<int64_t> ids = g["ids"].get<std::vector<int64_t>>();
  Decoder decoder(dir);
  ThreadPool pool(2);
  for (const Json& c : g["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto r = perplexity(decoder, ids, c["max_length"].get<int64_t>(), c["stride"].get<int64_t>(), pool);
    const Json& windows = c["windows"];
    ASSERT_EQ(r.windows, static_cast<int64_t>(windows.size()));
    EXPECT_EQ(r.windows, c["n_windows"].get<int64_t>());
    for (size_t i = 0; i < windows.size(); ++i)
      EXPECT_TRUE(near(r.window_loss[i], windows[i]["loss"].get<double>())) << i << ": " << r.window_loss[i];
    const Json& tl = c["token_level"];
    EXPECT_EQ(r.tokens_scored, tl["n_scored"].get<int64_t>());
    EXPECT_TRUE(near(r.total_nll, tl["total_nll"].get<double>())) << r.total_nll;
    EXPECT_TRUE(near(r.mean_nll, tl["mean_nll"].get<double>())) << r.mean_nll;
    EXPECT_TRUE(near(r.perplexity, tl["ppl"].get<double>())) << r.perplexity;
    EXPECT_TRUE(near(r.perplexity_hf_docs, c["docs_v4_40_2"]["ppl"].get<double>())) << r.perplexity_hf_docs;
  }
}

TEST_P(PerplexityGolden, ContextBeyondTheModelIsAnError) {
  const std::string dir = test::tiny_dir(GetParam());
  Decoder decoder(dir);
  ThreadPool pool(1);
  const int64_t too_long = decoder.config().max_position_embeddings + 1;
  std::vector<int64_t> ids(static_cast<size_t>(too_long), 3);
  EXPECT_THROW(perplexity(decoder, ids, too_long, too_long, pool), Error);
}

INSTANTIATE_TEST_SUITE_P(HfTiny, PerplexityGolden, ::testing::ValuesIn(test::decoder_fixtures()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });
