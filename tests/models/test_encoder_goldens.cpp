// DistilBERT and MobileBERT against the hf-tiny goldens (transformers 4.40.2): every case that
// golden.json lists, at its tolerance, comparing only real (unpadded) positions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json_util.h"
#include "models/encoder.h"
#include "test_decoder_golden.h"
#include "test_util.h"

namespace lowspec::test {
namespace {

const std::vector<std::string> kEncoders = {"distilbert-qa", "distilbert-mlm", "mobilebert-qa",
                                            "mobilebert-mlm", "mobilebert-qa-bottleneck-attention"};

class EncoderGoldens : public ::testing::TestWithParam<std::string> {};

TEST_P(EncoderGoldens, EveryCaseMatchesHf) {
  const std::string model_name = GetParam();
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + model_name + "/golden.safetensors");
  const Json description = load_json_file(tiny_dir(model_name) + "/golden.json");
  const Golden golden(model_name);
  EncoderModel model(tiny_dir(model_name));
  ThreadPool pool(2);
  int cases = 0;
  for (const Json& c : description.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE(model_name + "/" + name);
    const double abs_tol = c.at("tolerance").at("abs").get<double>();
    const double rel_tol = c.at("tolerance").at("rel").get<double>();
    const std::vector<int64_t> shape = golden.shape(name + ".input_ids");
    const std::vector<int64_t> ids = golden.ids(name + ".input_ids");
    std::vector<int64_t> mask, types;
    EncoderBatch batch{shape[0], shape[1], ids.data()};
    for (const Json& input : c.at("inputs")) {
      const std::string in = input.get<std::string>();
      if (in == name + ".attention_mask") batch.attention_mask = (mask = golden.ids(in)).data();
      if (in == name + ".token_type_ids") batch.token_type_ids = (types = golden.ids(in)).data();
    }
    const int64_t rows = batch.batch * batch.seq, H = model.hidden_size();
    const float* hidden = model.encode(batch, pool);
    for (const auto& [key, what] : c.at("outputs").items()) {
      SCOPED_TRACE(key);
      const std::vector<float> ref = golden.floats(key);
      std::vector<float> got;
      if (key == name + ".hidden_states") {
        // last layer's output: hidden_states[layers]
        got.assign(hidden, hidden + rows * H);
        EXPECT_TRUE(all_near(got, std::vector<float>(ref.end() - rows * H, ref.end()), abs_tol,
                             rel_tol, mask));
        continue;
      }
      if (key == name + ".logits") {
        got.resize(static_cast<size_t>(rows * model.config().vocab_size));
        model.mlm_logits(hidden, rows, got.data(), pool);
      } else {
        std::vector<float> start(static_cast<size_t>(rows)), end(static_cast<size_t>(rows));
        model.qa_logits(hidden, rows, start.data(), end.data(), pool);
        got = key == name + ".start_logits" ? start : end;
      }
      EXPECT_TRUE(all_near(got, ref, abs_tol, rel_tol, mask));
    }
    ++cases;
  }
  EXPECT_GE(cases, 2);
}

INSTANTIATE_TEST_SUITE_P(HfTiny, EncoderGoldens, ::testing::ValuesIn(kEncoders),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s) ch = ch == '-' ? '_' : ch;
                           return s;
                         });

TEST(EncoderModel, RefusesADecoder) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/config.json");
  EXPECT_THROW(EncoderModel(tiny_dir("llama")), Error);
}

TEST(EncoderModel, RejectsIdsOutsideTheVocabulary) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/distilbert-qa/config.json");
  EncoderModel model(tiny_dir("distilbert-qa"));
  ThreadPool pool(1);
  const std::vector<int64_t> ids = {2, 600, 3};
  EXPECT_THROW(model.encode({1, 3, ids.data()}, pool), Error);
}

TEST(EncoderModel, RejectsSequencesLongerThanThePositionTable) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/mobilebert-qa/config.json");
  EncoderModel model(tiny_dir("mobilebert-qa"));
  ThreadPool pool(1);
  const std::vector<int64_t> ids(65, 5);  // max_position_embeddings is 64
  EXPECT_THROW(model.encode({1, 65, ids.data()}, pool), Error);
}

}  // namespace
}  // namespace lowspec::test
