// Synthetic checkpoints: the tensor layout is exactly HF's, and synth writes a folder HfWeights
// reads back with every tensor at its shape.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/half.h"
#include "core/json_util.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "formats/synth_layout.h"
#include "formats/synth_weights.h"
#include "test_util.h"

namespace lowspec {
namespace {

namespace fs = std::filesystem;
using test::fixture;

const char* const kTinyModels[] = {"distilbert-mlm", "distilbert-qa", "mobilebert-mlm", "mobilebert-qa",
                                   "mobilebert-qa-bottleneck-attention", "llama", "phi", "gemma"};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SynthOptions options(DType dtype, uint64_t seed, uint64_t max_shard_bytes = 2'000'000'000) {
  SynthOptions o;
  o.dtype = dtype;
  o.seed = seed;
  o.max_shard_bytes = max_shard_bytes;
  return o;
}

TEST(SynthLayout, MatchesEveryTinyCheckpointExactly) {
  for (const char* model : kTinyModels) {
    const std::string rel = std::string("hf-tiny/") + model;
    LOWSPEC_REQUIRE_FIXTURE(rel);
    ModelConfig c = load_model_config(fixture(rel));
    HfWeights weights(fixture(rel));
    std::map<std::string, std::vector<int64_t>> stored, laid_out;
    for (const auto* e : weights.entries()) stored[e->name] = e->shape;
    for (const auto& t : model_tensor_layout(c)) laid_out[t.name] = t.shape;
    EXPECT_EQ(laid_out, stored) << model;
  }
}

TEST(SynthLayout, ParameterCountsOfRealConfigs) {
  for (const char* dir : {"TinyLlama__TinyLlama-1.1B-Chat-v1.0", "google__gemma-2b", "microsoft__phi-2",
                          "google__mobilebert-uncased", "distilbert__distilbert-base-uncased",
                          "distilbert__distilbert-base-cased-distilled-squad"}) {
    const std::string rel = std::string("real-configs/") + dir;
    LOWSPEC_REQUIRE_FIXTURE(rel);
    ModelConfig c = load_model_config(fixture(rel));
    int64_t sum = 0;
    for (const auto& t : model_tensor_layout(c)) sum += t.numel();
    EXPECT_EQ(sum, count_parameters(c)) << dir;
  }
}

TEST(Synth, EveryFamilyReadsBackAtItsShapes) {
  for (const char* model : kTinyModels) {
    const std::string rel = std::string("hf-tiny/") + model;
    LOWSPEC_REQUIRE_FIXTURE(rel);
    test::TempDir out;
    SynthResult r = synth_model(fixture(rel) + "/config.json", out.path().string(), {});
    ModelConfig c = load_model_config(out.path().string());
    EXPECT_EQ(c.torch_dtype, "float32");
    EXPECT_EQ(fs::exists(out.path() / "generation_config.json"), is_decoder(c.family)) << model;
    HfWeights w(out.path().string());
    const auto layout = model_tensor_layout(c);
    EXPECT_EQ(w.entries().size(), layout.size()) << model;
    int64_t elements = 0;
    for (const auto& t : layout) {
      TensorView v = w.require(t.name, t.shape);
      EXPECT_EQ(v.dtype, DType::F32);
      elements += v.numel();
      for (int64_t i = 0; i < v.numel(); ++i) ASSERT_TRUE(std::isfinite(v.as<float>()[i])) << t.name;
    }
    EXPECT_EQ(elements, count_parameters(c)) << model;
    EXPECT_EQ(r.parameters, count_parameters(c)) << model;
  }
}

TEST(Synth, ValueScalesPerRole) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/gemma");
  test::TempDir out;
  synth_model(fixture("hf-tiny/gemma"), out.path().string(), {});
  HfWeights w(out.path().string());
  auto stats = [&](const std::string& name) {
    TensorView v = w.view(*w.find(name));
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < v.numel(); ++i) sum += v.as<float>()[i], sq += v.as<float>()[i] * v.as<float>()[i];
    double mean = sum / static_cast<double>(v.numel());
    return std::pair{mean, std::sqrt(sq / static_cast<double>(v.numel()) - mean * mean)};
  };
  auto [norm_mean, norm_std] = stats("model.norm.weight");  // Gemma multiplies by 1 + w
  EXPECT_NEAR(norm_mean, 0.0, 0.02);
  auto [q_mean, q_std] = stats("model.layers.0.self_attn.q_proj.weight");  // fan_in 64
  EXPECT_NEAR(q_mean, 0.0, 0.01);
  EXPECT_NEAR(q_std, 1.0 / 8.0, 0.01);
  auto [o_mean, o_std] = stats("model.layers.0.self_attn.o_proj.weight");  // into the residual stream
  EXPECT_LT(o_std, q_std);
  (void)norm_std, (void)o_mean;

  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  test::TempDir llama;
  synth_model(fixture("hf-tiny/llama"), llama.path().string(), {});
  HfWeights lw(llama.path().string());
  TensorView ln = lw.view(*lw.find("model.norm.weight"));
  for (int64_t i = 0; i < ln.numel(); ++i) EXPECT_NEAR(ln.as<float>()[i], 1.0f, 0.05f);
}

