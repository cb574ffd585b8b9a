// lowspec eval end to end on the real dataset samples, with tiny random-weight models whose
// vocabulary matches a real tokenizer's: the output's structure, and figures equal to what
// src/eval computes on the printed predictions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "core/json_util.h"
#include "eval/bleu.h"
#include "eval/rouge.h"
#include "eval/squad_dataset.h"
#include "eval/squad_metric.h"
#include "eval/text_dataset.h"
#include "tasks/eval_scoring.h"
#include "test_eval_models.h"
#include "test_util.h"

namespace lowspec {
namespace {

using test::fixture;
using test::kSquadSample;
using test::run_lowspec;

constexpr const char* kSquadHf = "data/squad/transformers-sample.json";
constexpr const char* kCnnJsonl = "data/cnn_dailymail/train_sample.jsonl";
constexpr const char* kCnnCsv = "data/cnn_dailymail/train_sample.csv";
constexpr const char* kWikiText = "data/wikitext-2-raw/wiki.test.raw";
constexpr const char* kShakespeare = "data/tinyshakespeare/input.txt";

class EvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* f : {"hf-tiny/llama", "hf-tiny/phi", "hf-tiny/distilbert-qa", "hf-tiny/distilbert-mlm",
                          "tokenizers/hf/tinyllama-1.1b-chat-v1.0", "tokenizers/hf/phi-2",
                          "tokenizers/hf/bert-base-uncased"})
      if (!std::filesystem::exists(fixture(f))) return;  // each test reports the missing fixture
    dir_ = new test::TempDir;
    llama_ = test::make_eval_model(dir_->path(), test::tinyllama_spec());
    phi_ = test::make_eval_model(dir_->path(), test::phi2_spec());
    bert_qa_ = test::make_eval_model(dir_->path(), test::bert_spec("distilbert-qa"));
    bert_mlm_ = test::make_eval_model(dir_->path(), test::bert_spec("distilbert-mlm"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
    LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased");
    LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/phi-2");
    LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0");
    LOWSPEC_REQUIRE_FIXTURE(kSquadSample);
    ASSERT_NE(dir_, nullptr);
  }

  // Runs lowspec eval --json and parses its output (exit status 0 required).
  static Json eval_json(const std::string& args) {
    std::string out, err;
    const int status = run_lowspec("eval --threads 1 --json " + args, &out, &err);
    EXPECT_EQ(status, 0) << err;
    return status == 0 ? Json::parse(out) : Json::object();
  }

  static void expect_common_structure(const Json& j, const std::string& task, size_t examples) {
    EXPECT_EQ(j.at("task"), task);
    EXPECT_EQ(j.at("examples").get<size_t>(), examples);
    EXPECT_EQ(j.at("items").size(), examples);
    EXPECT_GT(j.at("ms_per_example").get<double>(), 0.0);
    EXPECT_GE(j.at("total_ms").get<double>(), j.at("ms_per_example").get<double>());
    EXPECT_GT(j.at("peak_rss_bytes").get<uint64_t>(), 0u);
    EXPECT_EQ(j.at("threads").get<int>(), 1);
    std::set<std::string> ids;
    for (const Json& item : j.at("items")) {
      EXPECT_GE(item.at("ms").get<double>(), 0.0);
      EXPECT_GT(item.at("input_tokens").get<int64_t>(), 0);
      ids.insert(item.at("id").get<std::string>());
    }
    EXPECT_EQ(ids.size(), examples) << "ids repeat";
  }

  // The SQuAD figures recomputed from the printed predictions with src/eval's official dataset loop.
  static void expect_squad_figures_of_items(const Json& j, const std::string& data, eval::Sampling sampling) {
    std::map<std::string, std::string> predictions;
    for (const Json& item : j.at("items"))
      predictions[item.at("id").get<std::string>()] = item.at("prediction").get<std::string>();
    const eval::SquadEvaluation official = eval::evaluate_squad(eval::load_squad(data, sampling), predictions);
    EXPECT_TRUE(official.unanswered.empty());
    EXPECT_DOUBLE_EQ(j.at("figures").at("exact_match").get<double>(), official.percent.exact_match);
    EXPECT_DOUBLE_EQ(j.at("figures").at("f1").get<double>(), official.percent.f1);
  }

  static void expect_summary_figures_of_items(const Json& j) {
    eval::RougeAccumulator rouge;
    std::vector<std::string> predictions;
    std::vector<std::vector<std::string>> references;
    for (const Json& item : j.at("items")) {
      const std::string prediction = item.at("prediction").get<std::string>();
      const auto refs = item.at("references").get<std::vector<std::string>>();
      rouge.add(eval::rouge_score_multi(refs, sentence_lines(prediction), /*use_stemmer=*/true));
      auto flat = [](std::string s) {
        std::replace(s.begin(), s.end(), '\n', ' ');
        return s;
      };
      predictions.push_back(flat(prediction));
      references.push_back({flat(refs.at(0))});
    }
    const Json& f = j.at("figures");
    EXPECT_DOUBLE_EQ(f.at("rouge1").at("fmeasure").get<double>(), rouge.mean().rouge1.fmeasure);
    EXPECT_DOUBLE_EQ(f.at("rouge2").at("fmeasure").get<double>(), rouge.mean().rouge2.fmeasure);
    EXPECT_DOUBLE_EQ(f.at("rougeL").at("fmeasure").get<double>(), rouge.mean().rougeL.fmeasure);
    EXPECT_DOUBLE_EQ(f.at("rougeLsum").at("fmeasure").get<double>(), rouge.mean().rougeLsum.fmeasure);
    EXPECT_DOUBLE_EQ(f.at("bleu").at("score").get<double>(), eval::corpus_bleu(predictions, references, {}).score);
  }

  static test::TempDir* dir_;
  static std::string llama_, phi_, bert_qa_, bert_mlm_;
};

test::TempDir* EvalCli::dir_ = nullptr;
std::string EvalCli::llama_, EvalCli::phi_, EvalCli::bert_qa_, EvalCli::bert_mlm_;

TEST_F(EvalCli, GenerativeQaWithADecoder) {
  const Json j = eval_json("--model " + llama_ + " --task qa --data " + fixture(kSquadSample) + " --limit 3 --seed 7");
  expect_common_structure(j, "qa", 3);
  EXPECT_EQ(j.at("method"), "generative");
  EXPECT_EQ(j.at("family"), "llama");
  EXPECT_EQ(j.at("predictions").get<size_t>(), 3u);
  EXPECT_EQ(j.at("settings").at("max_new_tokens").get<int64_t>(), 32);
  const std::vector<eval::QaExample> data = eval::load_squad(fixture(kSquadSample), {3, 7});
  for (size_t i = 0; i < data.size(); ++i) {
    const Json& item = j.at("items")[i];
    EXPECT_EQ(item.at("id"), data[i].id);
    EXPECT_EQ(item.at("references").size(), data[i].answers.size());
    EXPECT_LE(item.at("new_tokens").get<int64_t>(), 32);
    EXPECT_EQ(item.at("prediction").get<std::string>().find('\n'), std::string::npos);
    EXPECT_LE(item.at("input_tokens").get<int64_t>(), 256 - 32);
  }
  expect_squad_figures_of_items(j, fixture(kSquadSample), {3, 7});
  // Same seed, same examples and the same greedy predictions.
  const Json again = eval_json("--model " + llama_ + " --task qa --data " + fixture(kSquadSample) + " --limit 3 --seed 7");
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(again.at("items")[i].at("prediction"), j.at("items")[i].at("prediction"));
}

TEST_F(EvalCli, ContextIsCutToLeaveRoomForTheAnswer) {
  const Json j = eval_json("--model " + llama_ + " --task qa --data " + fixture(kSquadSample) +
                           " --limit 2 --max-new-tokens 180");
  for (const Json& item : j.at("items")) {
    EXPECT_TRUE(item.at("truncated").get<bool>());
    EXPECT_LE(item.at("input_tokens").get<int64_t>(), 256 - 180);
    EXPECT_LE(item.at("new_tokens").get<int64_t>(), 180);
  }
}

TEST_F(EvalCli, ExtractiveQaWithAnEncoder) {
  LOWSPEC_REQUIRE_FIXTURE(kSquadHf);
  const Json j = eval_json("--model " + bert_qa_ + " --task qa --data " + fixture(kSquadHf) + " --limit 4");
  expect_common_structure(j, "qa", 4);
  EXPECT_EQ(j.at("method"), "extractive");
  EXPECT_EQ(j.at("family"), "distilbert");
  const std::vector<eval::QaExample> data = eval::load_squad(fixture(kSquadHf), {4, 0});
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string prediction = j.at("items")[i].at("prediction").get<std::string>();
    EXPECT_FALSE(prediction.empty());
    EXPECT_NE(data[i].context.find(prediction), std::string::npos) << "not a span of the context: " << prediction;
  }
  expect_squad_figures_of_items(j, fixture(kSquadHf), {4, 0});
}

TEST_F(EvalCli, SummarizationFromJsonlAndCsv) {
  LOWSPEC_REQUIRE_FIXTURE(kCnnJsonl);
  const Json j = eval_json("--model " + phi_ + " --task summarize --data " + fixture(kCnnJsonl) +
                           " --limit 2 --max-new-tokens 24");
  expect_common_structure(j, "summarize", 2);
  EXPECT_EQ(j.at("family"), "phi");
  for (const Json& item : j.at("items")) {
    EXPECT_TRUE(item.at("truncated").get<bool>());  // news articles exceed 256 - 24 tokens
    EXPECT_LE(item.at("input_tokens").get<int64_t>(), 256 - 24);
    EXPECT_LE(item.at("new_tokens").get<int64_t>(), 24);
    EXPECT_EQ(item.at("references").size(), 1u);
  }
  expect_summary_figures_of_items(j);

  const Json csv = eval_json("--model " + llama_ + " --task summarize --data " + fixture(kCnnCsv) +
                             " --limit 2 --max-new-tokens 16");
  expect_common_structure(csv, "summarize", 2);
  expect_summary_figures_of_items(csv);
  // The CSV and JSONL samples hold the same records: same seed, same articles.
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(csv.at("items")[i].at("id"), j.at("items")[i].at("id"));
}

