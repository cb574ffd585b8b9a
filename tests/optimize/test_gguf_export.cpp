// `lowspec quantize` -> GGUF -> every decoder command reads it: the hf-tiny decoders written as
// F32 GGUF give the folder's logits (llama's q/k rows stored as interleaved rotary pairs and
// rotated that way, Gemma's gains stored as 1 + w), Q8_0 keeps the top token, the files carry the
// names and metadata llama.cpp expects, and bad input fails in one line with status 2 and no file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json_util.h"
#include "formats/gguf.h"
#include "formats/gguf_arch.h"
#include "formats/gguf_writer.h"
#include "formats/safetensors.h"
#include "models/test_decoder_golden.h"
#include "optimize/gguf_type_choice.h"
#include "test_util.h"

using namespace lowspec;
using lowspec::test::argmax;
using lowspec::test::TempDir;

namespace {

std::vector<float> forward_logits(const std::string& model, const std::string& inputs,
                                  const std::string& out) {
  std::string err;
  const std::string args =
      "forward --model " + model + " --inputs " + inputs + " --out " + out + " --threads 2";
  EXPECT_EQ(test::run_lowspec(args, nullptr, &err), 0) << args << "\n" << err;
  SafetensorsFile file(out);
  const SafetensorsEntry* e = file.find("logits");
  if (e == nullptr) return {};
  const TensorView t = file.view(*e);
  return std::vector<float>(t.as<float>(), t.as<float>() + t.numel());
}

void quantize(const std::string& model, const std::string& to, const std::string& out) {
  std::string err;
  const std::string args = "quantize " + model + " --to " + to + " --out " + out;
  ASSERT_EQ(test::run_lowspec(args, nullptr, &err), 0) << args << "\n" << err;
}

// The golden inputs of `which` (ids and mask) as a forward input file.
std::string golden_inputs(const SafetensorsFile& golden, const std::string& which,
                          const TempDir& dir) {
  const SafetensorsEntry* ids = golden.find(which + ".input_ids");
  EXPECT_NE(ids, nullptr) << which;
  std::vector<TensorToWrite> inputs = {
      {"input_ids", DType::I64, ids->shape, golden.view(*ids).data}};
  if (const SafetensorsEntry* mask = golden.find(which + ".attention_mask"))
    inputs.push_back({"attention_mask", DType::I64, mask->shape, golden.view(*mask).data});
  const std::string path = dir.file(which + ".safetensors");
  write_safetensors(path, inputs);
  return path;
}

// The "ids":[...] part of generate --json's output.
std::string json_ids(const std::string& json) {
  const size_t begin = json.find("\"ids\":[");
  return begin == std::string::npos ? json : json.substr(begin, json.find(']', begin) - begin);
}

class GgufExport : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufExport, F32FileGivesTheFolderLogitsAndQ8_0KeepsTheTopToken) {
  const std::string rel = "hf-tiny/" + GetParam();
  LOWSPEC_REQUIRE_FIXTURE(rel + "/golden.safetensors");
  const std::string model = test::fixture(rel);
  TempDir dir;
  quantize(model, "f32", dir.file("f32.gguf"));
  quantize(model, "q8_0", dir.file("q8.gguf"));
  SafetensorsFile golden(model + "/golden.safetensors");
  int64_t positions = 0, agree = 0;
  for (const std::string which : {"single", "batch2_leftpad", "long"}) {
    const std::string in = golden_inputs(golden, which, dir);
    const std::vector<float> ref = forward_logits(model, in, dir.file("ref.safetensors"));
    const std::vector<float> f32 =
        forward_logits(dir.file("f32.gguf"), in, dir.file("a.safetensors"));
    const std::vector<float> q8 =
        forward_logits(dir.file("q8.gguf"), in, dir.file("b.safetensors"));
    ASSERT_FALSE(ref.empty());
    // Same weights, same math; only q.k sums run in another order for llama.
    EXPECT_TRUE(test::all_near(f32, ref, 1e-5, 1e-5)) << GetParam() << " " << which;
    ASSERT_EQ(q8.size(), ref.size());
    const SafetensorsEntry* mask = golden.find(which + ".attention_mask");
    const int64_t V = golden.find(which + ".logits")->shape.back();
    for (int64_t r = 0; r < static_cast<int64_t>(ref.size()) / V; ++r) {
      if (mask && golden.view(*mask).as<int64_t>()[r] == 0) continue;
      ++positions;
      agree += argmax(&ref[r * V], V) == argmax(&q8[r * V], V);
    }
  }
  EXPECT_GE(static_cast<double>(agree), 0.9 * static_cast<double>(positions))
      << GetParam() << ": Q8_0 GGUF agrees with the folder at " << agree << " of " << positions;
}

