// lowspec summarize on one article, with a tiny random-weight decoder that has TinyLlama's
// tokenizer: the summary's bookkeeping, truncation of long articles, and input errors.
#include <gtest/gtest.h>

#include <fstream>

#include "core/json_util.h"
#include "eval/summarization_dataset.h"
#include "test_eval_models.h"
#include "test_util.h"

namespace lowspec {
namespace {

using test::fixture;
using test::run_lowspec;

class SummarizeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(fixture("hf-tiny/llama")) ||
        !std::filesystem::exists(fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0")))
      return;
    dir_ = new test::TempDir;
    llama_ = test::make_eval_model(dir_->path(), test::tinyllama_spec());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
    LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0");
    ASSERT_NE(dir_, nullptr);
  }
  static test::TempDir* dir_;
  static std::string llama_;
};

test::TempDir* SummarizeCli::dir_ = nullptr;
std::string SummarizeCli::llama_;

TEST_F(SummarizeCli, ShortTextGoesInWhole) {
  std::string out, err;
  ASSERT_EQ(run_lowspec("summarize --threads 1 --json --max-new-tokens 12 --model " + llama_ +
                            " --text 'The council approved the new park on Monday. Work starts in May.'",
                        &out, &err),
            0)
      << err;
  const Json j = Json::parse(out);
  EXPECT_TRUE(j.at("summary").is_string());
  EXPECT_EQ(j.at("article_tokens_kept"), j.at("article_tokens"));
  EXPECT_GT(j.at("article_tokens").get<int64_t>(), 10);
  EXPECT_GT(j.at("prompt_tokens").get<int64_t>(), j.at("article_tokens").get<int64_t>());  // plus the instruction
  EXPECT_GE(j.at("new_tokens").get<int64_t>(), 1);
  EXPECT_LE(j.at("new_tokens").get<int64_t>(), 12);
  EXPECT_GT(j.at("peak_rss_bytes").get<uint64_t>(), 0u);
}

TEST_F(SummarizeCli, LongArticleIsCutToTheModelsPositions) {
  LOWSPEC_REQUIRE_FIXTURE("data/cnn_dailymail/train_sample.jsonl");
  const auto examples = eval::load_summary_examples(fixture("data/cnn_dailymail/train_sample.jsonl"), {1, 0});
  const std::string file = dir_->file("article.txt");
  std::ofstream(file, std::ios::binary) << examples.at(0).article;
  std::string out, err;
  ASSERT_EQ(run_lowspec("summarize --threads 1 --json --max-new-tokens 40 --model " + llama_ + " --file " + file,
                        &out, &err),
            0)
      << err;
  const Json j = Json::parse(out);
  EXPECT_LT(j.at("article_tokens_kept").get<int64_t>(), j.at("article_tokens").get<int64_t>());
  EXPECT_LE(j.at("prompt_tokens").get<int64_t>(), 256 - 40);
  EXPECT_GE(j.at("prompt_tokens").get<int64_t>(), 256 - 40 - 3);

  // Without --json the summary goes to stdout and the cut is reported on stderr.
  ASSERT_EQ(run_lowspec("summarize --threads 1 --max-new-tokens 8 --model " + llama_ + " --file " + file, &out, &err), 0);
  EXPECT_NE(err.find("the article was cut to"), std::string::npos) << err;
}

TEST_F(SummarizeCli, BadInputIsAOneLineError) {
  std::string out, err;
  EXPECT_EQ(run_lowspec("summarize --model " + llama_ + " --text '  '", &out, &err), 2);
  EXPECT_NE(err.find("the article is empty"), std::string::npos) << err;
  EXPECT_EQ(run_lowspec("summarize --model " + llama_ + " --file " + dir_->file("nope.txt"), &out, &err), 2);
  EXPECT_NE(err.find("nope.txt"), std::string::npos) << err;
  EXPECT_EQ(run_lowspec("summarize --model " + llama_ + " --text a --file " + dir_->file("nope.txt"), &out, &err), 2);
  EXPECT_NE(err.find("exactly one of --text and --file"), std::string::npos) << err;
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/distilbert-qa");
  EXPECT_EQ(run_lowspec("summarize --model " + fixture("hf-tiny/distilbert-qa") + " --text 'Some news.'", &out, &err), 2);
  EXPECT_NE(err.find("needs a decoder"), std::string::npos) << err;
}

}  // namespace
}  // namespace lowspec
