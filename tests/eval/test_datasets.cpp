#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/json_util.h"
#include "eval/csv_reader.h"
#include "eval/python_text.h"
#include "eval/sampling.h"
#include "eval/squad_dataset.h"
#include "eval/summarization_dataset.h"
#include "eval/text_dataset.h"
#include "test_util.h"

namespace lowspec::eval {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// The message of the Error that `load` throws ("" if none).
template <typename F>
std::string error_of(F load) {
  try {
    load();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SquadDataset, FlatHuggingFaceLayout) {
  LOWSPEC_REQUIRE_FIXTURE("data/squad/transformers-sample.json");
  auto questions = load_squad(test::fixture("data/squad/transformers-sample.json"));
  ASSERT_EQ(questions.size(), 14u);
  size_t impossible = 0;
  for (const QaExample& q : questions) {
    impossible += q.is_impossible;
    EXPECT_EQ(q.is_impossible, q.answers.empty());
    // answer_start counts characters of the context.
    std::u32string context = decode_utf8(q.context);
    for (const QaAnswer& a : q.answers) {
      std::u32string text = decode_utf8(a.text);
      ASSERT_LE(a.answer_start + text.size(), context.size());
      EXPECT_EQ(context.substr(a.answer_start, text.size()), text) << q.id;
    }
  }
  EXPECT_EQ(impossible, 6u);
  EXPECT_EQ(questions[0].id, "56ddde6b9a695914005b9628");
  EXPECT_EQ(questions[0].answers.size(), 4u);
  EXPECT_EQ(questions[0].answers[0].text, "France");
  EXPECT_EQ(questions[0].answers[0].answer_start, 159);
}

TEST(SquadDataset, NestedLayoutHoldsTheAnswerableQuestions) {
  LOWSPEC_REQUIRE_FIXTURE("data/squad/sample-v1.1.json");
  LOWSPEC_REQUIRE_FIXTURE("data/squad/transformers-sample.json");
  auto nested = load_squad(test::fixture("data/squad/sample-v1.1.json"));
  auto flat = load_squad(test::fixture("data/squad/transformers-sample.json"));
  ASSERT_EQ(nested.size(), 8u);
  std::map<std::string, const QaExample*> by_id;
  for (const auto& q : flat) by_id[q.id] = &q;
  for (const auto& q : nested) {
    ASSERT_TRUE(by_id.count(q.id)) << q.id;
    EXPECT_EQ(q.question, by_id[q.id]->question);
    EXPECT_EQ(q.context, by_id[q.id]->context);
    ASSERT_EQ(q.answers.size(), by_id[q.id]->answers.size());
    EXPECT_FALSE(q.title.empty());
  }
}

TEST(SquadDataset, OfficialDatasetEvaluation) {
  LOWSPEC_REQUIRE_FIXTURE("metrics/squad_v1.1.json");
  LOWSPEC_REQUIRE_FIXTURE("data/squad/sample-v1.1.json");
  Json golden = load_json_file(test::fixture("metrics/squad_v1.1.json"))["dataset_eval"];
  auto questions = load_squad(test::fixture("data/squad/sample-v1.1.json"));
  auto predictions = golden["predictions"].get<std::map<std::string, std::string>>();
  SquadEvaluation eval = evaluate_squad(questions, predictions);
  EXPECT_NEAR(eval.percent.exact_match, golden["result"]["exact_match"].get<double>(), 1e-9);
  EXPECT_NEAR(eval.percent.f1, golden["result"]["f1"].get<double>(), 1e-9);
  ASSERT_EQ(eval.unanswered.size(), 1u);
  EXPECT_EQ(eval.unanswered[0], "56e16839cd28a01900c67889");
}

TEST(SquadDataset, PredictionsFileAndJsonLines) {
  test::TempDir dir;
  write_file(dir.file("pred.json"), R"({"q1": "Paris", "q2": "the cat"})");
  auto predictions = load_squad_predictions(dir.file("pred.json"));
  EXPECT_EQ(predictions.at("q2"), "the cat");
  write_file(dir.file("bad_pred.json"), R"({"q1": 3})");
  EXPECT_NE(error_of([&] { load_squad_predictions(dir.file("bad_pred.json")); }).find("q1"), std::string::npos);

  write_file(dir.file("flat.jsonl"),
             R"({"id": "q1", "title": "T", "context": "Paris is big.", "question": "Which?", "answers": {"text": ["Paris"], "answer_start": [0]}})"
             "\n\n"
             R"({"id": "q2", "context": "x", "question": "y", "answers": {"text": [], "answer_start": []}})"
             "\n");
  auto questions = load_squad(dir.file("flat.jsonl"));
  ASSERT_EQ(questions.size(), 2u);
  EXPECT_EQ(questions[0].title, "T");
  EXPECT_TRUE(questions[1].is_impossible);
  SquadEvaluation eval = evaluate_squad(questions, predictions);
  EXPECT_DOUBLE_EQ(eval.percent.exact_match, 50.0);  // q1 right; q2 unanswerable, answered "the cat"
}

TEST(SquadDataset, MalformedFilesNameTheFieldOrLine) {
  test::TempDir dir;
  write_file(dir.file("syntax.json"), "{\"data\": [\n  {\"title\": \"x\",\n");
  std::string e = error_of([&] { load_squad(dir.file("syntax.json")); });
  EXPECT_NE(e.find("syntax.json"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;

  write_file(dir.file("missing.json"),
             R"({"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [{"id": "1", "question": "q", "answers": [{"answer_start": 0}]}]}]}]})");
  e = error_of([&] { load_squad(dir.file("missing.json")); });
  EXPECT_NE(e.find("data[0].paragraphs[0].qas[0].answers[0].text: missing"), std::string::npos) << e;

  write_file(dir.file("type.json"), R"({"data": [{"id": 7, "context": "c", "question": "q", "answers": {"text": [], "answer_start": []}}]})");
  e = error_of([&] { load_squad(dir.file("type.json")); });
  EXPECT_NE(e.find("data[0].id: expected a string"), std::string::npos) << e;

  write_file(dir.file("lengths.json"), R"({"data": [{"id": "a", "context": "c", "question": "q", "answers": {"text": ["c"], "answer_start": []}}]})");
  e = error_of([&] { load_squad(dir.file("lengths.json")); });
  EXPECT_NE(e.find("data[0].answers.answer_start"), std::string::npos) << e;

  write_file(dir.file("bad.jsonl"), "{\"id\": \"a\"}\n");
  e = error_of([&] { load_squad(dir.file("bad.jsonl")); });
  EXPECT_NE(e.find("bad.jsonl:1"), std::string::npos) << e;
  EXPECT_NE(e.find("context: missing"), std::string::npos) << e;

  e = error_of([&] { load_squad(dir.file("absent.json")); });
  EXPECT_NE(e.find("absent.json"), std::string::npos) << e;
}