// Weights stored as F16 / BF16 written in their own type lose nothing: the folder's logits.
TEST(GgufExportHalf, F16AndBF16FoldersKeepTheirLogits) {
  for (const auto& [name, to] : {std::pair{"llama-f16", "f16"}, {"llama-bf16", "bf16"}}) {
    const std::string rel = std::string("hf-tiny/") + name;
    LOWSPEC_REQUIRE_FIXTURE(rel + "/golden.safetensors");
    const std::string model = test::fixture(rel);
    TempDir dir;
    quantize(model, to, dir.file("m.gguf"));
    const GgufFile g = GgufFile::open(dir.file("m.gguf"));
    EXPECT_EQ(g.find_tensor("blk.0.ffn_up.weight")->ggml_type,
              std::string(to) == "f16" ? ggml_type::F16 : ggml_type::BF16);
    SafetensorsFile golden(model + "/golden.safetensors");
    const std::string in = golden_inputs(golden, "batch2_leftpad", dir);
    EXPECT_TRUE(test::all_near(forward_logits(dir.file("m.gguf"), in, dir.file("a.safetensors")),
                               forward_logits(model, in, dir.file("b.safetensors")), 1e-5, 1e-5))
        << name;
  }
}

TEST_P(GgufExport, GenerateFromTheFileMatchesTheFolder) {
  const std::string rel = "hf-tiny/" + GetParam();
  LOWSPEC_REQUIRE_FIXTURE(rel + "/config.json");
  const std::string model = test::fixture(rel);
  TempDir dir;
  quantize(model, "f32", dir.file("m.gguf"));
  const std::string args = " --prompt-ids 3,17,42,5 --max-new-tokens 8 --temperature 0 --json";
  std::string from_folder, from_file, err;
  ASSERT_EQ(test::run_lowspec("generate --model " + model + args, &from_folder, &err), 0) << err;
  ASSERT_EQ(test::run_lowspec("generate --model " + dir.file("m.gguf") + args, &from_file, &err), 0)
      << err;
  EXPECT_EQ(json_ids(from_file), json_ids(from_folder));
}

TEST(GgufExportFile, CarriesTheTokenizerForTextPrompts) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/config.json");
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json");
  // A small synthetic llama with TinyLlama's 32000-token vocabulary and its tokenizer.
  TempDir dir;
  std::ofstream(dir.file("config.json"))
      << R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
             "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2,
             "num_hidden_layers": 2, "vocab_size": 32000, "max_position_embeddings": 128,
             "bos_token_id": 1, "eos_token_id": 2})";
  const std::string folder = dir.file("model");
  std::string err;
  ASSERT_EQ(
      test::run_lowspec("synth " + dir.file("config.json") + " --out " + folder, nullptr, &err), 0)
      << err;
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    std::filesystem::create_symlink(test::fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0/") + f,
                                    folder + "/" + f);
  }
  quantize(folder, "f32", dir.file("m.gguf"));
  const GgufFile g = GgufFile::open(dir.file("m.gguf"));
  EXPECT_EQ(g.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(g.get_array("tokenizer.ggml.tokens").strings().size(), 32000u);
  const std::string args = " --prompt a --max-new-tokens 6 --temperature 0 --json";
  std::string from_folder, from_file;
  ASSERT_EQ(test::run_lowspec("generate --model " + folder + args, &from_folder, &err), 0) << err;
  ASSERT_EQ(test::run_lowspec("generate --model " + dir.file("m.gguf") + args, &from_file, &err), 0)
      << err;
  EXPECT_EQ(json_ids(from_file), json_ids(from_folder));
  EXPECT_NE(json_ids(from_file).find("\"ids\":["), std::string::npos);
}

