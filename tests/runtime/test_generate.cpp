// Generation against the hf-tiny greedy goldens, and the KV-cached decode against a full
// recompute of the whole sequence.
#include <gtest/gtest.h>

#include <numeric>

#include "models/decoder.h"
#include "models/test_decoder_golden.h"
#include "runtime/generate.h"

using namespace lowspec;
using lowspec::test::all_near;
using lowspec::test::Golden;

namespace {

class GenerateGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + GetParam()); }
  std::string dir() const { return test::tiny_dir(GetParam()); }
};

GenerateOptions greedy(int64_t n) {
  GenerateOptions o;
  o.max_new_tokens = n;
  return o;
}

}  // namespace

TEST_P(GenerateGolden, GreedyIdsAndStepLogits) {
  Golden g(GetParam());
  Decoder decoder(dir());
  auto want = g.ids("generate.new_ids");
  std::vector<float> step_logits;
  ThreadPool pool(2);
  auto r = generate(decoder, {g.ids("generate.prompt_ids")}, greedy(static_cast<int64_t>(want.size())), pool,
                    {}, [&](const float* l) { step_logits.insert(step_logits.end(), l, l + decoder.config().vocab_size); });
  EXPECT_EQ(r.new_ids.at(0), want);
  EXPECT_TRUE(all_near(step_logits, g.floats("generate.step_logits"), 1e-4, 1e-4));
  EXPECT_EQ(r.decode_steps, static_cast<int64_t>(want.size()) - 1);
}

TEST_P(GenerateGolden, LeftPaddedBatchMatchesHfBatchedGenerate) {
  Golden g(GetParam());
  Decoder decoder(dir());
  const int64_t V = decoder.config().vocab_size;
  auto shape = g.shape("generate_batch2_leftpad.prompt_ids");
  const int64_t B = shape[0], P = shape[1];
  auto padded = g.ids("generate_batch2_leftpad.prompt_ids");
  auto mask = g.ids("generate_batch2_leftpad.attention_mask");
  std::vector<std::vector<int64_t>> prompts(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < P; ++t)
      if (mask[b * P + t]) prompts[b].push_back(padded[b * P + t]);
  auto out = g.ids("generate_batch2_leftpad.output_ids");
  const int64_t total = g.shape("generate_batch2_leftpad.output_ids")[1], N = total - P;
  // step_logits golden is [B, N, V]; ours arrive [N][B, V].
  std::vector<float> got(static_cast<size_t>(B * N * V));
  int64_t step = 0;
  ThreadPool pool(2);
  auto r = generate(decoder, prompts, greedy(N), pool, {}, [&](const float* l) {
    for (int64_t b = 0; b < B; ++b) std::copy(l + b * V, l + (b + 1) * V, got.begin() + (b * N + step) * V);
    ++step;
  });
  for (int64_t b = 0; b < B; ++b)
    EXPECT_EQ(r.new_ids[b], std::vector<int64_t>(out.begin() + b * total + P, out.begin() + (b + 1) * total)) << b;
  EXPECT_TRUE(all_near(got, g.floats("generate_batch2_leftpad.step_logits"), 1e-4, 1e-4));
}

TEST_P(GenerateGolden, CachedDecodeEqualsFullRecompute) {
  Golden g(GetParam());
  Decoder decoder(dir());
  const ModelConfig& c = decoder.config();
  const int64_t V = c.vocab_size;
  auto ids = g.ids("long.input_ids");
  const int64_t T = 40, split = 25;
  std::vector<int64_t> positions(static_cast<size_t>(T));
  std::iota(positions.begin(), positions.end(), 0);
  ThreadPool pool(2);

  DecoderState full(c, 1, T, T, pool.size());
  decoder.forward(full, DecoderStep{T, ids.data(), positions.data(), nullptr, nullptr}, pool);
  std::vector<float> want(static_cast<size_t>(T * V));
  decoder.logits(full.hidden(), T, want.data(), pool);

  // Prefill the first `split` tokens, then one token at a time through the cache.
  DecoderState cached(c, 1, T, split, pool.size());
  std::vector<float> got(static_cast<size_t>(T * V));
  decoder.forward(cached, DecoderStep{split, ids.data(), positions.data(), nullptr, nullptr}, pool);
  decoder.logits(cached.hidden(), split, got.data(), pool);
  for (int64_t t = split; t < T; ++t) {
    decoder.forward(cached, DecoderStep{1, ids.data() + t, positions.data() + t, nullptr, nullptr}, pool);
    decoder.logits(cached.hidden(), 1, got.data() + t * V, pool);
  }
  EXPECT_TRUE(all_near(got, want, 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(HfTiny, GenerateGolden, ::testing::ValuesIn(test::decoder_fixtures()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(Generate, StopsAtEndOfSequenceAndRejectsBadPrompts) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  Golden g("llama");
  Decoder decoder(test::tiny_dir("llama"));
  ThreadPool pool(1);
  auto prompt = g.ids("generate.prompt_ids");
  auto want = g.ids("generate.new_ids");
  // Declare the 5th greedy token an end-of-sequence id: generation stops right after it.
  GenerateOptions o = greedy(20);
  o.eos_ids = {want[4]};
  auto r = generate(decoder, {prompt}, o, pool);
  std::vector<int64_t> until_eos(want.begin(), want.begin() + 5);
  for (size_t i = 0; i < 4; ++i)
    if (want[i] == want[4]) until_eos.resize(i + 1);
  EXPECT_EQ(r.new_ids[0], until_eos);

  EXPECT_THROW(generate(decoder, {{}}, greedy(4), pool), Error);
  EXPECT_THROW(generate(decoder, {{1, 2, decoder.config().vocab_size}}, greedy(4), pool), Error);
  EXPECT_THROW(generate(decoder, {{1, -3}}, greedy(4), pool), Error);
  EXPECT_THROW(generate(decoder, {prompt}, greedy(decoder.config().max_position_embeddings), pool), Error);
}

TEST(Generate, SeededSamplingIsDeterministic) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/gemma");
  Decoder decoder(test::tiny_dir("gemma"));
  ThreadPool pool(2);
  GenerateOptions o = greedy(16);
  o.sampling.temperature = 1.5;
  o.sampling.top_k = 40;
  o.sampling.top_p = 0.95;
  o.seed = 7;
  auto a = generate(decoder, {{2, 10, 11, 12}}, o, pool);
  auto b = generate(decoder, {{2, 10, 11, 12}}, o, pool);
  EXPECT_EQ(a.new_ids, b.new_ids);
  o.seed = 8;
  auto c = generate(decoder, {{2, 10, 11, 12}}, o, pool);
  EXPECT_NE(a.new_ids, c.new_ids);  // 16 draws at temperature 1.5: equal only by a fluke
}
