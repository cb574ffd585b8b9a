// `lowspec score` as scripts run it: both input forms, --json fields, errors with exit status 2.
#include <gtest/gtest.h>

#include <fstream>

#include "core/json_util.h"
#include "test_util.h"

namespace lowspec {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

Json run_json(const std::string& args) {
  std::string out, err;
  int status = test::run_lowspec(args, &out, &err);
  EXPECT_EQ(status, 0) << err;
  return parse_json(out, "stdout");
}

TEST(ScoreCommand, LineFormWithTabSeparatedReferences) {
  test::TempDir dir;
  write_file(dir.file("pred.txt"), "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n");
  write_file(dir.file("ref.txt"),
             "The dog bit the man.\tThe dog had bit the man.\n"
             "It wasn't surprising.\tNo one was surprised.\n"
             "The man had just bitten him.\tThe man had bitten the dog.\n");
  Json bleu = run_json(cat("score --metric bleu --pred ", dir.file("pred.txt"), " --ref ", dir.file("ref.txt"), " --json"));
  // sacreBLEU 2.6 on this corpus (fixtures/metrics/sacrebleu.json, corpus_a/default).
  EXPECT_NEAR(bleu["score"].get<double>(), 43.35181858936156, 1e-9);
  EXPECT_EQ(bleu["counts"], Json({13, 6, 4, 3}));
  EXPECT_EQ(bleu["sys_len"], 17);
  EXPECT_EQ(bleu["ref_len"], 18);
  EXPECT_FALSE(bleu.contains("items"));

  Json per_item = run_json(cat("score --metric bleu --pred ", dir.file("pred.txt"), " --ref ", dir.file("ref.txt"),
                               " --json --per-item"));
  ASSERT_EQ(per_item["items"].size(), 3u);
  EXPECT_NEAR(per_item["items"][0]["score"].get<double>(), 100.0, 1e-9);

  std::string out;
  ASSERT_EQ(test::run_lowspec(cat("score --metric bleu --pred ", dir.file("pred.txt"), " --ref ", dir.file("ref.txt")), &out), 0);
  EXPECT_EQ(out.rfind("BLEU = 43.35 76.5/42.9/36.4/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", 0), 0u) << out;
}

TEST(ScoreCommand, JsonLinesForSquadRougeAndSentenceBleu) {
  test::TempDir dir;
  write_file(dir.file("items.jsonl"),
             R"({"prediction": "the Denver Broncos", "references": ["Denver Broncos"]})"
             "\n"
             R"({"prediction": "Broncos", "references": ["Denver Broncos", "Carolina"]})"
             "\n");
  std::string f = dir.file("items.jsonl");
  Json squad = run_json(cat("score --metric squad --jsonl ", f, " --json --per-item"));
  EXPECT_DOUBLE_EQ(squad["exact_match"].get<double>(), 50.0);
  EXPECT_NEAR(squad["f1"].get<double>(), 100.0 * (1.0 + 2.0 / 3.0) / 2.0, 1e-9);
  EXPECT_DOUBLE_EQ(squad["items"][1]["exact_match"].get<double>(), 0.0);

  Json rouge = run_json(cat("score --metric rouge --jsonl ", f, " --json --stemmer"));
  for (const char* key : {"rouge1", "rouge2", "rougeL", "rougeLsum"}) {
    ASSERT_TRUE(rouge.contains(key)) << key;
    EXPECT_TRUE(rouge[key].contains("precision") && rouge[key].contains("recall") && rouge[key].contains("fmeasure"));
  }
  EXPECT_DOUBLE_EQ(rouge["rouge1"]["recall"].get<double>(), 0.75);

  Json sentence = run_json(cat("score --metric sentence-bleu --jsonl ", f, " --json"));
  ASSERT_EQ(sentence["items"].size(), 2u);
  EXPECT_TRUE(sentence["items"][0].contains("bp"));
}

TEST(ScoreCommand, BadInputExitsWithStatusTwoAndOneLine) {
  test::TempDir dir;
  write_file(dir.file("pred.txt"), "a\nb\n");
  write_file(dir.file("ref.txt"), "a\n");
  write_file(dir.file("bad.jsonl"), "{\"prediction\": \"a\", \"references\": [\"a\"]}\n{\"prediction\": 3}\n");
  write_file(dir.file("noref.jsonl"), "{\"prediction\": \"a\", \"references\": [\"\"]}\n");
  struct Case {
    std::string args, expected;
  } cases[] = {
      {cat("score --metric bleu --pred ", dir.file("pred.txt"), " --ref ", dir.file("ref.txt")), "pred.txt:2"},
      {cat("score --metric rouge --jsonl ", dir.file("bad.jsonl")), "bad.jsonl:2"},
      {cat("score --metric bleu --jsonl ", dir.file("noref.jsonl")), "item 1"},
      {cat("score --metric squad --jsonl ", dir.file("missing.jsonl")), "missing.jsonl"},
      {cat("score --metric squad --jsonl ", dir.file("bad.jsonl"), " --pred ", dir.file("pred.txt")), "either"},
  };
  for (const Case& c : cases) {
    std::string err;
    EXPECT_EQ(test::run_lowspec(c.args, nullptr, &err), 2) << c.args;
    EXPECT_NE(err.find(c.expected), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

}  // namespace
}  // namespace lowspec