TEST(Synth, DeterministicPerSeedAndNarrowDtypes) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/phi");
  test::TempDir a, b, c, h;
  synth_model(fixture("hf-tiny/phi"), a.path().string(), options(DType::F32, 7));
  synth_model(fixture("hf-tiny/phi"), b.path().string(), options(DType::F32, 7));
  synth_model(fixture("hf-tiny/phi"), c.path().string(), options(DType::F32, 8));
  EXPECT_EQ(slurp(a.path() / "model.safetensors"), slurp(b.path() / "model.safetensors"));
  EXPECT_NE(slurp(a.path() / "model.safetensors"), slurp(c.path() / "model.safetensors"));

  synth_model(fixture("hf-tiny/phi"), h.path().string(), options(DType::BF16, 7));
  EXPECT_EQ(load_model_config(h.path().string()).torch_dtype, "bfloat16");
  HfWeights f32(a.path().string()), bf16(h.path().string());
  TensorView x = f32.view(*f32.find("model.layers.1.mlp.fc1.weight"));
  TensorView y = bf16.view(*bf16.find("model.layers.1.mlp.fc1.weight"));
  ASSERT_EQ(y.dtype, DType::BF16);
  for (int64_t i = 0; i < x.numel(); ++i)
    ASSERT_EQ(bf16_to_f32(y.as<uint16_t>()[i]), bf16_to_f32(f32_to_bf16(x.as<float>()[i])));
  EXPECT_THROW(synth_model(fixture("hf-tiny/phi"), h.path().string(), options(DType::Q8_0, 0)), Error);
}

TEST(Synth, ShardsWithAnIndexAboveTheShardSize) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  test::TempDir out;
  SynthResult r = synth_model(fixture("hf-tiny/llama"), out.path().string(),
                              options(DType::F16, 0, 100'000));
  ASSERT_GT(r.weight_files.size(), 2u);
  EXPECT_EQ(r.weight_files[0], "model-00001-of-" + r.weight_files[0].substr(15, 5) + ".safetensors");
  EXPECT_FALSE(fs::exists(out.path() / "model.safetensors"));
  Json index = load_json_file((out.path() / "model.safetensors.index.json").string());
  EXPECT_EQ(index["metadata"]["total_size"].get<uint64_t>(), r.weight_bytes);
  ModelConfig c = load_model_config(out.path().string());
  HfWeights w(out.path().string());
  for (const auto& t : model_tensor_layout(c)) w.require(t.name, t.shape);
  // A second, unsharded run into the same folder leaves no stale shards behind.
  synth_model(fixture("hf-tiny/llama"), out.path().string(), {});
  EXPECT_FALSE(fs::exists(out.path() / "model.safetensors.index.json"));
  EXPECT_EQ(HfWeights(out.path().string()).entries().size(), model_tensor_layout(c).size());
}

TEST(Synth, BadInputsAreErrors) {
  test::TempDir out;
  EXPECT_THROW(synth_model(out.file("missing.json"), out.file("x"), {}), Error);
  std::ofstream(out.file("bad.json")) << R"({"model_type": "gpt2"})";
  EXPECT_THROW(synth_model(out.file("bad.json"), out.file("x"), {}), Error);
  // Sizes a hostile config can reach: 2^31 in every dimension overflows int64 parameters, and
  // a million layers would make the layout itself huge.
  std::ofstream(out.file("huge.json")) << R"({"model_type": "llama", "vocab_size": 2147483648,
      "hidden_size": 2147483648, "intermediate_size": 2147483648, "num_attention_heads": 1})";
  EXPECT_THROW(model_tensor_layout(load_model_config(out.file("huge.json"))), Error);
  std::ofstream(out.file("deep.json")) << R"({"model_type": "llama", "num_hidden_layers": 1000000})";
  EXPECT_THROW(synth_model(out.file("deep.json"), out.file("x"), {}), Error);
  std::ofstream(out.file("wide.json")) << R"({"model_type": "mobilebert", "num_feedforward_networks": 499999998})";
  EXPECT_THROW(synth_model(out.file("wide.json"), out.file("x"), {}), Error);  // found by fuzz_config
  // Weights larger than the free disk space are refused before anything is written.
  std::ofstream(out.file("big.json")) << R"({"model_type": "llama", "vocab_size": 2000000000,
      "hidden_size": 1000000, "num_attention_heads": 1, "num_hidden_layers": 1})";
  EXPECT_THROW(synth_model(out.file("big.json"), out.file("y"), {}), Error);
  EXPECT_FALSE(fs::exists(out.path() / "y" / "config.json"));
}

}  // namespace
}  // namespace lowspec
