// lowspec qa and lowspec fill-mask as scripts call them: exit status, JSON shape, clear errors.
#include <gtest/gtest.h>

#include <string>

#include "core/json_util.h"
#include "test_util.h"
#include "widened_encoder.h"

namespace lowspec::test {
namespace {


class EncoderCli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string rel : {std::string(kBertTokenizer), std::string("hf-tiny/distilbert-qa"), std::string("hf-tiny/mobilebert-mlm")}) {
      if (!std::filesystem::exists(fixture(rel))) {
        if (in_ci()) FAIL() << "missing fixture " << rel;
        GTEST_SKIP() << "fixture not present: " << rel;
      }
    }
    std::filesystem::create_directories(qa_dir());
    std::filesystem::create_directories(mlm_dir());
    write_widened_encoder(fixture("hf-tiny/distilbert-qa"), qa_dir(), 30522, 512);
    write_widened_encoder(fixture("hf-tiny/mobilebert-mlm"), mlm_dir(), 30522, 512);
  }
  std::string qa_dir() const { return dir_.file("qa"); }
  std::string mlm_dir() const { return dir_.file("mlm"); }
  std::string tokenizer() const { return " --tokenizer '" + fixture(kBertTokenizer) + "'"; }
  TempDir dir_;
};

TEST_F(EncoderCli, QaPrintsHfShapedJson) {
  const std::string context = "The Normans gave their name to Normandy, a region in France.";
  std::string out, err;
  ASSERT_EQ(run_lowspec("qa --model '" + qa_dir() + "'" + tokenizer() +
                            " --question 'Where is Normandy?' --context '" + context + "' --json",
                        &out, &err),
            0)
      << err;
  const Json one = parse_json(out, "stdout");
  ASSERT_TRUE(one.is_object()) << out;
  const int64_t start = one.at("start").get<int64_t>(), end = one.at("end").get<int64_t>();
  EXPECT_EQ(one.at("answer").get<std::string>(), context.substr(start, end - start));
  EXPECT_GT(one.at("score").get<double>(), 0.0);

  ASSERT_EQ(run_lowspec("qa --model '" + qa_dir() + "'" + tokenizer() +
                            " --question 'Where?' --context '" + context + "' --top-k 3 --json",
                        &out, &err),
            0)
      << err;
  const Json three = parse_json(out, "stdout");
  ASSERT_TRUE(three.is_array());
  EXPECT_EQ(three.size(), 3u);
}

TEST_F(EncoderCli, QaBadInputExitsTwoWithOneLine) {
  std::string out, err;
  EXPECT_EQ(run_lowspec("qa --model '" + qa_dir() + "'" + tokenizer() + " --question '' --context 'x'",
                        &out, &err),
            2);
  EXPECT_NE(err.find("question is empty"), std::string::npos) << err;
  EXPECT_EQ(run_lowspec("qa --model '" + qa_dir() + "'" + tokenizer() +
                            " --question 'Who?' --context-file '" + dir_.file("missing.txt") + "'",
                        &out, &err),
            2);
  EXPECT_NE(err.find("missing.txt"), std::string::npos) << err;
  EXPECT_EQ(run_lowspec("qa --model '" + mlm_dir() + "'" + tokenizer() + " --question 'Who?' --context 'x'",
                        &out, &err),
            2);
  EXPECT_NE(err.find("not a question-answering model"), std::string::npos) << err;
}

TEST_F(EncoderCli, FillMaskListsCandidatesPerMask) {
  std::string out, err;
  ASSERT_EQ(run_lowspec("fill-mask --model '" + mlm_dir() + "'" + tokenizer() +
                            " --text 'Paris is the [MASK] of France.' --top-k 4 --json",
                        &out, &err),
            0)
      << err;
  const Json j = parse_json(out, "stdout");
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 4u);
  for (const Json& c : j) {
    EXPECT_TRUE(c.contains("token_str"));
    EXPECT_NE(c.at("sequence").get<std::string>().find("paris is the"), std::string::npos);
  }
  EXPECT_EQ(run_lowspec("fill-mask --model '" + mlm_dir() + "'" + tokenizer() + " --text 'no mask'",
                        &out, &err),
            2);
  EXPECT_NE(err.find("has no [MASK]"), std::string::npos) << err;
}

}  // namespace
}  // namespace lowspec::test
