// lowspec info and lowspec synth, run the way scripts run them.
#include <gtest/gtest.h>

#include <fstream>

#include "core/json_util.h"
#include "formats/model_config.h"
#include "test_util.h"

namespace lowspec {
namespace {

using test::fixture;
using test::run_lowspec;

// A path quoted for the shell.
std::string q(const std::string& path) {
  std::string s = "'";
  s += path;
  s += "'";
  return s;
}

Json info_json(const std::string& args) {
  std::string out, err;
  EXPECT_EQ(run_lowspec("info " + args + " --json", &out, &err), 0) << err;
  return parse_json(out, "info output");
}

TEST(InfoCommand, TinyCheckpointWithWeights) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/phi");
  Json j = info_json(q(fixture("hf-tiny/phi")));
  EXPECT_EQ(j["model_type"], "phi");
  EXPECT_EQ(j["parameters"].get<int64_t>(),
            count_parameters(load_model_config(fixture("hf-tiny/phi"))));
  EXPECT_TRUE(j["weights"]["matches_config"].get<bool>());
  EXPECT_EQ(j["weights"]["dtypes"]["F32"]["tensors"], j["weights"]["tensors"]);
  for (const char* format : {"F32", "F16", "Q8_0", "Q4_0"}) {
    const Json& m = j["memory"]["formats"][format];
    EXPECT_EQ(m["total_bytes"].get<uint64_t>(), m["weights_bytes"].get<uint64_t>() +
                                                    m["kv_cache_bytes"].get<uint64_t>() +
                                                    m["working_bytes"].get<uint64_t>());
  }
}

TEST(InfoCommand, ConfigOnlyFolderWithContextAndBatch) {
  const std::string rel = "real-configs/microsoft__phi-2";
  LOWSPEC_REQUIRE_FIXTURE(rel);
  Json j = info_json(q(fixture(rel)) + " --ctx 1024 --batch 2");
  EXPECT_EQ(j["parameters"].get<int64_t>(), 2779683840);  // published: 2.78 B
  EXPECT_TRUE(j["weights"].is_null());
  EXPECT_EQ(j["memory"]["context"], 1024);
  EXPECT_EQ(j["memory"]["batch"], 2);
  // K and V of 32 layers x 2560 wide, 1024 positions, 2 sequences, F32.
  EXPECT_EQ(j["memory"]["formats"]["Q4_0"]["kv_cache_bytes"].get<uint64_t>(),
            2ull * 32 * 2560 * 1024 * 2 * 4);
  std::string out;
  EXPECT_EQ(run_lowspec("info " + q(fixture(rel)), &out), 0);
  EXPECT_NE(out.find("weights: none (config only)"), std::string::npos) << out;
}

TEST(InfoCommand, GgufFile) {
  const std::string rel = "tokenizers/gguf/ggml-vocab-llama-spm.gguf";
  LOWSPEC_REQUIRE_FIXTURE(rel);
  Json j = info_json(q(fixture(rel)));
  EXPECT_EQ(j["model_type"], "llama");
  EXPECT_EQ(j["parameters"], 0);
  EXPECT_EQ(j["metadata"]["tokenizer.ggml.tokens"], "[32000 x string]");
  EXPECT_TRUE(j.contains("memory"));
}

TEST(InfoCommand, System) {
  Json j = info_json("--system");
  EXPECT_GE(j["logical_cores"].get<int>(), 1);
  EXPECT_GT(j["mem_total_bytes"].get<uint64_t>(), 0u);
  EXPECT_TRUE(j["cgroup"].contains("version"));
}

TEST(InfoCommand, SystemProbeMeasuresOneThreadAndTheUsableThreads) {
  Json j = info_json("--system --probe");
  ASSERT_TRUE(j["probe"].is_array());
  const int usable = j["usable_threads"].get<int>();
  ASSERT_EQ(j["probe"].size(), usable == 1 ? 1u : 2u);
  EXPECT_EQ(j["probe"][0]["threads"], 1);
  EXPECT_EQ(j["probe"].back()["threads"], usable);
  for (const Json& p : j["probe"]) {
    for (const char* key : {"read_gb_per_s", "fma_peak_gflops", "int8_peak_gops"})
      EXPECT_GT(p[key].get<double>(), 0.0) << key;
  }
  std::string out, err;
  EXPECT_EQ(run_lowspec("info --probe", &out, &err), 2);
  EXPECT_EQ(err, "lowspec: info: --probe goes with --system\n");
}

TEST(InfoCommand, BadInputIsOneLineAndExitTwo) {
  std::string out, err;
  EXPECT_EQ(run_lowspec("info /no/such/model", &out, &err), 2);
  EXPECT_EQ(err, "lowspec: /no/such/model: no such file or folder\n");
  test::TempDir dir;
  const std::string bad = dir.file("config.json");
  { std::ofstream(bad) << R"({"model_type": "llama", "hidden_size": "big"})"; }
  EXPECT_EQ(run_lowspec("info " + q(bad), &out, &err), 2);
  EXPECT_EQ(err.rfind("lowspec: " + bad + ": ", 0), 0u) << err;
  EXPECT_EQ(run_lowspec("info " + q(fixture("hf-tiny/llama")) + " --batch 0", &out, &err), 2);
}

TEST(SynthCommand, WritesAFolderInfoAccepts) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/gemma");
  test::TempDir dir;
  const std::string out_dir = dir.file("gemma-synth");
  std::string out, err;
  ASSERT_EQ(run_lowspec("synth " + q(fixture("hf-tiny/gemma")) + " --out " + q(out_dir) +
                            " --dtype f16 --seed 3",
                        &out, &err),
            0)
      << err;
  Json j = info_json(q(out_dir));
  EXPECT_TRUE(j["weights"]["matches_config"].get<bool>());
  EXPECT_EQ(j["torch_dtype"], "float16");
  EXPECT_EQ(j["weights"]["dtypes"]["F16"]["tensors"], j["weights"]["tensors"]);
  EXPECT_EQ(
      run_lowspec("synth " + q(fixture("hf-tiny/gemma")) + " --out " + q(out_dir) + " --dtype q4_0",
                  &out, &err),
      2);
  EXPECT_NE(err.find("--dtype"), std::string::npos) << err;
}

}  // namespace
}  // namespace lowspec
