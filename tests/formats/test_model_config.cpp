#include <gtest/gtest.h>

#include <filesystem>

#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "test_util.h"

using namespace lowspec;

namespace {
const char* kTiny[] = {"distilbert-mlm", "distilbert-qa", "gemma", "gemma-legacy-act", "llama",
                       "llama-bf16", "llama-f16", "mobilebert-mlm", "mobilebert-qa",
                       "mobilebert-qa-bottleneck-attention", "phi"};
}

TEST(ModelConfig, ParameterCountEqualsTensorElementsOfEveryTinyCheckpoint) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  for (const char* name : kTiny) {
    std::string dir = test::fixture(std::string("hf-tiny/") + name);
    ModelConfig c = load_model_config(dir);
    HfWeights w(dir);
    int64_t sum = 0;
    for (const auto* e : w.entries()) {
      int64_t n = 1;
      for (int64_t d : e->shape) n *= d;
      sum += n;
    }
    EXPECT_EQ(count_parameters(c), sum) << name;
  }
}

TEST(ModelConfig, PublishedParameterCountsFromRealConfigs) {
  LOWSPEC_REQUIRE_FIXTURE("real-configs");
  auto count = [](const char* dir) {
    return count_parameters(load_model_config(test::fixture(std::string("real-configs/") + dir)));
  };
  EXPECT_EQ(count("TinyLlama__TinyLlama-1.1B-Chat-v1.0"), 1100048384);
  EXPECT_EQ(count("microsoft__phi-2"), 2779683840);
  EXPECT_EQ(count("google__gemma-2b"), 2506172416);
  // README: 67.0 M (MLM), 65.2 M (QA), 24.6 M (QA).
  EXPECT_NEAR(count("distilbert__distilbert-base-uncased") / 1e6, 67.0, 0.05);
  EXPECT_NEAR(count("distilbert__distilbert-base-cased-distilled-squad") / 1e6, 65.2, 0.05);
  EXPECT_NEAR(count("google__mobilebert-uncased") / 1e6, 24.6, 0.05);
}

TEST(ModelConfig, FamilyDefaultsAndQuirks) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/gemma-legacy-act");
  ModelConfig g = load_model_config(test::fixture("hf-tiny/gemma-legacy-act"));
  EXPECT_EQ(g.activation, Activation::GeluTanh);  // "gelu" in the file, tanh in transformers
  EXPECT_TRUE(g.tie_word_embeddings);
  EXPECT_EQ(g.head_dim, 24);
  ModelConfig phi = load_model_config(test::fixture("hf-tiny/phi"));
  EXPECT_EQ(phi.rotary_dims, static_cast<int64_t>(0.4 * phi.head_dim));
  ModelConfig mb = load_model_config(test::fixture("real-configs/google__mobilebert-uncased"));
  EXPECT_EQ(mb.head, Head::QuestionAnswering);
  EXPECT_TRUE(mb.no_norm);
  EXPECT_EQ(mb.true_hidden_size, 128);
}

TEST(ModelConfig, BadConfigsAreClearErrors) {
  auto expect_error = [](const char* text, const char* needle) {
    try {
      parse_model_config(Json::parse(text), "cfg.json");
      FAIL() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("cfg.json", 0), 0u) << e.what();
    }
  };
  expect_error(R"({"model_type": "gpt2"})", "supported: distilbert, mobilebert, llama, phi, gemma");
  expect_error(R"({})", "model_type");
  expect_error(R"({"model_type": "llama", "hidden_size": "big"})", "hidden_size");
  expect_error(R"({"model_type": "llama", "num_attention_heads": 0})", "num_attention_heads");
  expect_error(R"({"model_type": "llama", "num_attention_heads": 6, "num_key_value_heads": 4})",
               "multiple");
  expect_error(R"([1, 2])", "object");
  // Absurd but well-formed sizes would overflow the parameter count: refused up front.
  expect_error(R"({"model_type": "llama", "hidden_size": 2147483648, "intermediate_size": 2147483648})",
               "larger than lowspec supports");
  expect_error(R"({"model_type": "llama", "num_hidden_layers": 100000})", "num_hidden_layers");
  expect_error(R"({"model_type": "llama", "rope_scaling": {"type": "yarn", "factor": 2}})", "yarn");
}
