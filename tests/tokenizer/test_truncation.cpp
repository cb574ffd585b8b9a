// Truncation with overflowing windows (the question-answering layout) and padding.
#include <gtest/gtest.h>

#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {
namespace {

using lowspec::test::fixture;

std::unique_ptr<Tokenizer> bert() { return load_tokenizer(fixture("tokenizers/hf/bert-base-uncased")); }

std::string long_context() {
  std::string s;
  for (int i = 0; i < 120; ++i) s += "The Denver Broncos defeated the Carolina Panthers in game " + std::to_string(i) + ". ";
  return s;
}

TEST(Truncation, QuestionAnsweringWindowsOverlapByStride) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  const auto tok = bert();
  const std::string question = "Which team won the game?";
  const std::string context = long_context();
  const Encoding q = tok->encode(question, false);
  const Encoding c = tok->encode(context, false);
  const size_t room = 384 - 3 - q.size();
  const size_t stride = 128;

  const std::string_view context_view = context;
  const auto windows = tok->encode_truncated(
      question, &context_view,
      {.max_length = 384, .stride = stride, .strategy = TruncationStrategy::kOnlySecond,
       .direction = Side::kRight, .return_overflowing = true});
  const size_t expected_windows = 1 + (c.size() - room + (room - stride) - 1) / (room - stride);
  ASSERT_EQ(windows.size(), expected_windows);

  size_t covered = 0;  // context tokens seen so far (first index not yet covered)
  for (size_t w = 0; w < windows.size(); ++w) {
    SCOPED_TRACE(w);
    const Encoding& e = windows[w];
    ASSERT_LE(e.size(), 384u);
    EXPECT_EQ(e.ids.front(), 101);
    EXPECT_EQ(e.ids.back(), 102);
    // [CLS] question [SEP] context-window [SEP]
    std::vector<int32_t> question_ids(e.ids.begin() + 1, e.ids.begin() + 1 + q.size());
    EXPECT_EQ(question_ids, q.ids);
    const size_t start = w * (room - stride);
    size_t n_context = 0;
    for (size_t i = 0; i < e.size(); ++i) {
      if (e.sequence_ids[i] != SequenceId::kSecond) continue;
      EXPECT_EQ(e.type_ids[i], 1);
      EXPECT_EQ(e.ids[i], c.ids[start + n_context]);
      EXPECT_EQ(e.offsets[i], c.offsets[start + n_context]);
      ++n_context;
    }
    EXPECT_EQ(n_context, std::min(room, c.size() - start));
    covered = start + n_context;
    EXPECT_EQ(e.sequence_ids[0], SequenceId::kNone);
    EXPECT_EQ(e.sequence_ids[1], SequenceId::kFirst);
  }
  EXPECT_EQ(covered, c.size());
}

TEST(Truncation, WithoutOverflowOnlyTheFirstWindow) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  const auto tok = bert();
  const std::string context = long_context();
  const auto windows = tok->encode_truncated(context, nullptr, {.max_length = 32});
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].size(), 32u);
  EXPECT_EQ(windows[0].ids.back(), 102);
}

TEST(Truncation, LongestFirstCutsTheLongerSequence) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  const auto tok = bert();
  const std::string a = "one two three four five six seven eight nine ten eleven twelve";
  const std::string_view b = "red green blue";
  const auto windows = tok->encode_truncated(a, &b, {.max_length = 10});
  ASSERT_EQ(windows.size(), 1u);
  const Encoding& e = windows[0];
  EXPECT_EQ(e.size(), 10u);
  size_t first = 0, second = 0;
  for (SequenceId s : e.sequence_ids) {
    first += s == SequenceId::kFirst;
    second += s == SequenceId::kSecond;
  }
  EXPECT_EQ(second, 3u);  // the short side is kept whole
  EXPECT_EQ(first, 4u);
}

TEST(Truncation, LeftDirectionKeepsTheEnd) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  const auto tok = bert();
  const Encoding full = tok->encode("alpha beta gamma delta epsilon", false);
  const auto windows = tok->encode_truncated("alpha beta gamma delta epsilon", nullptr,
                                             {.max_length = 2, .direction = Side::kLeft}, false);
  ASSERT_EQ(windows[0].size(), 2u);
  EXPECT_EQ(windows[0].ids, std::vector<int32_t>(full.ids.end() - 2, full.ids.end()));
}

TEST(Truncation, StrideTooLargeIsAnError) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  const auto tok = bert();
  const std::string context = long_context();
  const std::string_view view = context;
  EXPECT_THROW(tok->encode_truncated("q", &view,
                                     {.max_length = 16, .stride = 12,
                                      .strategy = TruncationStrategy::kOnlySecond}),
               Error);
}

TEST(Padding, RightAndLeft) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/bert-base-uncased/tokenizer.json");
  const auto tok = bert();
  std::vector<Encoding> batch = {tok->encode("short"), tok->encode("a somewhat longer sentence")};
  const size_t longest = batch[1].size();
  tok->pad(batch, {});
  EXPECT_EQ(batch[0].size(), longest);
  EXPECT_EQ(batch[0].ids.back(), 0);  // [PAD]
  EXPECT_EQ(batch[0].attention_mask.back(), 0);
  EXPECT_EQ(batch[0].attention_mask.front(), 1);
  EXPECT_EQ(batch[1].attention_mask, std::vector<uint8_t>(longest, 1));

  std::vector<Encoding> left = {tok->encode("short")};
  tok->pad(left, {.length = 8, .pad_to_multiple_of = 0, .side = Side::kLeft});
  EXPECT_EQ(left[0].size(), 8u);
  EXPECT_EQ(left[0].ids.front(), 0);
  EXPECT_EQ(left[0].ids.back(), 102);
  EXPECT_EQ(left[0].sequence_ids.front(), SequenceId::kNone);
}

}  // namespace
}  // namespace lowspec::tokenizer