TEST(SummarizationDataset, CsvAndJsonLinesSamplesAgree) {
  LOWSPEC_REQUIRE_FIXTURE("data/cnn_dailymail/train_sample.csv");
  LOWSPEC_REQUIRE_FIXTURE("data/cnn_dailymail/train_sample.jsonl");
  auto from_csv = load_summary_examples(test::fixture("data/cnn_dailymail/train_sample.csv"));
  auto from_jsonl = load_summary_examples(test::fixture("data/cnn_dailymail/train_sample.jsonl"));
  ASSERT_EQ(from_csv.size(), 100u);
  ASSERT_EQ(from_jsonl.size(), 100u);
  for (size_t i = 0; i < from_csv.size(); ++i) {
    EXPECT_EQ(from_csv[i].id, from_jsonl[i].id);
    EXPECT_EQ(from_csv[i].article, from_jsonl[i].article) << from_csv[i].id;
    EXPECT_EQ(from_csv[i].highlights, from_jsonl[i].highlights) << from_csv[i].id;
  }
  EXPECT_EQ(from_csv[0].id, "0001d1afc246a7964130f43ae940af6bc6c57f01");
  EXPECT_NE(from_csv[0].highlights.find('\n'), std::string::npos);
}

TEST(SummarizationDataset, SamplingIsDeterministicAndKeepsFileOrder) {
  LOWSPEC_REQUIRE_FIXTURE("data/cnn_dailymail/train_sample.csv");
  std::string path = test::fixture("data/cnn_dailymail/train_sample.csv");
  auto all = load_summary_examples(path);
  auto a = load_summary_examples(path, {10, 42});
  auto b = load_summary_examples(path, {10, 42});
  auto c = load_summary_examples(path, {10, 7});
  ASSERT_EQ(a.size(), 10u);
  std::vector<std::string> ids_a, ids_b, ids_c;
  for (auto& x : a) ids_a.push_back(x.id);
  for (auto& x : b) ids_b.push_back(x.id);
  for (auto& x : c) ids_c.push_back(x.id);
  EXPECT_EQ(ids_a, ids_b);
  EXPECT_NE(ids_a, ids_c);
  EXPECT_TRUE(std::is_sorted(ids_a.begin(), ids_a.end()));  // the file's ids ascend
  EXPECT_EQ(load_summary_examples(path, {1000, 1}).size(), all.size());
}

TEST(Sampling, ReservoirIsUniform) {
  // Each of 10 items should land in a 3-sample about 30% of the time.
  std::vector<int> hits(10, 0);
  for (uint64_t seed = 0; seed < 3000; ++seed) {
    Reservoir<int> r({3, seed});
    for (int i = 0; i < 10; ++i) r.offer(i);
    for (int x : r.take()) ++hits[x];
  }
  for (int h : hits) EXPECT_NEAR(h, 900, 120);
}

