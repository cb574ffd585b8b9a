// The decoder against every forward golden of hf-tiny (llama in F32/F16/BF16, phi, gemma, gemma
// with the legacy activation key): logits, hidden states, padded batches, loss.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/softmax.h"
#include "models/decoder.h"
#include "models/forward.h"
#include "models/test_decoder_golden.h"

using namespace lowspec;
using lowspec::test::all_near;
using lowspec::test::Golden;

namespace {

class DecoderGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + GetParam()); }
  std::string dir() const { return test::tiny_dir(GetParam()); }
};

ForwardInputs inputs(const Golden& g, const std::string& ids, const std::string& mask = "",
                     const std::string& positions = "") {
  ForwardInputs in;
  auto shape = g.shape(ids);
  in.batch = shape.size() == 2 ? shape[0] : 1;
  in.seq = shape.back();
  in.input_ids = g.ids(ids);
  if (!mask.empty()) in.attention_mask = g.ids(mask);
  if (!positions.empty()) in.position_ids = g.ids(positions);
  return in;
}

std::vector<float> logits_of(const std::string& dir, const ForwardInputs& in, int threads = 2) {
  ThreadPool pool(threads);
  auto out = forward_decoder(load_model_config(dir), dir, in, pool);
  return out.at(0).data;
}

}  // namespace

TEST_P(DecoderGolden, SingleLogitsAndHiddenStates) {
  Golden g(GetParam());
  Decoder decoder(dir());
  const ModelConfig& c = decoder.config();
  auto ids = g.ids("single.input_ids");
  const int64_t T = static_cast<int64_t>(ids.size());
  std::vector<int64_t> positions(ids.size());
  for (int64_t t = 0; t < T; ++t) positions[t] = t;
  ThreadPool pool(2);
  DecoderState state(c, 1, T, T, pool.size());
  std::vector<float> hidden(static_cast<size_t>((c.num_layers + 1) * T * c.hidden_size));
  DecoderStep step{T, ids.data(), positions.data(), nullptr, hidden.data()};
  decoder.forward(state, step, pool);
  std::vector<float> logits(static_cast<size_t>(T * c.vocab_size));
  decoder.logits(state.hidden(), T, logits.data(), pool);
  EXPECT_TRUE(all_near(hidden, g.floats("single.hidden_states"), 1e-4, 1e-4));
  EXPECT_TRUE(all_near(logits, g.floats("single.logits"), 1e-4, 1e-4));
}

TEST_P(DecoderGolden, LeftPaddedBatchWithGenerationPositions) {
  Golden g(GetParam());
  auto in = inputs(g, "batch2_leftpad.input_ids", "batch2_leftpad.attention_mask", "batch2_leftpad.position_ids");
  EXPECT_TRUE(all_near(logits_of(dir(), in), g.floats("batch2_leftpad.logits"), 1e-4, 1e-4, *in.attention_mask));
}

TEST_P(DecoderGolden, PositionsFromTheMaskWhenNoneAreGiven) {
  Golden g(GetParam());
  auto in = inputs(g, "batch2_leftpad.input_ids", "batch2_leftpad.attention_mask");
  EXPECT_EQ(positions_from_mask(*in.attention_mask, in.batch, in.seq), g.ids("batch2_leftpad.position_ids"));
  EXPECT_TRUE(all_near(logits_of(dir(), in, 1), g.floats("batch2_leftpad.logits"), 1e-4, 1e-4, *in.attention_mask));
}

TEST_P(DecoderGolden, LeftPaddedBatchWithDefaultPositions) {
  Golden g(GetParam());
  auto in = inputs(g, "batch2_leftpad.input_ids", "batch2_leftpad.attention_mask",
                   "batch2_leftpad_default_pos.position_ids");
  EXPECT_TRUE(all_near(logits_of(dir(), in), g.floats("batch2_leftpad_default_pos.logits"), 1e-4, 1e-4,
                       *in.attention_mask));
}

TEST_P(DecoderGolden, LongSequenceBeyondPosition64) {
  Golden g(GetParam());
  auto in = inputs(g, "long.input_ids");
  EXPECT_TRUE(all_near(logits_of(dir(), in), g.floats("long.logits"), 1e-4, 1e-4));
}

TEST_P(DecoderGolden, ShiftedNegativeLogLikelihood) {
  Golden g(GetParam());
  auto in = inputs(g, "nll.input_ids");
  auto logits = logits_of(dir(), in);
  const int64_t T = in.seq, V = static_cast<int64_t>(logits.size()) / T;
  std::vector<float> token_nll;
  double total = 0;
  for (int64_t t = 0; t + 1 < T; ++t) {
    const float* row = logits.data() + t * V;
    const double nll = log_sum_exp(row, V) - row[in.input_ids[t + 1]];
    token_nll.push_back(static_cast<float>(nll));
    total += nll;
  }
  const float loss = static_cast<float>(total / static_cast<double>(T - 1));
  EXPECT_TRUE(all_near(token_nll, g.floats("nll.token_nll"), 1e-5, 1e-5));
  EXPECT_TRUE(all_near({loss}, g.floats("nll.loss"), 1e-5, 1e-5));
  EXPECT_TRUE(all_near({std::exp(loss)}, g.floats("nll.perplexity"), 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(HfTiny, DecoderGolden, ::testing::ValuesIn(test::decoder_fixtures()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });
