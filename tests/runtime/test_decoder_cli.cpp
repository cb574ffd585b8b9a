// lowspec generate / perplexity / forward as scripts call them: outputs and one-line errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/json_util.h"
#include "formats/safetensors.h"
#include "models/test_decoder_tiny_model.h"
#include "test_util.h"

using namespace lowspec;

namespace {
const std::string kLlama = "hf-tiny/llama";

// Runs lowspec; expects exit status 2 and one "lowspec: ..." line that mentions `what`.
void expect_user_error(const std::string& args, const std::string& what) {
  std::string out, err;
  EXPECT_EQ(test::run_lowspec(args, &out, &err), 2) << args << "\n" << err;
  EXPECT_EQ(err.rfind("lowspec: ", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(what), std::string::npos) << err;
}
}  // namespace

TEST(DecoderCli, GenerateJsonReportsIdsTextAndSpeed) {
  LOWSPEC_REQUIRE_FIXTURE(kLlama);
  std::string out;
  ASSERT_EQ(test::run_lowspec("generate --model " + test::fixture(kLlama) +
                                  " --prompt-ids 1,5,9,300 --max-new-tokens 5 --temperature 0 --threads 1 --json",
                              &out),
            0);
  Json j = parse_json(out, "stdout");
  EXPECT_EQ(j["ids"].size(), 5u);
  EXPECT_EQ(j["text"], "");
  EXPECT_GT(j["prefill_ms_per_token"].get<double>(), 0.0);
  EXPECT_GT(j["decode_ms_per_token"].get<double>(), 0.0);
  EXPECT_GT(j["peak_rss_mib"].get<double>(), 0.0);
}

TEST(DecoderCli, GenerateRejectsBadPrompts) {
  LOWSPEC_REQUIRE_FIXTURE(kLlama);
  const std::string m = "generate --model " + test::fixture(kLlama) + " --temperature 0 ";
  expect_user_error(m + "--prompt-ids 1,2,512", "outside the vocabulary");
  expect_user_error(m + "--prompt-ids 1,x2", "not a token id");
  expect_user_error(m + "--prompt-ids ,", "empty");
  expect_user_error(m + "--prompt-ids 1,2 --max-new-tokens 255", "max_position_embeddings");
  expect_user_error(m + "--prompt hello", "no tokenizer");
  expect_user_error(m + "--prompt-ids 1 --top-p 0", "--top-p");
}

TEST(DecoderCli, PerplexityChecksItsInputs) {
  LOWSPEC_REQUIRE_FIXTURE(kLlama);
  test::TempDir dir;
  std::ofstream(dir.file("ids.txt")) << "1, 2 3\n4 5 6 7 8 9 10";
  std::ofstream(dir.file("bad.txt")) << "1 2 three";
  const std::string m = "perplexity --model " + test::fixture(kLlama) + " ";
  std::string out;
  ASSERT_EQ(test::run_lowspec(m + "--ids " + dir.file("ids.txt") + " --ctx 4 --stride 2 --json", &out), 0);
  Json j = parse_json(out, "stdout");
  EXPECT_EQ(j["tokens_scored"], 9);
  EXPECT_EQ(j["windows"], 4);
  expect_user_error(m + "--ids " + dir.file("bad.txt"), "bad.txt");
  expect_user_error(m + "--ids " + dir.file("ids.txt") + " --ctx 257", "max_position_embeddings");
  expect_user_error(m + "--ids " + dir.file("missing.txt"), "missing.txt");
}

TEST(DecoderCli, ForwardChecksItsInputs) {
  LOWSPEC_REQUIRE_FIXTURE(kLlama);
  test::TempDir dir;
  const int64_t ids[] = {1, 2, 3, 600};
  const int64_t mask[] = {1, 1, 1};
  write_safetensors(dir.file("no_ids.safetensors"), {{"attention_mask", DType::I64, {1, 3}, mask}});
  write_safetensors(dir.file("big_id.safetensors"), {{"input_ids", DType::I64, {1, 4}, ids}});
  write_safetensors(dir.file("mismatch.safetensors"),
                    {{"input_ids", DType::I64, {1, 4}, ids}, {"attention_mask", DType::I64, {1, 3}, mask}});
  const std::string m = "forward --model " + test::fixture(kLlama) + " --out " + dir.file("out.safetensors") + " --inputs ";
  expect_user_error(m + dir.file("no_ids.safetensors"), "input_ids");
  expect_user_error(m + dir.file("big_id.safetensors"), "600");
  expect_user_error(m + dir.file("mismatch.safetensors"), "attention_mask");
  expect_user_error("forward --model " + dir.file("nowhere") + " --inputs x --out y", "nowhere");
}

TEST(DecoderCli, TextPromptsGoThroughTheModelsTokenizer) {
  const std::string tok = "tokenizers/hf/tinyllama-1.1b-chat-v1.0";
  LOWSPEC_REQUIRE_FIXTURE(tok);
  test::TempDir dir;
  test::TinyLlama m;
  m.vocab = 32000;  // the tokenizer's vocabulary
  write_tiny_llama(dir.path().string(), m);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
    std::filesystem::copy_file(test::fixture(tok + "/" + f), dir.file(f));
  std::string out, err;
  ASSERT_EQ(test::run_lowspec("generate --model " + dir.path().string() +
                                  " --prompt 'The quick brown fox' --max-new-tokens 6 --temperature 0 --json",
                              &out, &err),
            0)
      << err;
  Json j = parse_json(out, "stdout");
  ASSERT_EQ(j["ids"].size(), 6u);
  std::string detok;
  // Streaming without --json prints the same text.
  ASSERT_EQ(test::run_lowspec("generate --model " + dir.path().string() +
                                  " --prompt 'The quick brown fox' --max-new-tokens 6 --temperature 0",
                              &detok),
            0);
  EXPECT_EQ(detok, j["text"].get<std::string>() + "\n");
  // Perplexity of a text file goes through the tokenizer too.
  std::ofstream(dir.file("text.txt")) << "It was the best of times, it was the worst of times.";
  ASSERT_EQ(test::run_lowspec("perplexity --model " + dir.path().string() + " --text " + dir.file("text.txt") +
                                  " --ctx 8 --stride 4 --json",
                              &out),
            0);
  EXPECT_GT(parse_json(out, "stdout")["tokens_scored"].get<int64_t>(), 5);
}