// The tiny llama's 512 embedding rows with TinyLlama's 32000-token tokenizer: a file GGUF readers
// would reject (one token per row), so quantize refuses it, naming the tokenizer file; without any
// tokenizer the file says it has no vocabulary.
TEST(GgufExportFile, RejectsATokenizerOfAnotherModelAndMarksNone) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/config.json");
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json");
  TempDir dir;
  const std::string folder = dir.file("model");
  std::filesystem::create_directory(folder);
  for (const char* f : {"config.json", "generation_config.json", "model.safetensors"})
    std::filesystem::create_symlink(test::fixture("hf-tiny/llama/") + f, folder + "/" + f);
  quantize(folder, "q8_0", dir.file("bare.gguf"));
  EXPECT_EQ(GgufFile::open(dir.file("bare.gguf")).get_string("tokenizer.ggml.model"), "none");
  std::filesystem::create_symlink(
      test::fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json"),
      folder + "/tokenizer.json");
  std::string err;
  EXPECT_EQ(test::run_lowspec("quantize " + folder + " --to q8_0 --out " + dir.file("m.gguf"),
                              nullptr, &err),
            2);
  EXPECT_NE(
      err.find("tokenizer.json: the tokenizer has 32000 tokens but the model's vocab_size is 512"),
      std::string::npos)
      << err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.gguf")));
}

// Rows of 256 take the k-quants: a synthetic llama with hidden 256 written as Q4_K_M loads and
// keeps the F32 folder's mean NLL within 1% (the matrices run on whatever kernel matmul has).
TEST(GgufExportFile, Q4_K_MFileLoadsWithTheMix) {
  TempDir dir;
  std::ofstream(dir.file("config.json"))
      << R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 256,
             "intermediate_size": 512, "num_attention_heads": 4, "num_key_value_heads": 2,
             "num_hidden_layers": 2, "vocab_size": 300, "max_position_embeddings": 128})";
  std::string err;
  ASSERT_EQ(test::run_lowspec("synth " + dir.file("config.json") + " --out " + dir.file("model"),
                              nullptr, &err),
            0)
      << err;
  quantize(dir.file("model"), "q4_k_m", dir.file("m.gguf"));
  const GgufFile g = GgufFile::open(dir.file("m.gguf"));
  EXPECT_EQ(g.get_int("general.file_type"), 15);  // LLAMA_FTYPE_MOSTLY_Q4_K_M
  EXPECT_EQ(g.find_tensor("output.weight")->ggml_type, ggml_type::Q6_K);
  EXPECT_EQ(g.find_tensor("token_embd.weight")->ggml_type, ggml_type::Q4_K);
  EXPECT_EQ(g.find_tensor("blk.0.attn_q.weight")->ggml_type, ggml_type::Q4_K);
  EXPECT_EQ(g.find_tensor("blk.0.attn_v.weight")->ggml_type, ggml_type::Q4_K);  // 2 blocks: i >= 1
  EXPECT_EQ(g.find_tensor("blk.1.attn_v.weight")->ggml_type, ggml_type::Q6_K);
  EXPECT_EQ(g.find_tensor("blk.1.ffn_down.weight")->ggml_type, ggml_type::Q6_K);
  std::ofstream(dir.file("ids.txt")) << "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16";
  auto mean_nll = [&](const std::string& model) {
    std::string out, err;
    EXPECT_EQ(test::run_lowspec(
                  "perplexity --model " + model + " --ids " + dir.file("ids.txt") + " --json", &out,
                  &err),
              0)
        << err;
    return parse_json(out, "perplexity --json").value("mean_nll", 0.0);
  };
  const double f32 = mean_nll(dir.file("model")), q4 = mean_nll(dir.file("m.gguf"));
  EXPECT_GT(f32, 0);
  EXPECT_NEAR(q4, f32, 0.01 * f32);
}

