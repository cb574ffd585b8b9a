// Encoders loaded with --quant q8_0 against the F32 hf-tiny goldens: the Linear weights are
// quantized, so logits move by quantization error (tolerance below), but every real position
// keeps the golden's top-1 MLM token and argmax start/end rows.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "models/encoder.h"
#include "test_decoder_golden.h"
#include "test_util.h"

namespace lowspec::test {
namespace {

// Q8_0 keeps ~2.5 significant digits per weight. Measured worst |diff| against the F32 goldens:
// QA start/end logits < 0.05; MLM logits 0.46 (the head's LayerNorm rescales the quantized
// body's error before the vocabulary projection).
constexpr double kQaAbsTol = 0.05, kMlmAbsTol = 0.6, kRelTol = 0.02;

struct Case {
  std::vector<int64_t> ids, mask, types;
  EncoderBatch batch;
};

Case load_case(const Golden& golden, const Json& c) {
  const std::string name = c.at("name").get<std::string>();
  Case k;
  const std::vector<int64_t> shape = golden.shape(name + ".input_ids");
  k.ids = golden.ids(name + ".input_ids");
  for (const Json& input : c.at("inputs")) {
    const std::string in = input.get<std::string>();
    if (in == name + ".attention_mask") k.mask = golden.ids(in);
    if (in == name + ".token_type_ids") k.types = golden.ids(in);
  }
  k.batch = {shape[0], shape[1], k.ids.data(), k.mask.empty() ? nullptr : k.mask.data(),
             k.types.empty() ? nullptr : k.types.data()};
  return k;
}

bool real(const Case& k, int64_t row) {
  return k.mask.empty() || k.mask[row] != 0;
}

class QuantizedEncoder : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizedEncoder, Q8LogitsStayNearTheF32GoldensWithTheSameArgmax) {
  const std::string model_name = GetParam();
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + model_name + "/golden.safetensors");
  const Json description = load_json_file(tiny_dir(model_name) + "/golden.json");
  const Golden golden(model_name);
  EncoderModel model(tiny_dir(model_name), DType::Q8_0);
  ThreadPool pool(2);
  const int64_t V = model.config().vocab_size;
  int checked_rows = 0, disagreements = 0;
  for (const Json& c : description.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE(model_name + "/" + name);
    const Case k = load_case(golden, c);
    const int64_t rows = k.batch.batch * k.batch.seq;
    const float* hidden = model.encode(k.batch, pool);
    if (model.head() == Head::MaskedLM) {
      const std::vector<float> ref = golden.floats(name + ".logits");
      std::vector<float> got(static_cast<size_t>(rows * V));
      model.mlm_logits(hidden, rows, got.data(), pool);
      EXPECT_TRUE(all_near(got, ref, kMlmAbsTol, kRelTol, k.mask));
      EXPECT_FALSE(all_near(got, ref, 1e-4, 1e-4, k.mask)) << "the weights were not quantized";
      for (int64_t r = 0; r < rows; ++r) {
        if (!real(k, r)) continue;
        // A different top-1 is only allowed on a near-tie: where the reference's own lead
        // over the quantized model's pick is within the logit tolerance.
        const int64_t want = argmax(ref.data() + r * V, V), have = argmax(got.data() + r * V, V);
        const double lead = ref[r * V + want] - ref[r * V + have];
        if (have != want) ++disagreements;
        EXPECT_TRUE(have == want || lead < kMlmAbsTol)
            << "row " << r << ": " << have << " instead of " << want << ", lead " << lead;
        ++checked_rows;
      }
    } else {
      const std::vector<float> ref_start = golden.floats(name + ".start_logits");
      const std::vector<float> ref_end = golden.floats(name + ".end_logits");
      std::vector<float> start(static_cast<size_t>(rows)), end(static_cast<size_t>(rows));
      model.qa_logits(hidden, rows, start.data(), end.data(), pool);
      EXPECT_TRUE(all_near(start, ref_start, kQaAbsTol, kRelTol, k.mask));
      EXPECT_TRUE(all_near(end, ref_end, kQaAbsTol, kRelTol, k.mask));
      EXPECT_FALSE(all_near(start, ref_start, 1e-4, 1e-4, k.mask)) << "not quantized";
      // argmax over each sequence's real tokens, as span selection starts from
      const int64_t L = k.batch.seq;
      for (int64_t b = 0; b < k.batch.batch; ++b) {
        int64_t n = 0;
        while (n < L && real(k, b * L + n)) ++n;
        EXPECT_EQ(argmax(start.data() + b * L, n), argmax(ref_start.data() + b * L, n));
        EXPECT_EQ(argmax(end.data() + b * L, n), argmax(ref_end.data() + b * L, n));
        ++checked_rows;
      }
    }
  }
  EXPECT_GE(checked_rows, 2);
  EXPECT_LE(disagreements * 10, checked_rows) << "top-1 agreement below 0.9";
}

INSTANTIATE_TEST_SUITE_P(HfTiny, QuantizedEncoder,
                         ::testing::Values("distilbert-qa", "distilbert-mlm", "mobilebert-qa",
                                           "mobilebert-mlm", "mobilebert-qa-bottleneck-attention"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s) ch = ch == '-' ? '_' : ch;
                           return s;
                         });

}  // namespace
}  // namespace lowspec::test
