#include "tasks/eval_scoring.h"

#include <algorithm>

#include "eval/bleu.h"
#include "eval/rouge.h"
#include "eval/squad_metric.h"

namespace lowspec {
namespace {

Json rouge_figure_json(const eval::RougeFigure& f) {
  return {{"precision", f.precision}, {"recall", f.recall}, {"fmeasure", f.fmeasure}};
}

std::string newlines_to_spaces(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

Json squad_figures(const std::vector<ScoredPrediction>& items) {
  eval::SquadAccumulator total;
  for (const ScoredPrediction& item : items)
    total.add(eval::squad_score(item.prediction, item.references.empty() ? std::vector<std::string>{""}
                                                                        : item.references));
  const eval::SquadScore percent = total.percent();
  return {{"exact_match", percent.exact_match}, {"f1", percent.f1}};
}

Json headline_figures(const Json& figures) {
  Json flat = Json::object();
  for (auto it = figures.begin(); it != figures.end(); ++it) {
    const Json& v = it.value();
    if (v.is_object() && v.contains("fmeasure")) flat[it.key()] = v["fmeasure"];
    else if (v.is_object() && v.contains("score")) flat[it.key()] = v["score"];
    else flat[it.key()] = v;
  }
  return flat;
}

std::string sentence_lines(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool ends = (c == '.' || c == '!' || c == '?') && i + 1 < text.size() && is_space(text[i + 1]);
    out += c;
    if (!ends) continue;
    while (i + 1 < text.size() && is_space(text[i + 1])) ++i;  // the gap becomes one line break
    if (i + 1 < text.size()) out += '\n';
  }
  return out;
}

Json summary_figures(const std::vector<ScoredPrediction>& items) {
  eval::RougeAccumulator rouge;
  std::vector<std::string> hypotheses;
  std::vector<std::vector<std::string>> references;
  for (const ScoredPrediction& item : items) {
    rouge.add(eval::rouge_score_multi(item.references, sentence_lines(item.prediction), /*use_stemmer=*/true));
    hypotheses.push_back(newlines_to_spaces(item.prediction));
    references.emplace_back();
    for (const std::string& r : item.references) references.back().push_back(newlines_to_spaces(r));
  }
  const eval::RougeScores mean = rouge.mean();
  const eval::BleuScore bleu = eval::corpus_bleu(hypotheses, references, {});
  return {{"rouge1", rouge_figure_json(mean.rouge1)},
          {"rouge2", rouge_figure_json(mean.rouge2)},
          {"rougeL", rouge_figure_json(mean.rougeL)},
          {"rougeLsum", rouge_figure_json(mean.rougeLsum)},
          {"bleu", {{"score", bleu.score},
                    {"counts", bleu.counts},
                    {"totals", bleu.totals},
                    {"precisions", bleu.precisions},
                    {"bp", bleu.bp},
                    {"sys_len", bleu.sys_len},
                    {"ref_len", bleu.ref_len}}}};
}

}  // namespace lowspec
