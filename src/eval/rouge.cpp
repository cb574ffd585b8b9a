#include "eval/rouge.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "eval/porter_stemmer.h"
#include "eval/python_text.h"

namespace lowspec::eval {
namespace {

using Tokens = std::vector<std::string>;

double fmeasure(double precision, double recall) {
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

RougeFigure figure(double precision, double recall) { return {precision, recall, fmeasure(precision, recall)}; }

std::map<std::vector<std::string>, int> ngram_counts(const Tokens& tokens, size_t n) {
  std::map<std::vector<std::string>, int> counts;
  for (size_t i = 0; i + n <= tokens.size(); ++i) ++counts[Tokens(tokens.begin() + i, tokens.begin() + i + n)];
  return counts;
}

RougeFigure rouge_n(const Tokens& target, const Tokens& prediction, size_t n) {
  auto target_ngrams = ngram_counts(target, n);
  auto prediction_ngrams = ngram_counts(prediction, n);
  int overlap = 0, target_total = 0, prediction_total = 0;
  for (const auto& [gram, count] : target_ngrams) {
    target_total += count;
    auto it = prediction_ngrams.find(gram);
    if (it != prediction_ngrams.end()) overlap += std::min(count, it->second);
  }
  for (const auto& entry : prediction_ngrams) prediction_total += entry.second;
  return figure(static_cast<double>(overlap) / std::max(prediction_total, 1),
                static_cast<double>(overlap) / std::max(target_total, 1));
}

// table[i][j] = LCS length of ref[0..i) and can[0..j).
std::vector<std::vector<int>> lcs_table(const Tokens& ref, const Tokens& can) {
  std::vector<std::vector<int>> table(ref.size() + 1, std::vector<int>(can.size() + 1, 0));
  for (size_t i = 1; i <= ref.size(); ++i)
    for (size_t j = 1; j <= can.size(); ++j)
      table[i][j] = ref[i - 1] == can[j - 1] ? table[i - 1][j - 1] + 1
                                             : std::max(table[i - 1][j], table[i][j - 1]);
  return table;
}

RougeFigure rouge_l(const Tokens& target, const Tokens& prediction) {
  if (target.empty() || prediction.empty()) return {};
  double lcs = lcs_table(target, prediction)[target.size()][prediction.size()];
  return figure(lcs / static_cast<double>(prediction.size()), lcs / static_cast<double>(target.size()));
}

// Indices into ref of one LCS with can, backtracking as rouge-score does (prefers moving in
// `can` only when that keeps a strictly longer LCS).
std::vector<size_t> lcs_indices(const Tokens& ref, const Tokens& can) {
  auto table = lcs_table(ref, can);
  std::vector<size_t> indices;
  size_t i = ref.size(), j = can.size();
  while (i > 0 && j > 0) {
    if (ref[i - 1] == can[j - 1]) {
      indices.push_back(i - 1);
      --i;
      --j;
    } else if (table[i][j - 1] > table[i - 1][j]) {
      --j;
    } else {
      --i;
    }
  }
  return indices;
}

RougeFigure rouge_lsum(const std::vector<Tokens>& target_sentences, const std::vector<Tokens>& prediction_sentences) {
  if (target_sentences.empty() || prediction_sentences.empty()) return {};
  size_t target_len = 0, prediction_len = 0;
  std::map<std::string, int> target_left, prediction_left;
  for (const auto& s : target_sentences) {
    target_len += s.size();
    for (const auto& t : s) ++target_left[t];
  }
  for (const auto& s : prediction_sentences) {
    prediction_len += s.size();
    for (const auto& t : s) ++prediction_left[t];
  }
  if (target_len == 0 || prediction_len == 0) return {};
  // Each token is counted at most as often as it occurs on both sides.
  int hits = 0;
  for (const auto& ref : target_sentences) {
    std::set<size_t> union_indices;
    for (const auto& can : prediction_sentences)
      for (size_t i : lcs_indices(ref, can)) union_indices.insert(i);
    for (size_t i : union_indices) {
      const std::string& token = ref[i];
      if (prediction_left[token] > 0 && target_left[token] > 0) {
        ++hits;
        --prediction_left[token];
        --target_left[token];
      }
    }
  }
  return figure(static_cast<double>(hits) / static_cast<double>(prediction_len),
                static_cast<double>(hits) / static_cast<double>(target_len));
}

std::vector<Tokens> tokenize_lines(std::string_view text, bool use_stemmer) {
  std::vector<Tokens> sentences;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) sentences.push_back(rouge_tokenize(text.substr(start, end - start), use_stemmer));
    start = end + 1;
  }
  return sentences;
}

void add_to(RougeFigure& sum, const RougeFigure& f) {
  sum.precision += f.precision;
  sum.recall += f.recall;
  sum.fmeasure += f.fmeasure;
}

RougeFigure divided(const RougeFigure& sum, double n) { return {sum.precision / n, sum.recall / n, sum.fmeasure / n}; }

}  // namespace

std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer) {
  std::string lowered = python_lower(text);
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    tokens.push_back(use_stemmer && current.size() > 3 ? porter_stem(current) : current);
    current.clear();
  };
  for (char ch : lowered) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
      current.push_back(ch);
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

RougeScores rouge_score(std::string_view target, std::string_view prediction, bool use_stemmer) {
  Tokens target_tokens = rouge_tokenize(target, use_stemmer);
  Tokens prediction_tokens = rouge_tokenize(prediction, use_stemmer);
  RougeScores scores;
  scores.rouge1 = rouge_n(target_tokens, prediction_tokens, 1);
  scores.rouge2 = rouge_n(target_tokens, prediction_tokens, 2);
  scores.rougeL = rouge_l(target_tokens, prediction_tokens);
  scores.rougeLsum = rouge_lsum(tokenize_lines(target, use_stemmer), tokenize_lines(prediction, use_stemmer));
  return scores;
}

RougeScores rouge_score_multi(const std::vector<std::string>& targets, std::string_view prediction,
                              bool use_stemmer) {
  if (targets.empty()) throw Error("ROUGE needs at least one reference");
  std::vector<RougeScores> per_target;
  for (const auto& target : targets) per_target.push_back(rouge_score(target, prediction, use_stemmer));
  RougeScores best = per_target.front();
  for (const RougeScores& s : per_target) {
    if (s.rouge1.fmeasure > best.rouge1.fmeasure) best.rouge1 = s.rouge1;
    if (s.rouge2.fmeasure > best.rouge2.fmeasure) best.rouge2 = s.rouge2;
    if (s.rougeL.fmeasure > best.rougeL.fmeasure) best.rougeL = s.rougeL;
    if (s.rougeLsum.fmeasure > best.rougeLsum.fmeasure) best.rougeLsum = s.rougeLsum;
  }
  return best;
}

void RougeAccumulator::add(const RougeScores& item) {
  add_to(sum_.rouge1, item.rouge1);
  add_to(sum_.rouge2, item.rouge2);
  add_to(sum_.rougeL, item.rougeL);
  add_to(sum_.rougeLsum, item.rougeLsum);
  ++items_;
}

RougeScores RougeAccumulator::mean() const {
  if (items_ == 0) return {};
  double n = static_cast<double>(items_);
  return {divided(sum_.rouge1, n), divided(sum_.rouge2, n), divided(sum_.rougeL, n), divided(sum_.rougeLsum, n)};
}

}  // namespace lowspec::eval
