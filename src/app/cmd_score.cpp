// lowspec score: SQuAD EM/F1, sacreBLEU BLEU (corpus and sentence) and rouge-score ROUGE of
// predictions against references, with the figures the reference tools print.
#include <cstdio>
#include <string>
#include <vector>

#include "app/command.h"
#include "core/error.h"
#include "core/json_util.h"
#include "eval/bleu.h"
#include "eval/rouge.h"
#include "eval/score_items.h"
#include "eval/squad_metric.h"

namespace lowspec::app {
namespace {

struct ScoreArgs {
  std::string metric;
  std::string pred_path, ref_path, jsonl_path;
  std::string tokenize = "13a";
  bool lowercase = false;
  bool stemmer = false;
  bool per_item = false;
  bool json = false;
};

// Where an item came from, for error messages.
std::string item_source(const ScoreArgs& args, size_t index) {
  const std::string& file = args.jsonl_path.empty() ? args.ref_path : args.jsonl_path;
  return cat(file, ": item ", index + 1);
}

Json bleu_json(const eval::BleuScore& s) {
  return {{"score", s.score}, {"counts", s.counts},   {"totals", s.totals},   {"precisions", s.precisions},
          {"bp", s.bp},       {"sys_len", s.sys_len}, {"ref_len", s.ref_len}};
}

Json rouge_figure_json(const eval::RougeFigure& f) {
  return {{"precision", f.precision}, {"recall", f.recall}, {"fmeasure", f.fmeasure}};
}

Json rouge_json(const eval::RougeScores& s) {
  return {{"rouge1", rouge_figure_json(s.rouge1)},
          {"rouge2", rouge_figure_json(s.rouge2)},
          {"rougeL", rouge_figure_json(s.rougeL)},
          {"rougeLsum", rouge_figure_json(s.rougeLsum)}};
}

// sacreBLEU's one-line summary.
std::string bleu_line(const eval::BleuScore& s) {
  double ratio = s.ref_len > 0 ? static_cast<double>(s.sys_len) / static_cast<double>(s.ref_len) : 0.0;
  char buf[256];
  std::snprintf(buf, sizeof buf, "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)",
                s.score, s.precisions[0], s.precisions[1], s.precisions[2], s.precisions[3], s.bp, ratio,
                static_cast<long long>(s.sys_len), static_cast<long long>(s.ref_len));
  return buf;
}

std::string rouge_text(const eval::RougeScores& s) {
  std::string out = "           precision  recall  fmeasure\n";
  auto row = [&](const char* name, const eval::RougeFigure& f) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%-10s %9.4f %7.4f %9.4f\n", name, f.precision, f.recall, f.fmeasure);
    out += buf;
  };
  row("rouge1", s.rouge1);
  row("rouge2", s.rouge2);
  row("rougeL", s.rougeL);
  row("rougeLsum", s.rougeLsum);
  return out;
}

// Runs the metric; fills `json` with the contract's fields and returns the readable summary.
std::string score_squad(const ScoreArgs& args, const std::vector<eval::ScoreItem>& items, Json& json) {
  eval::SquadAccumulator total;
  Json per_item = Json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].references.empty()) throw Error(item_source(args, i), "has no ground-truth answer");
    eval::SquadScore s = eval::squad_score(items[i].prediction, items[i].references);
    total.add(s);
    per_item.push_back({{"exact_match", 100.0 * s.exact_match}, {"f1", 100.0 * s.f1}});
  }
  eval::SquadScore percent = total.percent();
  json = {{"exact_match", percent.exact_match}, {"f1", percent.f1}};
  if (args.per_item) json["items"] = per_item;
  char buf[160];
  std::snprintf(buf, sizeof buf, "exact_match = %.2f  f1 = %.2f  (%zu questions)\n", percent.exact_match,
                percent.f1, items.size());
  return buf;
}

eval::BleuStats segment_stats(const ScoreArgs& args, const eval::BleuOptions& options,
                              const std::vector<eval::ScoreItem>& items, size_t i) {
  bool any_reference = false;
  for (const auto& r : items[i].references) any_reference = any_reference || !r.empty();
  if (!any_reference) throw Error(item_source(args, i), "has no non-empty reference");
  return eval::bleu_segment_stats(items[i].prediction, items[i].references, options);
}