TEST(CsvReader, QuotingRules) {
  test::TempDir dir;
  write_file(dir.file("q.csv"), "a,b,c\r\n1,\"x, \"\"y\"\"\nz\",\r\n\n\"\",plain,\"\"\"\"\n");
  CsvReader reader(dir.file("q.csv"));
  std::vector<std::string> fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"1", "x, \"y\"\nz", ""}));
  EXPECT_EQ(reader.record_line(), 2u);
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"", "plain", "\""}));
  EXPECT_EQ(reader.record_line(), 5u);
  EXPECT_FALSE(reader.next(fields));
}

TEST(SummarizationDataset, MalformedFilesNameTheLine) {
  test::TempDir dir;
  write_file(dir.file("open.csv"), "id,article,highlights\n1,\"never closed,x\n2,b,c\n");
  std::string e = error_of([&] { load_summary_examples(dir.file("open.csv")); });
  EXPECT_NE(e.find("open.csv:2"), std::string::npos) << e;
  EXPECT_NE(e.find("not closed"), std::string::npos) << e;

  write_file(dir.file("after.csv"), "id,article,highlights\n1,a,b\n2,\"x\"y,c\n");
  e = error_of([&] { load_summary_examples(dir.file("after.csv")); });
  EXPECT_NE(e.find("after.csv:3"), std::string::npos) << e;

  write_file(dir.file("bare.csv"), "id,article,highlights\n1,say \"hi\",b\n");
  e = error_of([&] { load_summary_examples(dir.file("bare.csv")); });
  EXPECT_NE(e.find("bare.csv:2"), std::string::npos) << e;

  write_file(dir.file("count.csv"), "id,article,highlights\n1,a\n");
  e = error_of([&] { load_summary_examples(dir.file("count.csv")); });
  EXPECT_NE(e.find("count.csv:2"), std::string::npos) << e;

  write_file(dir.file("column.csv"), "id,text,highlights\n1,a,b\n");
  e = error_of([&] { load_summary_examples(dir.file("column.csv")); });
  EXPECT_NE(e.find("\"article\""), std::string::npos) << e;

  write_file(dir.file("bad.jsonl"), "{\"id\": \"1\", \"article\": \"a\", \"highlights\": \"h\"}\n{\"id\": \"2\", \"article\": \"a\"}\n");
  e = error_of([&] { load_summary_examples(dir.file("bad.jsonl")); });
  EXPECT_NE(e.find("bad.jsonl:2"), std::string::npos) << e;
  EXPECT_NE(e.find("highlights"), std::string::npos) << e;

  write_file(dir.file("syntax.jsonl"), "{\"id\": \"1\", \n");
  e = error_of([&] { load_summary_examples(dir.file("syntax.jsonl")); });
  EXPECT_NE(e.find("syntax.jsonl:1"), std::string::npos) << e;

  write_file(dir.file("data.txt"), "x");
  EXPECT_NE(error_of([&] { load_summary_examples(dir.file("data.txt")); }).find("data.txt"), std::string::npos);
}

TEST(TextDataset, WikiTextRowsAsHuggingFaceGivesThem) {
  LOWSPEC_REQUIRE_FIXTURE("data/wikitext-2-raw/wiki.test.raw");
  auto rows = load_wikitext_rows(test::fixture("data/wikitext-2-raw/wiki.test.raw"));
  ASSERT_EQ(rows.size(), 4357u);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), std::string()), 1466);
  EXPECT_EQ(rows[0], "");
  EXPECT_EQ(rows[1], " = Robert Boulter = \n");
  std::string text = wikitext_perplexity_text(rows);
  EXPECT_EQ(text.compare(0, 26, "\n\n = Robert Boulter = \n\n\n\n"), 0);
  auto articles = wikitext_articles(rows);
  ASSERT_GT(articles.size(), 10u);
  EXPECT_EQ(articles[0].compare(0, 21, " = Robert Boulter = \n"), 0);
  for (const auto& a : articles) EXPECT_EQ(a.compare(0, 3, " = "), 0);
  auto sampled = wikitext_articles(rows, {3, 5});
  ASSERT_EQ(sampled.size(), 3u);
  EXPECT_EQ(sampled, wikitext_articles(rows, {3, 5}));
}

TEST(TextDataset, PlainTextParagraphs) {
  LOWSPEC_REQUIRE_FIXTURE("data/tinyshakespeare/input.txt");
  auto paragraphs = load_paragraphs(test::fixture("data/tinyshakespeare/input.txt"));
  ASSERT_GT(paragraphs.size(), 1000u);
  EXPECT_EQ(paragraphs[0].compare(0, 15, "First Citizen:\n"), 0);
  auto sample = load_paragraphs(test::fixture("data/tinyshakespeare/input.txt"), {5, 1});
  EXPECT_EQ(sample.size(), 5u);

  test::TempDir dir;
  write_file(dir.file("t.txt"), "\n\na\r\nb\n \nc");
  EXPECT_EQ(load_paragraphs(dir.file("t.txt")), (std::vector<std::string>{"a\nb", "c"}));
  EXPECT_THROW(load_paragraphs(dir.file("none.txt")), Error);
}

}  // namespace
}  // namespace lowspec::eval