TEST_F(EvalCli, PerplexityPerArticleEqualsLowspecPerplexity) {
  LOWSPEC_REQUIRE_FIXTURE(kWikiText);
  const Json j = eval_json("--model " + llama_ + " --task perplexity --data " + fixture(kWikiText) +
                           " --limit 2 --seed 3");
  expect_common_structure(j, "perplexity", 2);
  EXPECT_EQ(j.at("method"), "causal-sliding-window");
  EXPECT_EQ(j.at("predictions").get<size_t>(), 0u);
  double nll = 0;
  int64_t tokens = 0;
  for (const Json& item : j.at("items")) {
    nll += item.at("total_nll").get<double>();
    tokens += item.at("tokens_scored").get<int64_t>();
  }
  const Json& f = j.at("figures");
  EXPECT_EQ(f.at("tokens_scored").get<int64_t>(), tokens);
  EXPECT_NEAR(f.at("perplexity").get<double>(), std::exp(nll / static_cast<double>(tokens)), 1e-9 * f.at("perplexity").get<double>());

  // The first sampled article through `lowspec perplexity` with the same window gives the same figure.
  const std::vector<std::string> articles = eval::wikitext_articles(eval::load_wikitext_rows(fixture(kWikiText)), {2, 3});
  const std::string text_file = dir_->file("article.txt");
  std::ofstream(text_file, std::ios::binary) << articles.at(0);
  std::string out, err;
  ASSERT_EQ(run_lowspec("perplexity --json --threads 1 --ctx 256 --stride 128 --model " + llama_ + " --text " + text_file,
                        &out, &err), 0) << err;
  const Json single = Json::parse(out);
  const Json& first = j.at("items")[0];
  EXPECT_EQ(first.at("tokens_scored").get<int64_t>(), single.at("tokens_scored").get<int64_t>());
  EXPECT_NEAR(first.at("perplexity").get<double>(), single.at("perplexity").get<double>(),
              1e-6 * single.at("perplexity").get<double>());
}

TEST_F(EvalCli, PseudoPerplexityWithAMaskedLm) {
  LOWSPEC_REQUIRE_FIXTURE(kShakespeare);
  const Json j = eval_json("--model " + bert_mlm_ + " --task perplexity --data " + fixture(kShakespeare) + " --limit 3");
  expect_common_structure(j, "perplexity", 3);
  EXPECT_EQ(j.at("method"), "pseudo-perplexity");
  const Json& f = j.at("figures");
  ASSERT_TRUE(f.contains("pseudo_perplexity"));
  EXPECT_GT(f.at("pseudo_perplexity").get<double>(), 1.0);
  int64_t tokens = 0;
  for (const Json& item : j.at("items")) {
    EXPECT_EQ(item.at("tokens_scored").get<int64_t>(), item.at("input_tokens").get<int64_t>());
    tokens += item.at("tokens_scored").get<int64_t>();
  }
  EXPECT_EQ(f.at("tokens_scored").get<int64_t>(), tokens);
}

TEST_F(EvalCli, TextOutputShowsTheFigures) {
  std::string out, err;
  ASSERT_EQ(run_lowspec("eval --threads 1 --model " + llama_ + " --task qa --limit 1 --data " + fixture(kSquadSample), &out, &err), 0)
      << err;
  EXPECT_NE(out.find("exact_match = "), std::string::npos) << out;
  EXPECT_NE(out.find("ms per example"), std::string::npos) << out;
  EXPECT_NE(err.find("eval qa"), std::string::npos) << "no progress on stderr: " << err;
}

