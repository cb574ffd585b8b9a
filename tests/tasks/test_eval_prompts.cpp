// The pure parts of the quality tasks: prompt templates, prompt truncation, scoring.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/json_util.h"
#include "eval/bleu.h"
#include "eval/rouge.h"
#include "tasks/eval_prompt.h"
#include "tasks/eval_scoring.h"
#include "tasks/generative_qa.h"
#include "tasks/summarize.h"
#include "test_util.h"

namespace lowspec {
namespace {

using test::fixture;

constexpr const char* kTinyLlamaTokenizer = "tokenizers/hf/tinyllama-1.1b-chat-v1.0";

TEST(EvalPrompt, LlamaPromptIsWhatTinyLlamasChatTemplateRenders) {
  LOWSPEC_REQUIRE_FIXTURE("chat/goldens.json");
  const Json goldens = load_json_file(fixture("chat/goldens.json"));
  int checked = 0;
  for (const Json& c : goldens.at("cases")) {
    const std::string source = c.at("template_source").get<std::string>();
    if (source.find("tinyllama") == std::string::npos || c.at("messages").size() != 1 ||
        !c.at("add_generation_prompt").get<bool>() || c.at("rendered").is_null())
      continue;
    const Json& m = c.at("messages")[0];
    if (m.at("role") != "user") continue;
    const PromptParts p = family_prompt(Family::Llama, "", m.at("content").get<std::string>(), "", "Answer:");
    EXPECT_EQ(p.head + p.body + p.tail, c.at("rendered").get<std::string>()) << c.at("id");
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(EvalPrompt, EachFamilyWrapsTheInstruction) {
  const PromptParts phi = family_prompt(Family::Phi, "Do it: ", "BODY", " now", "Answer:");
  EXPECT_EQ(phi.head + phi.body + phi.tail, "Instruct: Do it: BODY now\nOutput:");
  EXPECT_EQ(phi.body, "BODY");
  const PromptParts gemma = family_prompt(Family::Gemma, "Do it: ", "BODY", " now", "Answer:");
  EXPECT_EQ(gemma.head + gemma.body + gemma.tail, "Do it: BODY now\nAnswer:");
  EXPECT_THROW(family_prompt(Family::DistilBert, "", "BODY", "", "Answer:"), Error);
  EXPECT_THROW(family_prompt(Family::MobileBert, "", "BODY", "", "Answer:"), Error);
}

TEST(EvalPrompt, QaAndSummaryPromptsPutTheLongTextInTheBody) {
  const PromptParts qa = qa_prompt(Family::Gemma, "Who won?", "The Broncos won.");
  EXPECT_EQ(qa.head + qa.body + qa.tail,
            "Answer the question with a few words from the context.\nContext: The Broncos won.\n"
            "Question: Who won?\nAnswer:");
  EXPECT_EQ(qa.body, "The Broncos won.");
  const PromptParts s = summary_prompt(Family::Gemma, "An article.");
  EXPECT_EQ(s.head + s.body + s.tail,
            "Summarize the following news article in three sentences.\nArticle: An article.\nSummary:");
  EXPECT_EQ(s.body, "An article.");
}

TEST(EvalPrompt, BudgetLeavesRoomForTheNewTokens) {
  ModelConfig c;
  c.max_position_embeddings = 256;
  EXPECT_EQ(prompt_budget(c, 32), 224);
  EXPECT_THROW(prompt_budget(c, 256), Error);
  EXPECT_THROW(prompt_budget(c, 0), Error);
}

TEST(EvalPrompt, TrimWhitespace) {
  EXPECT_EQ(trim_whitespace("  \n Denver Broncos.\n "), "Denver Broncos.");
  EXPECT_EQ(trim_whitespace(" \t\n"), "");
}

class FitPrompt : public ::testing::Test {
 protected:
  void SetUp() override {
    LOWSPEC_REQUIRE_FIXTURE(kTinyLlamaTokenizer);
    tok_ = tokenizer::load_tokenizer(fixture(kTinyLlamaTokenizer));
  }
  std::vector<int64_t> ids(const std::string& text) const {
    std::vector<int64_t> out;
    for (int32_t id : tok_->encode(text).ids) out.push_back(id);
    return out;
  }
  std::string text(const std::vector<int64_t>& ids) const {
    std::vector<int32_t> v(ids.begin(), ids.end());
    return tok_->decode(v);
  }
  std::unique_ptr<tokenizer::Tokenizer> tok_;
};

TEST_F(FitPrompt, PromptThatFitsIsTokenizedWhole) {
  const PromptParts p = summary_prompt(Family::Llama, "The bishop exposed church members to hepatitis A.");
  const FittedPrompt f = fit_prompt(*tok_, p, 200);
  EXPECT_EQ(f.ids, ids(p.head + p.body + p.tail));
  EXPECT_FALSE(f.truncated());
  EXPECT_EQ(f.body_tokens, f.body_tokens_full);
}

TEST_F(FitPrompt, LongBodyIsCutKeepingTheInstruction) {
  std::string article;
  for (int i = 0; i < 60; ++i) article += "Sentence number " + std::to_string(i) + " of the article. ";
  const PromptParts p = qa_prompt(Family::Llama, "Which sentence comes last?", article);
  const int64_t budget = 80;
  const FittedPrompt f = fit_prompt(*tok_, p, budget);
  EXPECT_TRUE(f.truncated());
  EXPECT_LE(static_cast<int64_t>(f.ids.size()), budget);
  EXPECT_GE(static_cast<int64_t>(f.ids.size()), budget - 3);  // cut at the token that overflows
  EXPECT_LT(f.body_tokens, f.body_tokens_full);
  const std::string prompt = text(f.ids);
  EXPECT_NE(prompt.find("Answer the question with a few words"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("Sentence number 0 of"), std::string::npos) << prompt;
  EXPECT_EQ(prompt.find("Sentence number 59"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("\nQuestion: Which sentence comes last?"), std::string::npos) << prompt;
  EXPECT_TRUE(prompt.ends_with("<|assistant|>\n")) << prompt;
}

TEST_F(FitPrompt, NoRoomForTheTextIsAnError) {
  const PromptParts p = qa_prompt(Family::Phi, "Which sentence comes last?", "Some context here.");
  EXPECT_THROW(fit_prompt(*tok_, p, 10), Error);
}

TEST(EvalScoring, SentenceLinesSplitsAtSentenceEnds) {
  EXPECT_EQ(sentence_lines("It rained. Then it snowed!  Why? 3.5 inches fell."),
            "It rained.\nThen it snowed!\nWhy?\n3.5 inches fell.");
  EXPECT_EQ(sentence_lines("One line\nanother line. End."), "One line\nanother line.\nEnd.");
  EXPECT_EQ(sentence_lines("Trailing stop. "), "Trailing stop.");
  EXPECT_EQ(sentence_lines(""), "");
}

TEST(EvalScoring, SquadFiguresAreTheOfficialPercentages) {
  const std::vector<ScoredPrediction> items = {{"Denver Broncos", {"Denver Broncos", "Broncos"}},
                                               {"the Broncos team", {"Denver Broncos"}}};
  const Json f = squad_figures(items);
  EXPECT_DOUBLE_EQ(f["exact_match"].get<double>(), 50.0);
  // second item: {broncos, team} vs {denver, broncos}: precision = recall = 1/2
  EXPECT_DOUBLE_EQ(f["f1"].get<double>(), 75.0);
}

TEST(EvalScoring, SummaryFiguresAreRougeAndBleuOfTheItems) {
  const std::vector<ScoredPrediction> items = {
      {"The bishop exposed hundreds to hepatitis. He is sorry.",
       {"Bishop John Folda exposed church members to hepatitis A.\nHe attended a conference in Italy."}},
      {"Police arrested two men on Friday night.", {"Two men were arrested by police.\nThey face charges."}}};
  const Json f = summary_figures(items);
  eval::RougeAccumulator rouge;
  for (const auto& item : items) rouge.add(eval::rouge_score_multi(item.references, sentence_lines(item.prediction), true));
  EXPECT_DOUBLE_EQ(f["rouge1"]["fmeasure"].get<double>(), rouge.mean().rouge1.fmeasure);
  EXPECT_DOUBLE_EQ(f["rouge2"]["recall"].get<double>(), rouge.mean().rouge2.recall);
  EXPECT_DOUBLE_EQ(f["rougeL"]["precision"].get<double>(), rouge.mean().rougeL.precision);
  EXPECT_DOUBLE_EQ(f["rougeLsum"]["fmeasure"].get<double>(), rouge.mean().rougeLsum.fmeasure);
  const eval::BleuScore bleu = eval::corpus_bleu(
      {items[0].prediction, items[1].prediction},
      {{"Bishop John Folda exposed church members to hepatitis A. He attended a conference in Italy."},
       {"Two men were arrested by police. They face charges."}},
      {});
  EXPECT_DOUBLE_EQ(f["bleu"]["score"].get<double>(), bleu.score);
  EXPECT_EQ(f["bleu"]["sys_len"].get<int64_t>(), bleu.sys_len);
  EXPECT_GT(f["rouge1"]["fmeasure"].get<double>(), 0.0);
  EXPECT_LT(f["rouge1"]["fmeasure"].get<double>(), 1.0);

  const Json same = summary_figures({{"Two men were arrested by police.", {"Two men were arrested by police."}}});
  EXPECT_DOUBLE_EQ(same["rougeLsum"]["fmeasure"].get<double>(), 1.0);
  EXPECT_NEAR(same["bleu"]["score"].get<double>(), 100.0, 1e-9);
}

TEST(EvalScoring, HeadlineFiguresAreOneNumberEach) {
  const Json figures = {{"rouge1", {{"precision", 0.5}, {"recall", 0.25}, {"fmeasure", 0.3}}},
                        {"bleu", {{"score", 12.5}, {"bp", 1.0}}},
                        {"exact_match", 40.0}};
  const Json flat = headline_figures(figures);
  EXPECT_EQ(flat, Json({{"rouge1", 0.3}, {"bleu", 12.5}, {"exact_match", 40.0}}));
}

}  // namespace
}  // namespace lowspec