INSTANTIATE_TEST_SUITE_P(Decoders, GgufExport, ::testing::Values("llama", "phi", "gemma"));

TEST(GgufExportFile, HasLlamaCppNamesKeysAndTypes) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/config.json");
  TempDir dir;
  quantize(test::fixture("hf-tiny/llama"), "q8_0", dir.file("m.gguf"));
  const GgufFile g = GgufFile::open(dir.file("m.gguf"));
  EXPECT_EQ(g.get_string("general.architecture"), "llama");
  EXPECT_EQ(g.get_int("llama.block_count"), 2);
  EXPECT_EQ(g.get_int("llama.embedding_length"), 64);
  EXPECT_EQ(g.get_int("llama.feed_forward_length"), 176);
  EXPECT_EQ(g.get_int("llama.attention.head_count"), 4);
  EXPECT_EQ(g.get_int("llama.attention.head_count_kv"), 2);
  EXPECT_EQ(g.get_int("llama.context_length"), 256);
  EXPECT_EQ(g.get_int("llama.rope.dimension_count"), 16);
  EXPECT_FLOAT_EQ(g.get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  EXPECT_EQ(g.get_int("general.file_type"), 7);  // LLAMA_FTYPE_MOSTLY_Q8_0
  EXPECT_EQ(g.get_int("general.quantization_version"), 2);
  EXPECT_EQ(g.tensors().size(), 1u + 2 * 9 + 2);
  auto type_of = [&](const std::string& name) {
    const GgufTensorInfo* t = g.find_tensor(name);
    EXPECT_NE(t, nullptr) << name;
    return t ? t->ggml_type : ~0u;
  };
  EXPECT_EQ(type_of("token_embd.weight"), ggml_type::Q8_0);
  EXPECT_EQ(type_of("blk.1.attn_q.weight"), ggml_type::Q8_0);
  EXPECT_EQ(type_of("blk.1.attn_norm.weight"), ggml_type::F32);
  EXPECT_EQ(type_of("blk.0.ffn_norm.weight"), ggml_type::F32);
  EXPECT_EQ(type_of("output_norm.weight"), ggml_type::F32);
  EXPECT_EQ(type_of("output.weight"), ggml_type::Q8_0);
  // The 176-wide MLP rows are not whole Q8_0 blocks: ffn_down falls back to F16.
  EXPECT_EQ(type_of("blk.0.ffn_down.weight"), ggml_type::F16);
  EXPECT_EQ(type_of("blk.0.ffn_gate.weight"), ggml_type::Q8_0);
  EXPECT_EQ(g.find_tensor("blk.0.attn_k.weight")->shape, (std::vector<int64_t>{32, 64}));
}

TEST(GgufExportFile, TiedGemmaHeadIsNotWrittenAndGainsHoldOnePlusW) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/gemma/config.json");
  TempDir dir;
  const std::string model = test::fixture("hf-tiny/gemma");
  quantize(model, "f32", dir.file("m.gguf"));
  const GgufFile g = GgufFile::open(dir.file("m.gguf"));
  EXPECT_EQ(g.get_string("general.architecture"), "gemma");
  EXPECT_EQ(g.get_int("gemma.attention.key_length"), 24);
  EXPECT_EQ(g.get_int("gemma.attention.value_length"), 24);
  EXPECT_EQ(g.find_tensor("output.weight"), nullptr);
  SafetensorsFile hf(model + "/model.safetensors");
  const TensorView w = hf.view(*hf.find("model.layers.0.input_layernorm.weight"));
  const TensorView stored = g.view(*g.find_tensor("blk.0.attn_norm.weight"));
  ASSERT_EQ(stored.numel(), w.numel());
  for (int64_t i = 0; i < w.numel(); ++i) EXPECT_EQ(stored.as<float>()[i], 1.0f + w.as<float>()[i]);
}

TEST(GgufExportFile, LlamaQueryRowsAreInterleavedRotaryPairs) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/config.json");
  TempDir dir;
  const std::string model = test::fixture("hf-tiny/llama");
  quantize(model, "f32", dir.file("m.gguf"));
  const GgufFile g = GgufFile::open(dir.file("m.gguf"));
  SafetensorsFile hf(model + "/model.safetensors");
  const TensorView q = hf.view(*hf.find("model.layers.0.self_attn.q_proj.weight"));
  const TensorView stored = g.view(*g.find_tensor("blk.0.attn_q.weight"));
  const int64_t hd = 16, H = 64;
  // Head 1: stored row 2i + j is HF row i + j * hd / 2.
  for (int64_t i = 0; i < hd / 2; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      const float* want = q.as<float>() + (hd + i + j * hd / 2) * H;
      const float* got = stored.as<float>() + (hd + 2 * i + j) * H;
      EXPECT_TRUE(std::equal(got, got + H, want)) << "row " << 2 * i + j;
    }
  }
}

TEST(GgufTypeChoice, Q4_K_MFollowsLlamaCppMix) {
  const GgufTarget t = parse_gguf_target("Q4_K_M");
  const int64_t layers = 22;  // TinyLlama
  std::vector<int64_t> q6_layers;
  for (int64_t i = 0; i < layers; ++i) {
    const GgufTypeChoice v =
        choose_gguf_type(t, cat("blk.", i, ".attn_v.weight"), {256, 2048}, i, layers, false);
    const GgufTypeChoice down =
        choose_gguf_type(t, cat("blk.", i, ".ffn_down.weight"), {2048, 5632}, i, layers, false);
    EXPECT_EQ(v.type, down.type) << i;
    if (v.type == DType::Q6_K) q6_layers.push_back(i);
    EXPECT_EQ(
        choose_gguf_type(t, cat("blk.", i, ".attn_q.weight"), {2048, 2048}, i, layers, false).type,
        DType::Q4_K);
  }
  // n/8 = 2: layers 0, 1, then every third from 4, and the last eighth (i >= 19).
  EXPECT_EQ(q6_layers, (std::vector<int64_t>{0, 1, 4, 7, 10, 13, 16, 19, 20, 21}));
  EXPECT_EQ(choose_gguf_type(t, "output.weight", {32000, 2048}, -1, layers, true).type,
            DType::Q6_K);
  EXPECT_EQ(choose_gguf_type(t, "token_embd.weight", {32000, 2048}, -1, layers, false).type,
            DType::Q4_K);
  EXPECT_EQ(choose_gguf_type(t, "output_norm.weight", {2048}, -1, layers, false).type, DType::F32);
  const GgufTypeChoice narrow = choose_gguf_type(t, "blk.0.attn_q.weight", {64, 64}, 0, 2, false);
  EXPECT_EQ(narrow.type, DType::Q8_0);
  EXPECT_TRUE(narrow.fell_back);
  EXPECT_EQ(choose_gguf_type(t, "blk.0.ffn_down.weight", {64, 176}, 0, 2, false).type, DType::F16);
  EXPECT_THROW(parse_gguf_target("q3_k"), Error);
}

