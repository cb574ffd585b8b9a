// The QA pipeline's span selection on hand-made logits.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tasks/qa_spans.h"

namespace lowspec {
namespace {

// softmax over the allowed tokens (others at -10000, which underflows to 0), as HF computes it.
std::vector<double> probabilities(const std::vector<float>& logits, const std::vector<uint8_t>& allowed) {
  double sum = 0;
  std::vector<double> p(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) sum += p[i] = allowed[i] ? std::exp(static_cast<double>(logits[i])) : 0.0;
  for (double& x : p) x /= sum;
  return p;
}

TEST(SelectSpans, ScoresAreProductsOfWindowSoftmaxesWithClsInTheDenominator) {
  // [CLS] q q [SEP] c c c [SEP]
  const std::vector<uint8_t> allowed = {1, 0, 0, 0, 1, 1, 1, 0};
  const std::vector<float> start = {2.0f, 9.0f, 9.0f, 9.0f, 1.0f, 3.0f, 0.5f, 9.0f};
  const std::vector<float> end = {1.0f, 9.0f, 9.0f, 9.0f, 0.2f, 0.1f, 2.5f, 9.0f};
  const auto spans = select_spans(start, end, allowed, 3, 30);
  ASSERT_EQ(spans.size(), 3u);
  const auto ps = probabilities(start, allowed), pe = probabilities(end, allowed);
  EXPECT_EQ(spans[0].start, 5);
  EXPECT_EQ(spans[0].end, 6);
  EXPECT_NEAR(spans[0].score, ps[5] * pe[6], 1e-12);
  EXPECT_EQ(spans[1].start, 4);
  EXPECT_EQ(spans[1].end, 6);
  EXPECT_NEAR(spans[1].score, ps[4] * pe[6], 1e-12);
  for (size_t i = 1; i < spans.size(); ++i) EXPECT_GE(spans[i - 1].score, spans[i].score);
  for (const TokenSpan& s : spans) {
    EXPECT_TRUE(allowed[s.start] && allowed[s.end]);
    EXPECT_LE(s.start, s.end);
    EXPECT_GT(s.start, 0);  // [CLS] is in the softmax but never answers
  }
}

TEST(SelectSpans, EndBeforeStartAndOverlongSpansAreNeverChosen) {
  // The best start comes after the best end; the best pair spans 4 tokens but the limit is 3.
  const std::vector<uint8_t> allowed = {1, 0, 1, 1, 1, 1, 1, 1};
  const std::vector<float> start = {0, 0, 0, 0, 8, 0, 0, 5};
  const std::vector<float> end = {0, 0, 8, 0, 0, 0, 0, 6};
  const auto spans = select_spans(start, end, allowed, 1, 3);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].start, 7);
  EXPECT_EQ(spans[0].end, 7);
  // With room for 4 tokens, 4..7 is allowed and wins.
  const auto longer = select_spans(start, end, allowed, 1, 4);
  EXPECT_EQ(longer[0].start, 4);
  EXPECT_EQ(longer[0].end, 7);
}

TEST(SelectSpans, TopKLargerThanTheCandidatesReturnsThemAll) {
  const std::vector<uint8_t> allowed = {1, 0, 1, 1};
  const std::vector<float> logits = {0, 0, 1, 2};
  EXPECT_EQ(select_spans(logits, logits, allowed, 10, 30).size(), 3u);  // (2,2) (2,3) (3,3)
}

// A context of 10 one-word tokens, 6 bytes apart; windows are [CLS] q [SEP] tokens... [SEP].
QaWindow window(int64_t first_token, int64_t last_token, const std::vector<float>& start_by_token,
                const std::vector<float>& end_by_token) {
  QaWindow w;
  const auto push = [&](bool context, size_t begin, size_t end, float s, float e) {
    w.allowed.push_back(context);
    w.byte_begin.push_back(begin);
    w.byte_end.push_back(end);
    w.continues_word.push_back(0);
    w.start_logits.push_back(s);
    w.end_logits.push_back(e);
  };
  push(true, 0, 0, 0, 0);     // [CLS]
  push(false, 0, 3, 0, 0);    // question
  push(false, 0, 0, 0, 0);    // [SEP]
  for (int64_t t = first_token; t <= last_token; ++t)
    push(true, 6 * t, 6 * t + 5, start_by_token[t], end_by_token[t]);
  push(false, 0, 0, 0, 0);    // [SEP]
  return w;
}

TEST(BestAnswers, AnAnswerCrossingAWindowBoundaryComesFromTheWindowThatHoldsIt) {
  // The answer is tokens 4..7. Window A holds tokens 0..5 (cuts the answer), window B 3..9.
  std::vector<float> start(10, 0.0f), end(10, 0.0f);
  start[4] = 6.0f;
  end[7] = 6.0f;
  end[5] = 2.0f;  // A's best guess ends inside it
  const std::vector<QaWindow> windows = {window(0, 5, start, end), window(3, 9, start, end)};
  const auto answers = best_answers(windows, 2, 30);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].byte_begin, 24u);  // token 4
  EXPECT_EQ(answers[0].byte_end, 47u);    // token 7's end
  // The runner-up is window A's truncated span 4..5, with a lower score.
  EXPECT_EQ(answers[1].byte_begin, 24u);
  EXPECT_EQ(answers[1].byte_end, 35u);
  EXPECT_GT(answers[0].score, answers[1].score);
}

TEST(BestAnswers, SpansWidenToWholeWordsWithinTheirWindow) {
  // Tokens: [CLS] q [SEP] "play" "##ing" "##s" "now" [SEP]; the best span is the middle piece.
  QaWindow w;
  w.allowed = {1, 0, 0, 1, 1, 1, 1, 0};
  w.byte_begin = {0, 0, 0, 0, 4, 7, 9, 0};
  w.byte_end = {0, 1, 0, 4, 7, 8, 12, 0};
  w.continues_word = {0, 0, 0, 0, 1, 1, 0, 0};
  w.start_logits = {0, 0, 0, 0, 0, 9, 0, 0};
  w.end_logits = {0, 0, 0, 0, 0, 9, 0, 0};
  const auto answers = best_answers({w}, 1, 30);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].byte_begin, 0u);
  EXPECT_EQ(answers[0].byte_end, 8u);
}

}  // namespace
}  // namespace lowspec
