// tokenizer.json written as tokenizer.ggml.* metadata and read back by the GGUF tokenizer: the
// golden texts encode to the same ids (special tokens added and not) for TinyLlama (model
// "llama", scores from the merge order) and phi-2 (model "gpt2", merges, added whitespace tokens).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/json_util.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "test_util.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/gguf_vocab_export.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {
namespace {

using lowspec::test::fixture;

// The folder's vocabulary written to a tensor-less GGUF file and loaded back.
std::unique_ptr<Tokenizer> through_gguf(const std::string& dir, const test::TempDir& tmp,
                                        GgufVocab* written, const std::string& pre) {
  auto vocab = gguf_vocab_from_folder(dir, {}, 0);
  if (vocab && !pre.empty()) vocab->pre = pre;
  EXPECT_TRUE(vocab.has_value());
  if (!vocab) return nullptr;
  *written = *vocab;
  GgufWriter w;
  add_gguf_vocab(w, *vocab);
  w.begin(tmp.file("vocab.gguf"));
  w.finish();
  return load_tokenizer(tmp.file("vocab.gguf"));
}

// `pre`: a tokenizer.ggml.pre to write instead of ours ("" keeps it).
// `files`: the tokenizer files of the folder to use (all of it when empty).
void expect_same_ids(const std::string& model, const std::string& pre = "",
                     const std::vector<std::string>& files = {}) {
  test::TempDir tmp;
  std::string dir = fixture("tokenizers/hf/" + model);
  if (!files.empty()) {
    std::filesystem::create_directory(tmp.file("folder"));
    for (const std::string& f : files)
      std::filesystem::create_symlink(dir + "/" + f, tmp.file("folder/" + f));
    dir = tmp.file("folder");
  }
  GgufVocab vocab;
  const auto gguf = through_gguf(dir, tmp, &vocab, pre);
  ASSERT_NE(gguf, nullptr);
  const Json golden = load_json_file(fixture("tokenizers/golden/" + model + ".json"));
  int checked = 0;
  for (const Json& c : golden["cases"]) {
    const std::string text = c["text"];
    SCOPED_TRACE(text);
    EXPECT_EQ(gguf->encode(text).ids, c["ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(gguf->encode(text, false).ids, c["ids_no_special"].get<std::vector<int32_t>>());
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST(GgufVocabExport, TinyLlamaEncodesLikeTokenizerJson) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/golden/tinyllama-1.1b-chat-v1.0.json");
  expect_same_ids("tinyllama-1.1b-chat-v1.0");
}

TEST(GgufVocabExport, TinyLlamaSentencePieceModelEncodesLikeTokenizerJson) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.model");
  expect_same_ids("tinyllama-1.1b-chat-v1.0", "", {"tokenizer.model", "tokenizer_config.json"});
}

TEST(GgufVocabExport, Phi2EncodesLikeTokenizerJson) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/golden/phi-2.json");
  expect_same_ids("phi-2");
  // llama.cpp's converter labels this vocabulary "phi-2".
  expect_same_ids("phi-2", "phi-2");
}

TEST(GgufVocabExport, KeysFollowLlamaCpp) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json");
  const auto v =
      gguf_vocab_from_folder(fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0"), {}, 32000);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->model, "llama");
  EXPECT_EQ(v->tokens.size(), 32000u);
  EXPECT_EQ(v->token_type[0], 2);    // <unk>
  EXPECT_EQ(v->token_type[1], 3);    // <s>: control
  EXPECT_EQ(v->token_type[3], 6);    // <0x00>: byte
  EXPECT_EQ(v->token_type[300], 1);  // a normal piece
  EXPECT_EQ(v->bos, 1);
  EXPECT_EQ(v->eos, 2);
  EXPECT_EQ(v->unk, 0);
  EXPECT_EQ(v->add_bos, true);
  EXPECT_EQ(v->add_eos, false);
  EXPECT_EQ(v->add_space_prefix, true);
  // Padding rows beyond the tokenizer, as llama.cpp names them.
  const auto padded = gguf_vocab_from_folder(fixture("tokenizers/hf/phi-2"), {}, 51200);
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(padded->model, "gpt2");
  EXPECT_EQ(padded->pre, "gpt-2");
  EXPECT_EQ(padded->tokens.size(), 51200u);
  EXPECT_EQ(padded->tokens[51199], "[PAD51199]");
  EXPECT_EQ(padded->token_type[51199], 5);
  EXPECT_EQ(padded->token_type[50257], 4);  // an added whitespace token: user-defined
  EXPECT_EQ(gguf_vocab_from_folder(fixture("hf-tiny/llama"), {}, 512), std::nullopt);
}

// A tokenizer with more tokens than the model has embedding rows belongs to another model: GGUF
// readers take one token per row, so the file would not load there.
TEST(GgufVocabExport, RejectsMoreTokensThanEmbeddingRows) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json");
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/phi-2/tokenizer.json");
  for (const char* name : {"tinyllama-1.1b-chat-v1.0", "phi-2"}) {
    try {
      gguf_vocab_from_folder(fixture(std::string("tokenizers/hf/") + name), {}, 512);
      ADD_FAILURE() << name << ": accepted for a 512-row model";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("vocab_size is 512"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace lowspec::tokenizer
