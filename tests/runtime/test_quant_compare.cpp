// The quantization comparison: KL divergence against hand-computed values, the per-position
// bookkeeping, and decoders compared with themselves, Q8_0 and Q4_0 over WikiText.
#include "runtime/quant_compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/perplexity.h"
#include "test_util.h"

namespace lowspec {
namespace {

const char* kWikiText = "data/wikitext-2-raw/wiki.test.raw";

TEST(KlDivergence, MatchesAHandComputedExample) {
  // P = softmax(log [1, 3]) = [1/4, 3/4], Q = softmax([0, 0]) = [1/2, 1/2]:
  // KL(P||Q) = 1/4 ln(1/2) + 3/4 ln(3/2) = 0.1308120..., KL(Q||P) = 1/2 ln 2 + 1/2 ln(2/3).
  const float p[] = {0.0f, std::log(3.0f)}, q[] = {0.0f, 0.0f};
  EXPECT_NEAR(kl_divergence(p, q, 2), 0.25 * std::log(0.5) + 0.75 * std::log(1.5), 1e-7);
  EXPECT_NEAR(kl_divergence(p, q, 2), 0.1308120845, 1e-7);
  EXPECT_NEAR(kl_divergence(q, p, 2), 0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0), 1e-7);
}

TEST(KlDivergence, IsZeroForTheSameRowAndStableForHugeLogits) {
  const float a[] = {3.5f, -2.0f, 0.25f, 7.0f};
  EXPECT_EQ(kl_divergence(a, a, 4), 0.0);
  // Shifting every logit of a row leaves its distribution as it is; exp(1000) would overflow.
  const float shifted[] = {1003.5f, 998.0f, 1000.25f, 1007.0f};
  EXPECT_NEAR(kl_divergence(a, shifted, 4), 0.0, 1e-9);
  const float other[] = {-1000.0f, 1000.0f, 0.0f, 0.0f};
  const double kl = kl_divergence(a, other, 4);
  EXPECT_TRUE(std::isfinite(kl));
  EXPECT_GT(kl, 100.0);  // P puts ~all mass on entry 3, Q ~none: log ratio ~ 1000 - 7
}

TEST(DistributionComparison, CountsNllKlAndTopOneAgreement) {
  DistributionComparison r;
  const float ref[] = {0.0f, std::log(3.0f)}, same_top[] = {0.0f, 0.0f}, flipped[] = {1.0f, 0.0f};
  r.add(ref, ref, 2, 1);       // identical: KL 0, argmax agrees
  r.add(ref, flipped, 2, 0);   // argmax 1 vs 0
  r.add(ref, same_top, 2, 1);  // ties pick the first entry: argmax 0 vs 1
  EXPECT_EQ(r.positions, 3);
  EXPECT_EQ(r.top1_matches, 1);
  EXPECT_NEAR(r.top1_agreement(), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(r.kl_max, std::max(kl_divergence(ref, flipped, 2), kl_divergence(ref, same_top, 2)),
              1e-12);
  // ref NLLs: -ln(3/4), -ln(1/4), -ln(3/4)
  EXPECT_NEAR(r.ref_total_nll, -2 * std::log(0.75) - std::log(0.25), 1e-6);  // float log(3)
  EXPECT_NEAR(r.ref_perplexity(), std::exp(r.ref_total_nll / 3), 1e-12);
}

// The first bytes of the WikiText sample as token ids (< 256, inside every hf-tiny vocabulary:
// the tiny checkpoints come without a tokenizer).
std::vector<int64_t> wikitext_byte_ids(size_t n) {
  std::ifstream in(test::fixture(kWikiText), std::ios::binary);
  std::vector<int64_t> ids;
  for (char ch; ids.size() < n && in.get(ch);) ids.push_back(static_cast<unsigned char>(ch));
  return ids;
}

class CompareDecoder : public ::testing::TestWithParam<std::string> {};

TEST_P(CompareDecoder, ItselfThenQ8ThenQ4) {
  const std::string model = test::fixture("hf-tiny/" + GetParam());
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + GetParam());
  LOWSPEC_REQUIRE_FIXTURE(kWikiText);
  const std::vector<int64_t> ids = wikitext_byte_ids(600);
  ThreadPool pool(2);
  const Decoder ref(model);
  const int64_t ctx = 64, stride = 32;

  const DistributionComparison same = compare_decoders(ref, Decoder(model), ids, ctx, stride, pool);
  const PerplexityResult ppl = perplexity(ref, ids, ctx, stride, pool);
  EXPECT_EQ(same.positions, ppl.tokens_scored);  // the windows perplexity scores
  EXPECT_EQ(same.windows, ppl.windows);
  EXPECT_NEAR(same.ref_perplexity(), ppl.perplexity, 1e-9 * ppl.perplexity);
  EXPECT_LT(same.kl_max, 1e-12);
  EXPECT_EQ(same.top1_agreement(), 1.0);
  EXPECT_EQ(same.quant_perplexity(), same.ref_perplexity());

  const DistributionComparison q8 =
      compare_decoders(ref, Decoder(model, DType::Q8_0), ids, ctx, stride, pool);
  EXPECT_GT(q8.mean_kl(), 0.0);
  EXPECT_LT(q8.mean_kl(), 0.01);
  EXPECT_GE(q8.top1_agreement(), 0.9);
  EXPECT_NEAR(q8.quant_perplexity() / q8.ref_perplexity(), 1.0, 0.02);

  const DistributionComparison q4 =
      compare_decoders(ref, Decoder(model, DType::Q4_0), ids, ctx, stride, pool);
  EXPECT_GT(q4.mean_kl(), q8.mean_kl());
  EXPECT_GT(q4.kl_max, q8.kl_max);
  EXPECT_LE(q4.top1_agreement(), q8.top1_agreement());
}

INSTANTIATE_TEST_SUITE_P(HfTiny, CompareDecoder,
                         ::testing::Values("llama", "llama-bf16", "phi", "gemma"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s) ch = ch == '-' ? '_' : ch;
                           return s;
                         });

}  // namespace
}  // namespace lowspec
