// The logits processors on hand-made logits, and the sampler's determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "core/error.h"
#include "runtime/sampling.h"

using namespace lowspec;

namespace {
const float kOff = -std::numeric_limits<float>::infinity();

std::vector<bool> kept(const std::vector<float>& logits) {
  std::vector<bool> k;
  for (float x : logits) k.push_back(x != kOff);
  return k;
}
}  // namespace

TEST(Sampling, TopKKeepsTheKLargestAndTies) {
  std::vector<float> l = {1.0f, 5.0f, 3.0f, 3.0f, -2.0f, 4.0f};
  std::vector<float> scratch(l.size());
  apply_top_k(l.data(), 6, 3, scratch.data());
  EXPECT_EQ(kept(l), (std::vector<bool>{false, true, true, true, false, true}));  // 3rd largest is 3 (twice)
  std::vector<float> all = {1, 2, 3};
  apply_top_k(all.data(), 3, 0, scratch.data());
  apply_top_k(all.data(), 3, 5, scratch.data());
  EXPECT_EQ(kept(all), (std::vector<bool>{true, true, true}));
}

TEST(Sampling, TopPRemovesTheTailWhoseMassStaysWithinOneMinusP) {
  // probabilities 0.1, 0.5, 0.15, 0.25 (logits = log p)
  const std::vector<float> base = {std::log(0.1f), std::log(0.5f), std::log(0.15f), std::log(0.25f)};
  std::vector<int32_t> order(4);
  auto l = base;
  apply_top_p(l.data(), 4, 0.7, order.data());  // tail 0.1 + 0.15 <= 0.3 goes; + 0.25 would not
  EXPECT_EQ(kept(l), (std::vector<bool>{false, true, false, true}));
  l = base;
  apply_top_p(l.data(), 4, 0.8, order.data());  // 0.1 <= 0.2 goes, 0.1 + 0.15 > 0.2 stops
  EXPECT_EQ(kept(l), (std::vector<bool>{false, true, true, true}));
  l = base;
  apply_top_p(l.data(), 4, 0.01, order.data());  // the top token always stays
  EXPECT_EQ(kept(l), (std::vector<bool>{false, true, false, false}));
  l = base;
  apply_top_p(l.data(), 4, 1.0, order.data());  // off
  EXPECT_EQ(kept(l), (std::vector<bool>{true, true, true, true}));
}

TEST(Sampling, MinPRemovesTokensBelowAFractionOfTheTop) {
  std::vector<float> l = {std::log(0.5f), std::log(0.3f), std::log(0.1f), std::log(0.04f), std::log(0.06f)};
  apply_min_p(l.data(), 5, 0.15);  // threshold 0.075
  EXPECT_EQ(kept(l), (std::vector<bool>{true, true, true, false, false}));
}

TEST(Sampling, RepetitionPenaltyCountsEachSeenTokenOnce) {
  std::vector<float> l = {2.0f, -2.0f, 1.0f, 4.0f};
  std::vector<uint8_t> seen(4, 0);
  const int64_t history[] = {0, 1, 0, 0};
  apply_repetition_penalty(l.data(), history, 4, 2.0f, seen.data());
  EXPECT_EQ(l, (std::vector<float>{1.0f, -4.0f, 1.0f, 4.0f}));
  EXPECT_EQ(seen, (std::vector<uint8_t>{0, 0, 0, 0}));
}

TEST(Sampling, GreedyTakesTheFirstMaximumAfterThePenalty) {
  Sampler greedy({0.0, 0, 1.0, 0.0, 1.0}, 4, 1);
  std::vector<float> l = {1.0f, 3.0f, 3.0f, 2.0f};
  EXPECT_EQ(greedy.choose(l.data(), nullptr, 0), 1);
  Sampler penalised({0.0, 0, 1.0, 0.0, 2.0}, 4, 1);
  l = {1.0f, 3.0f, 2.0f, 2.5f};
  const int64_t history[] = {1};
  EXPECT_EQ(penalised.choose(l.data(), history, 1), 3);  // 3/2 < 2.5
}

TEST(Sampling, SeededDrawsAreReproducibleAndFollowTheDistribution) {
  const SamplingParams p{1.0, 0, 1.0, 0.0, 1.0};
  const std::vector<float> logits = {0.0f, std::log(3.0f), kOff, std::log(6.0f)};  // 0.1, 0.3, 0, 0.6
  Sampler a(p, 4, 42), b(p, 4, 42);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 4000; ++i) {
    auto la = logits, lb = logits;
    const int64_t x = a.choose(la.data(), nullptr, 0);
    EXPECT_EQ(x, b.choose(lb.data(), nullptr, 0));
    ++counts[x];
  }
  EXPECT_EQ(counts[2], 0);
  EXPECT_NEAR(counts[0] / 4000.0, 0.1, 0.03);
  EXPECT_NEAR(counts[1] / 4000.0, 0.3, 0.03);
  EXPECT_NEAR(counts[3] / 4000.0, 0.6, 0.03);
}

TEST(Sampling, TopKOneSamplesLikeGreedy) {
  Sampler s({0.7, 1, 1.0, 0.0, 1.0}, 5, 3);
  for (int i = 0; i < 20; ++i) {
    std::vector<float> l = {0.1f, 0.3f, 0.2f, 0.25f, 0.0f};
    EXPECT_EQ(s.choose(l.data(), nullptr, 0), 1);
  }
}

TEST(Sampling, OutOfRangeSettingsAreErrors) {
  EXPECT_THROW(validate_sampling({-1.0, 0, 1.0, 0.0, 1.0}), Error);
  EXPECT_THROW(validate_sampling({1.0, -1, 1.0, 0.0, 1.0}), Error);
  EXPECT_THROW(validate_sampling({1.0, 0, 0.0, 0.0, 1.0}), Error);
  EXPECT_THROW(validate_sampling({1.0, 0, 1.5, 0.0, 1.0}), Error);
  EXPECT_THROW(validate_sampling({1.0, 0, 1.0, 2.0, 1.0}), Error);
  EXPECT_THROW(validate_sampling({1.0, 0, 1.0, 0.0, 0.0}), Error);
}
