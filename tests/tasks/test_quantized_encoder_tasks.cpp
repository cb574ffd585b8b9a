// Encoder tasks with Q8_0 weights and `lowspec compare` on masked LMs: tiny encoders widened to
// the bert-base-uncased vocabulary (widened_encoder.h), SQuAD questions, WikiText text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "models/encoder.h"
#include "tasks/qa.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "widened_encoder.h"

namespace lowspec::test {
namespace {

const char* kWikiText = "data/wikitext-2-raw/wiki.test.raw";

class QuantizedQa : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizedQa, Q8AnswersEverySquadQuestionAsF32Does) {
  LOWSPEC_REQUIRE_FIXTURE(kBertTokenizer);
  LOWSPEC_REQUIRE_FIXTURE(kSquadSample);
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + GetParam());
  TempDir dir;
  write_widened_encoder(fixture("hf-tiny/" + GetParam()), dir.path().string(), kBertVocab, 512);
  EncoderModel f32(dir.path().string());
  EncoderModel q8(dir.path().string(), DType::Q8_0);
  const auto tok = tokenizer::load_tokenizer(fixture(kBertTokenizer));
  ThreadPool pool(2);
  int questions = 0;
  const Json squad = load_json_file(fixture(kSquadSample));
  for (const Json& article : squad.at("data")) {
    for (const Json& paragraph : article.at("paragraphs")) {
      const std::string context = paragraph.at("context").get<std::string>();
      for (const Json& qa : paragraph.at("qas")) {
        const std::string question = qa.at("question").get<std::string>();
        SCOPED_TRACE(question);
        const auto want = answer_question(f32, *tok, question, context, {}, pool);
        const auto got = answer_question(q8, *tok, question, context, {}, pool);
        ASSERT_EQ(got.size(), 1u);
        ASSERT_EQ(want.size(), 1u);
        EXPECT_EQ(got[0].text, want[0].text);
        EXPECT_EQ(got[0].start, want[0].start);
        EXPECT_NEAR(got[0].score, want[0].score, 0.05);
        ++questions;
      }
    }
  }
  EXPECT_GE(questions, 8);
}

INSTANTIATE_TEST_SUITE_P(Widened, QuantizedQa, ::testing::Values("distilbert-qa", "mobilebert-qa"),
                         [](const auto& info) {
                           return info.param == "distilbert-qa" ? "distilbert" : "mobilebert";
                         });

// Runs lowspec; expects exit status 2 and one "lowspec: ..." line that mentions `what`.
void expect_user_error(const std::string& args, const std::string& what) {
  std::string out, err;
  EXPECT_EQ(run_lowspec(args, &out, &err), 2) << args << "\n" << err;
  EXPECT_EQ(err.rfind("lowspec: ", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(what), std::string::npos) << err;
}

class CompareMaskedLm : public ::testing::TestWithParam<std::string> {};

TEST_P(CompareMaskedLm, ItselfThenQ8ThenQ4OverWikiText) {
  LOWSPEC_REQUIRE_FIXTURE(kBertTokenizer);
  LOWSPEC_REQUIRE_FIXTURE(kWikiText);
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + GetParam());
  TempDir dir;
  const std::string model = dir.file("model");
  std::filesystem::create_directory(model);
  write_widened_encoder(fixture("hf-tiny/" + GetParam()), model, kBertVocab, 512);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "vocab.txt"})
    std::filesystem::copy_file(fixture(std::string(kBertTokenizer) + "/" + f), model + "/" + f);
  const std::string cmd = "compare --model " + model + " --text " + fixture(kWikiText) +
                          " --ctx 64 --max-tokens 160 --threads 2 --json --quant ";
  const auto compare = [&](const std::string& quant) {
    std::string out, err;
    EXPECT_EQ(run_lowspec(cmd + quant, &out, &err), 0) << err;
    return parse_json(out, "stdout");
  };
  const Json same = compare("none");
  EXPECT_EQ(same["method"], "pseudo-perplexity");
  EXPECT_EQ(same["positions"], 159);  // --max-tokens 160 less the leading [CLS]
  EXPECT_LT(same["max_kl"].get<double>(), 1e-12);
  EXPECT_EQ(same["top1_agreement"].get<double>(), 1.0);
  EXPECT_EQ(same["perplexity_ratio"].get<double>(), 1.0);

  const Json q8 = compare("q8_0");
  EXPECT_GT(q8["mean_kl"].get<double>(), 0.0);
  EXPECT_LT(q8["mean_kl"].get<double>(), 0.01);
  EXPECT_GE(q8["top1_agreement"].get<double>(), 0.9);
  EXPECT_NEAR(q8["perplexity_ratio"].get<double>(), 1.0, 0.05);
  EXPECT_EQ(q8["reference_perplexity"], same["reference_perplexity"]);

  const Json q4 = compare("q4_0");
  EXPECT_GT(q4["mean_kl"].get<double>(), q8["mean_kl"].get<double>());

  std::string table;
  ASSERT_EQ(run_lowspec("compare --model " + model + " --text " + fixture(kWikiText) +
                            " --ctx 32 --max-tokens 40 --quant q8_0",
                        &table),
            0);
  EXPECT_NE(table.find("top-1 agreement"), std::string::npos) << table;
  EXPECT_NE(table.find("pseudo-perplexity"), std::string::npos) << table;
}

INSTANTIATE_TEST_SUITE_P(Widened, CompareMaskedLm,
                         ::testing::Values("distilbert-mlm", "mobilebert-mlm"),
                         [](const auto& info) {
                           return info.param == "distilbert-mlm" ? "distilbert" : "mobilebert";
                         });

TEST(CompareCli, BadInputsAreOneLineErrors) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/distilbert-mlm");
  TempDir dir;
  std::ofstream(dir.file("ids.txt")) << "1 2 3 4 5 6 7 8";
  std::ofstream(dir.file("big.txt")) << "1 2 3 600";
  const std::string llama = "compare --model " + fixture("hf-tiny/llama") + " ";
  const std::string ids = " --ids " + dir.file("ids.txt");
  expect_user_error(llama + "--quant q3_x" + ids, "q3_x");
  expect_user_error(llama + "--quant q8_0 --ids " + dir.file("missing.txt"), "missing.txt");
  expect_user_error(llama + "--quant q8_0 --ids " + dir.file("big.txt"), "600");
  expect_user_error(llama + "--quant q8_0 --ctx 1000" + ids, "max_position_embeddings");
  expect_user_error(llama + "--quant q8_0" + ids + " --text " + dir.file("ids.txt"), "--text");
  expect_user_error(llama + "--quant q8_0 --text " + dir.file("ids.txt"), "tokenizer");
  // Masked LMs need [CLS], [SEP] and [MASK] from the model's tokenizer.
  expect_user_error("compare --model " + fixture("hf-tiny/distilbert-mlm") + " --quant q8_0" + ids,
                    "tokenizer");
  expect_user_error("compare --model " + dir.file("nowhere") + " --quant q8_0" + ids, "nowhere");
}

}  // namespace
}  // namespace lowspec::test