// Without sharing, every tensor sits at the running offset, as ggml's reader requires.
TEST(GgufExportFile, TensorsFollowEachOtherAtAlignedOffsets) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/phi/config.json");
  TempDir dir;
  quantize(test::fixture("hf-tiny/phi"), "q8_0", dir.file("m.gguf"));
  const GgufFile g = GgufFile::open(dir.file("m.gguf"));
  uint64_t expected = g.data_offset();
  for (const GgufTensorInfo& t : g.tensors()) {
    EXPECT_EQ(t.offset, expected) << t.name;
    expected = (t.offset + t.nbytes + g.alignment() - 1) / g.alignment() * g.alignment();
  }
}

// The tiny llama with layer 1 a copy of layer 0: with --share-identical each of layer 1's
// matrices and gains names layer 0's bytes, the file shrinks by them, and the logits stay.
TEST(GgufExportFile, IdenticalTensorsAreStoredOnceWhenAsked) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/golden.safetensors");
  const std::string llama = test::fixture("hf-tiny/llama");
  TempDir dir;
  const std::string folder = dir.file("model");
  std::filesystem::create_directory(folder);
  std::filesystem::create_symlink(llama + "/config.json", folder + "/config.json");
  SafetensorsFile weights(llama + "/model.safetensors");
  std::vector<TensorToWrite> tensors;
  for (const SafetensorsEntry& e : weights.entries()) {
    std::string from = e.name;
    if (from.rfind("model.layers.1.", 0) == 0) from.replace(13, 1, "0");
    tensors.push_back({e.name, e.dtype, e.shape, weights.view(*weights.find(from)).data});
  }
  write_safetensors(folder + "/model.safetensors", tensors);
  quantize(folder, "f32", dir.file("plain.gguf"));
  std::string err;
  ASSERT_EQ(test::run_lowspec("quantize " + folder + " --to f32 --share-identical --out " +
                                  dir.file("shared.gguf"),
                              nullptr, &err),
            0)
      << err;
  EXPECT_NE(err.find("shared: 9 tensors"), std::string::npos) << err;
  const GgufFile plain = GgufFile::open(dir.file("plain.gguf"));
  const GgufFile shared = GgufFile::open(dir.file("shared.gguf"));
  uint64_t layer_bytes = 0;
  for (const GgufTensorInfo& t : shared.tensors()) {
    if (t.name.rfind("blk.1.", 0) != 0) continue;
    const GgufTensorInfo* twin = shared.find_tensor("blk.0." + t.name.substr(6));
    ASSERT_NE(twin, nullptr);
    EXPECT_EQ(t.offset, twin->offset) << t.name;
    layer_bytes += t.nbytes;
  }
  EXPECT_GT(layer_bytes, 0u);
  EXPECT_LE(shared.file_size() + layer_bytes, plain.file_size());
  SafetensorsFile golden(llama + "/golden.safetensors");
  const std::string in = golden_inputs(golden, "single", dir);
  EXPECT_EQ(forward_logits(dir.file("shared.gguf"), in, dir.file("a.safetensors")),
            forward_logits(dir.file("plain.gguf"), in, dir.file("b.safetensors")));
}