std::string score_bleu(const ScoreArgs& args, const std::vector<eval::ScoreItem>& items, Json& json) {
  eval::BleuOptions options{eval::parse_bleu_tokenizer(args.tokenize), args.lowercase};
  bool sentence = args.metric == "sentence-bleu";
  eval::BleuStats corpus;
  Json per_item = Json::array();
  double sentence_sum = 0;
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    eval::BleuStats stats = segment_stats(args, options, items, i);
    corpus += stats;
    eval::BleuScore item = eval::bleu_from_stats(stats, true);
    sentence_sum += item.score;
    per_item.push_back(bleu_json(item));
    if (sentence) text += bleu_line(item) + "\n";
  }
  if (sentence) {
    // Sentence BLEU has no corpus figure; the mean of the sentence scores summarizes them.
    double mean = items.empty() ? 0.0 : sentence_sum / static_cast<double>(items.size());
    json = {{"score", mean}, {"items", per_item}};
    char buf[96];
    std::snprintf(buf, sizeof buf, "mean sentence BLEU = %.2f (%zu sentences)\n", mean, items.size());
    return text + buf;
  }
  eval::BleuScore score = eval::bleu_from_stats(corpus, false);
  json = bleu_json(score);
  if (args.per_item) json["items"] = per_item;
  return bleu_line(score) + "\n";
}

std::string score_rouge(const ScoreArgs& args, const std::vector<eval::ScoreItem>& items, Json& json) {
  eval::RougeAccumulator total;
  Json per_item = Json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].references.empty()) throw Error(item_source(args, i), "has no reference");
    eval::RougeScores s = eval::rouge_score_multi(items[i].references, items[i].prediction, args.stemmer);
    total.add(s);
    per_item.push_back(rouge_json(s));
  }
  eval::RougeScores mean = total.mean();
  json = rouge_json(mean);
  if (args.per_item) json["items"] = per_item;
  return rouge_text(mean) + cat("(mean over ", items.size(), " items)\n");
}

int run_score(const ScoreArgs& args) {
  bool line_form = !args.pred_path.empty() || !args.ref_path.empty();
  if (line_form == !args.jsonl_path.empty())
    throw Error("score: give either --pred FILE --ref FILE or --jsonl FILE");
  if (line_form && (args.pred_path.empty() || args.ref_path.empty()))
    throw Error("score: --pred and --ref go together");
  std::vector<eval::ScoreItem> items = line_form ? eval::read_score_items(args.pred_path, args.ref_path)
                                                 : eval::read_score_items_jsonl(args.jsonl_path);
  Json json;
  std::string text;
  if (args.metric == "squad") {
    text = score_squad(args, items, json);
  } else if (args.metric == "bleu" || args.metric == "sentence-bleu") {
    text = score_bleu(args, items, json);
  } else {
    text = score_rouge(args, items, json);
  }
  if (args.json) {
    std::printf("%s\n", json.dump().c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}

CommandRegistrar score_command{{"score", "Score predictions against references (SQuAD EM/F1, BLEU, sentence BLEU, ROUGE)",
                      [](CLI::App& app) -> std::function<int()> {
                        auto args = std::make_shared<ScoreArgs>();
                        app.add_option("--metric", args->metric, "squad, bleu, sentence-bleu or rouge")
                            ->required()
                            ->check(CLI::IsMember({"squad", "bleu", "sentence-bleu", "rouge"}));
                        app.add_option("--pred", args->pred_path, "predictions, one per line");
                        app.add_option("--ref", args->ref_path, "references, one line per prediction, tab-separated");
                        app.add_option("--jsonl", args->jsonl_path,
                                       "JSON lines {\"prediction\": ..., \"references\": [...]}");
                        app.add_option("--tokenize", args->tokenize, "BLEU tokenizer: 13a (default) or none")
                            ->check(CLI::IsMember({"13a", "none"}));
                        app.add_flag("--lowercase", args->lowercase, "BLEU: lowercase before tokenizing");
                        app.add_flag("--stemmer", args->stemmer, "ROUGE: Porter-stem tokens longer than 3 characters");
                        app.add_flag("--per-item", args->per_item, "also report each item's figures");
                        app.add_flag("--json", args->json, "print JSON");
                        return [args] { return run_score(*args); };
                      }}};

}  // namespace
}  // namespace lowspec::app