// A user error: exit status 2 and one line on stderr holding `needle`.
void expect_user_error(const std::string& args, const std::string& needle) {
  std::string out, err;
  EXPECT_EQ(run_lowspec(args, &out, &err), 2) << args << "\n" << err;
  EXPECT_NE(err.find(needle), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(EvalCli, DatasetErrorsNameTheFile) {
  const std::string no_question = dir_->file("no_question.json");
  std::ofstream(no_question) << R"({"data":[{"title":"T","paragraphs":[{"context":"Some text.","qas":[{"id":"q1","answers":[{"text":"Some","answer_start":0}]}]}]}]})";
  expect_user_error("eval --model " + llama_ + " --task qa --data " + no_question, "question");
  expect_user_error("eval --model " + llama_ + " --task qa --data " + no_question, no_question);

  const std::string empty_squad = dir_->file("empty.json");
  std::ofstream(empty_squad) << R"({"data":[]})";
  expect_user_error("eval --model " + llama_ + " --task qa --data " + empty_squad, "holds no question");

  const std::string empty_cnn = dir_->file("empty.jsonl");
  std::ofstream(empty_cnn) << "";
  expect_user_error("eval --model " + llama_ + " --task summarize --data " + empty_cnn, "holds no article");

  const std::string no_highlights = dir_->file("no_highlights.jsonl");
  std::ofstream(no_highlights) << R"({"id":"a1","article":"Some news."})" << "\n";
  expect_user_error("eval --model " + llama_ + " --task summarize --data " + no_highlights, "highlights");

  const std::string empty_highlights = dir_->file("empty_highlights.jsonl");
  std::ofstream(empty_highlights) << R"({"id":"a1","article":"Some news.","highlights":" "})" << "\n";
  expect_user_error("eval --model " + llama_ + " --task summarize --data " + empty_highlights,
                    "example a1: the highlights");

  const std::string blank_text = dir_->file("blank.txt");
  std::ofstream(blank_text) << "\n\n  \n";
  expect_user_error("eval --model " + llama_ + " --task perplexity --data " + blank_text, "holds no text");

  expect_user_error("eval --model " + llama_ + " --task qa --data " + dir_->file("missing.json"), "missing.json");
}

TEST_F(EvalCli, ModelsThatCannotDoTheTask) {
  LOWSPEC_REQUIRE_FIXTURE(kCnnJsonl);
  expect_user_error("eval --model " + bert_qa_ + " --task summarize --data " + fixture(kCnnJsonl),
                    "summarization needs a decoder");
  expect_user_error("eval --model " + bert_mlm_ + " --task qa --data " + fixture(kSquadSample),
                    "no question-answering head");
  expect_user_error("eval --model " + bert_qa_ + " --task perplexity --data " + fixture(kShakespeare),
                    "no language-model head");
  // The hf-tiny folder has no tokenizer.
  expect_user_error("eval --model " + fixture("hf-tiny/llama") + " --task qa --data " + fixture(kSquadSample), "tokenizer");
  // A real tokenizer beside a model with a 512-token vocabulary.
  const std::filesystem::path small = dir_->path() / "small-vocab";
  std::filesystem::create_directories(small);
  for (const char* f : {"config.json", "model.safetensors", "generation_config.json"})
    std::filesystem::copy_file(fixture(std::string("hf-tiny/llama/") + f), small / f);
  std::filesystem::copy_file(std::filesystem::path(llama_) / "tokenizer.json", small / "tokenizer.json");
  expect_user_error("eval --model " + small.string() + " --task qa --data " + fixture(kSquadSample),
                    "the tokenizer has 32000 ids but the model's vocabulary has 512");
  expect_user_error("eval --model " + llama_ + " --task translate --data " + fixture(kSquadSample), "unknown task");
  expect_user_error("eval --model " + llama_ + " --task qa --quant q3_x --data " + fixture(kSquadSample), "q3_x");
  expect_user_error("eval --model " + llama_ + " --task qa --max-new-tokens 256 --data " + fixture(kSquadSample),
                    "no room for a prompt");
}

TEST_F(EvalCli, BenchWorkerRecordsQualityAndFlagsSyntheticWeights) {
  const Json spec = {{"model", {{"name", "tiny-llama-32k"}, {"path", llama_}, {"synthetic", true}}},
                     {"task", "qa"},
                     {"threads", 1},
                     {"data", fixture(kSquadSample)},
                     {"limit", 2}};
  std::string out, err;
  ASSERT_EQ(run_lowspec("bench-worker --spec '" + spec.dump() + "'", &out, &err), 0) << err;
  const Json r = Json::parse(out);
  EXPECT_EQ(r.at("kind"), "decoder");
  EXPECT_TRUE(r.at("quality").contains("exact_match"));
  EXPECT_TRUE(r.at("quality").contains("f1"));
  EXPECT_EQ(r.at("examples").get<int>(), 2);
  EXPECT_EQ(r.at("quality").at("meaningful"), false);
  EXPECT_EQ(r.at("quality").at("f1"), r.at("figures").at("f1"));
  EXPECT_GT(r.at("self_peak_rss_bytes").get<uint64_t>(), 0u);

  Json no_data = spec;
  no_data.erase("data");
  expect_user_error("bench-worker --spec '" + no_data.dump() + "'", "needs a dataset file");
}

}  // namespace
}  // namespace lowspec