// Older phi-2 converters fuse q, k and v into blk.N.attn_qkv: such a file (rewritten from ours)
// gives the same logits, its q/k/v read as row ranges of the fused tensor.
TEST(GgufExportFile, Phi2WithFusedQkvLoads) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/phi/golden.safetensors");
  const std::string phi = test::fixture("hf-tiny/phi");
  TempDir dir;
  quantize(phi, "f32", dir.file("split.gguf"));
  const GgufFile split = GgufFile::open(dir.file("split.gguf"));
  GgufWriter w;
  add_gguf_arch_metadata(w, model_config_from_gguf(split));
  std::vector<std::pair<std::string, std::vector<const GgufTensorInfo*>>> out;
  for (const GgufTensorInfo& t : split.tensors()) {
    const size_t at = t.name.find(".attn_q.");
    if (t.name.find(".attn_k.") != std::string::npos ||
        t.name.find(".attn_v.") != std::string::npos)
      continue;
    if (at == std::string::npos) {
      out.push_back({t.name, {&t}});
      continue;
    }
    std::string fused = t.name;
    fused.replace(at, 8, ".attn_qkv.");
    std::vector<const GgufTensorInfo*> parts = {&t};
    for (const char* kv : {".attn_k.", ".attn_v."}) {
      std::string name = t.name;
      parts.push_back(split.find_tensor(name.replace(at, 8, kv)));
      ASSERT_NE(parts.back(), nullptr) << name;
    }
    out.push_back({fused, parts});
  }
  for (const auto& [name, parts] : out) {
    std::vector<int64_t> shape = parts[0]->shape;
    for (size_t i = 1; i < parts.size(); ++i) shape[0] += parts[i]->shape[0];
    w.add_tensor(name, DType::F32, shape);
  }
  w.begin(dir.file("fused.gguf"));
  for (const auto& [name, parts] : out) {
    for (const GgufTensorInfo* t : parts) w.write(split.tensor_bytes(*t).data(), t->nbytes);
  }
  w.finish();
  ASSERT_NE(GgufFile::open(dir.file("fused.gguf")).find_tensor("blk.1.attn_qkv.bias"), nullptr);
  SafetensorsFile golden(phi + "/golden.safetensors");
  const std::string in = golden_inputs(golden, "single", dir);
  EXPECT_EQ(forward_logits(dir.file("fused.gguf"), in, dir.file("a.safetensors")),
            forward_logits(dir.file("split.gguf"), in, dir.file("b.safetensors")));
}

// One line on stderr, status 2, and neither the file nor its temporary left behind.
void expect_clean_failure(const std::string& args, const std::string& out) {
  std::string err;
  EXPECT_EQ(test::run_lowspec(args, nullptr, &err), 2) << args;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(std::filesystem::exists(out)) << args;
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp")) << args;
}

TEST(GgufExportCli, BadInputFailsInOneLineWithoutAFile) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/config.json");
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/distilbert-qa/config.json");
  TempDir dir;
  const std::string out = dir.file("m.gguf");
  const std::string llama = test::fixture("hf-tiny/llama");
  expect_clean_failure("quantize " + llama + " --to q3_k --out " + out, out);
  expect_clean_failure("quantize " + llama + " --to q8_0 --out " + dir.file("m.bin"),
                       dir.file("m.bin"));
  expect_clean_failure(
      "quantize " + test::fixture("hf-tiny/distilbert-qa") + " --to q8_0 --out " + out, out);
  expect_clean_failure("quantize " + llama + " --to q8_0 --out " + dir.file("no/such/dir/m.gguf"),
                       dir.file("no/such/dir/m.gguf"));
  // A folder whose config disagrees with its weights.
  const std::string bad = dir.file("bad");
  std::filesystem::create_directory(bad);
  std::filesystem::create_symlink(llama + "/model.safetensors", bad + "/model.safetensors");
  std::ifstream in(llama + "/config.json");
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  config.replace(config.find("\"intermediate_size\": 176"), 24, "\"intermediate_size\": 192");
  std::ofstream(bad + "/config.json") << config;
  expect_clean_failure("quantize " + bad + " --to q8_0 --out " + out, out);
}

TEST(GgufDecoderLoad, FilesWithoutAModelFailInOneLine) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/gguf/ggml-vocab-gpt-2.gguf");
  const std::pair<const char*, const char*> cases[] = {
      {"ggml-vocab-gpt-2.gguf", "general.architecture \"gpt2\" is not supported"},
      {"ggml-vocab-llama-spm.gguf", "missing tensor \"token_embd.weight\""}};
  for (const auto& [file, message] : cases) {
    const std::string path = test::fixture(std::string("tokenizers/gguf/") + file);
    std::string err;
    EXPECT_EQ(test::run_lowspec("generate --model " + path + " --prompt-ids 1,2", nullptr, &err),
              2);
    EXPECT_NE(err.find(path + ": " + message), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

}  // namespace
