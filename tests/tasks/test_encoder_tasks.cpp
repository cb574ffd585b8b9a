// QA, fill-mask and pseudo-perplexity end to end: the real bert-base-uncased tokenizer, tiny
// encoders widened to its vocabulary (see widened_encoder.h), SQuAD contexts.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json_util.h"
#include "models/encoder.h"
#include "tasks/fill_mask.h"
#include "tasks/pseudo_perplexity.h"
#include "tasks/qa.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "widened_encoder.h"

namespace lowspec::test {
namespace {


struct SquadQuestion {
  std::string question, context;
};

std::vector<SquadQuestion> squad_questions() {
  std::vector<SquadQuestion> out;
  const Json j = load_json_file(fixture(kSquadSample));
  for (const Json& article : j.at("data"))
    for (const Json& paragraph : article.at("paragraphs"))
      for (const Json& qa : paragraph.at("qas"))
        out.push_back({qa.at("question").get<std::string>(), paragraph.at("context").get<std::string>()});
  return out;
}

int64_t code_points(const std::string& s, size_t bytes) {
  int64_t n = 0;
  for (size_t i = 0; i < bytes; ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}

class QaEndToEnd : public ::testing::TestWithParam<std::string> {};

TEST_P(QaEndToEnd, AnswersAreSpansOfTheContextWhateverTheWindowing) {
  LOWSPEC_REQUIRE_FIXTURE(kBertTokenizer);
  LOWSPEC_REQUIRE_FIXTURE(kSquadSample);
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/" + GetParam());
  TempDir dir;
  write_widened_encoder(fixture("hf-tiny/" + GetParam()), dir.path().string(), kBertVocab, 512);
  EncoderModel model(dir.path().string());
  const auto tok = tokenizer::load_tokenizer(fixture(kBertTokenizer));
  ThreadPool pool(2);
  const std::vector<SquadQuestion> questions = squad_questions();
  ASSERT_GE(questions.size(), 8u);
  for (const SquadQuestion& q : questions) {
    SCOPED_TRACE(q.question);
    QaOptions one_window;
    one_window.top_k = 3;
    QaOptions many_windows = one_window;  // windows of 48 tokens sharing 16
    many_windows.max_seq_len = 48;
    many_windows.doc_stride = 16;
    QaOptions unbatched = many_windows;
    unbatched.windows_per_batch = 1;
    for (const QaOptions& options : {one_window, many_windows}) {
      const auto answers = answer_question(model, *tok, q.question, q.context, options, pool);
      ASSERT_EQ(answers.size(), 3u);
      for (size_t i = 0; i < answers.size(); ++i) {
        const QaAnswer& a = answers[i];
        ASSERT_LT(a.byte_start, a.byte_end);
        ASSERT_LE(a.byte_end, q.context.size());
        EXPECT_EQ(a.text, q.context.substr(a.byte_start, a.byte_end - a.byte_start));
        EXPECT_EQ(a.start, code_points(q.context, a.byte_start));
        EXPECT_EQ(a.end, code_points(q.context, a.byte_end));
        EXPECT_GT(a.score, 0.0);
        EXPECT_LE(a.score, 1.0);
        if (i > 0) {
          EXPECT_GE(answers[i - 1].score, a.score);
        }
      }
    }
    // Batching windows together changes nothing.
    const auto batched = answer_question(model, *tok, q.question, q.context, many_windows, pool);
    const auto alone = answer_question(model, *tok, q.question, q.context, unbatched, pool);
    ASSERT_EQ(batched.size(), alone.size());
    for (size_t i = 0; i < batched.size(); ++i) {
      EXPECT_EQ(batched[i].byte_start, alone[i].byte_start);
      EXPECT_EQ(batched[i].byte_end, alone[i].byte_end);
      EXPECT_NEAR(batched[i].score, alone[i].score, 1e-6);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Widened, QaEndToEnd, ::testing::Values("distilbert-qa", "mobilebert-qa"),
                         [](const auto& info) { return info.param == "distilbert-qa" ? "distilbert" : "mobilebert"; });

class QaErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(fixture(kBertTokenizer)) || !std::filesystem::exists(fixture("hf-tiny/distilbert-qa"))) {
      if (in_ci()) FAIL() << "missing fixtures";
      GTEST_SKIP();
    }
    write_widened_encoder(fixture("hf-tiny/distilbert-qa"), dir_.path().string(), kBertVocab, 512);
    model_ = std::make_unique<EncoderModel>(dir_.path().string());
    tok_ = tokenizer::load_tokenizer(fixture(kBertTokenizer));
  }
  std::string error_of(const std::string& question, const std::string& context) {
    try {
      answer_question(*model_, *tok_, question, context, {}, pool_);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  TempDir dir_;
  std::unique_ptr<EncoderModel> model_;
  std::unique_ptr<tokenizer::Tokenizer> tok_;
  ThreadPool pool_{1};
};

TEST_F(QaErrors, EmptyQuestionOrContextAndOverlongQuestionsAreClearErrors) {
  EXPECT_NE(error_of("", "Some context.").find("question is empty"), std::string::npos);
  EXPECT_NE(error_of("Who?", "  \n").find("context is empty"), std::string::npos);
  std::string long_question;
  for (int i = 0; i < 400; ++i) long_question += "why ";
  const std::string e = error_of(long_question, "Some context.");
  EXPECT_NE(e.find("the question is 400 tokens"), std::string::npos) << e;
}

TEST(FillMask, TopKTokensPerMaskWithTheirProbabilities) {
  LOWSPEC_REQUIRE_FIXTURE(kBertTokenizer);
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/distilbert-mlm");
  TempDir dir;
  write_widened_encoder(fixture("hf-tiny/distilbert-mlm"), dir.path().string(), kBertVocab, 512);
  EncoderModel model(dir.path().string());
  const auto tok = tokenizer::load_tokenizer(fixture(kBertTokenizer));
  ThreadPool pool(2);
  const auto fills = fill_mask(model, *tok, "The capital of France is [MASK], not [MASK].", 5, pool);
  ASSERT_EQ(fills.size(), 2u);
  for (const MaskFill& f : fills) {
    ASSERT_EQ(f.candidates.size(), 5u);
    double total = 0;
    for (size_t i = 0; i < f.candidates.size(); ++i) {
      const MaskCandidate& c = f.candidates[i];
      EXPECT_GT(c.score, 0.0);
      if (i > 0) {
        EXPECT_GE(f.candidates[i - 1].score, c.score);
      }
      EXPECT_EQ(c.token, tok->decode(std::vector<int32_t>{c.token_id}));
      total += c.score;
    }
    EXPECT_LE(total, 1.0 + 1e-6);
  }
  EXPECT_THROW(fill_mask(model, *tok, "No mask here.", 5, pool), Error);
}

TEST(PseudoPerplexity, MasksEachTokenInItsWindowAndBatchingChangesNothing) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/mobilebert-mlm");
  EncoderModel model(fixture("hf-tiny/mobilebert-mlm"));
  ThreadPool pool(2);
  const MaskedLmSpecials specials{2, 3, 4};  // golden.json special_ids
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 23; ++i) ids.push_back(5 + (i * 137) % 690);
  const int64_t window = 12;  // 10 text tokens per window: 3 windows

  // By hand: one unbatched forward per masked copy, full logits, the masked row's NLL.
  double total = 0;
  const int64_t V = model.config().vocab_size;
  for (size_t begin = 0; begin < ids.size(); begin += window - 2) {
    const size_t end = std::min(ids.size(), begin + window - 2);
    for (size_t i = begin; i < end; ++i) {
      std::vector<int64_t> seq = {specials.cls};
      seq.insert(seq.end(), ids.begin() + begin, ids.begin() + end);
      seq.push_back(specials.sep);
      const int64_t L = static_cast<int64_t>(seq.size()), masked = static_cast<int64_t>(i - begin) + 1;
      seq[masked] = specials.mask;
      const float* hidden = model.encode({1, L, seq.data()}, pool);
      std::vector<float> logits(L * V);
      model.mlm_logits(hidden, L, logits.data(), pool);
      const float* row = logits.data() + masked * V;
      double max = row[0], sum = 0;
      for (int64_t v = 0; v < V; ++v) max = std::max<double>(max, row[v]);
      for (int64_t v = 0; v < V; ++v) sum += std::exp(row[v] - max);
      total += max + std::log(sum) - row[ids[i]];
    }
  }
  for (int64_t batch : {1, 7, 64}) {
    SCOPED_TRACE(batch);
    const PseudoPerplexity p = pseudo_perplexity(model, ids, specials, window, batch, pool);
    EXPECT_EQ(p.tokens_scored, 23);
    EXPECT_EQ(p.windows, 3);
    EXPECT_NEAR(p.total_nll, total, 1e-4 * std::fabs(total));
    EXPECT_NEAR(p.pseudo_perplexity, std::exp(total / 23), 1e-3 * std::exp(total / 23));
  }
  EXPECT_THROW(pseudo_perplexity(model, {}, specials, window, 8, pool), Error);
}

}  // namespace
}  // namespace lowspec::test
