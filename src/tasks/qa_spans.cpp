#include "tasks/qa_spans.h"

#include <algorithm>
#include <cmath>

namespace lowspec {
namespace {

// HF: masked logits become -10000, then exp(x - max) / sum over the whole window.
std::vector<double> window_probabilities(std::span<const float> logits,
                                         std::span<const uint8_t> allowed) {
  std::vector<double> p(logits.size());
  double max = -INFINITY;
  for (size_t i = 0; i < logits.size(); ++i) {
    p[i] = allowed[i] ? logits[i] : -10000.0;
    max = std::max(max, p[i]);
  }
  double sum = 0;
  for (double& x : p) sum += (x = std::exp(x - max));
  for (double& x : p) x /= sum;
  if (!p.empty()) p[0] = 0.0;  // [CLS] never starts or ends an answer
  return p;
}

}  // namespace

std::vector<TokenSpan> select_spans(std::span<const float> start_logits,
                                    std::span<const float> end_logits,
                                    std::span<const uint8_t> allowed, int64_t top_k,
                                    int64_t max_answer_len) {
  const int64_t L = static_cast<int64_t>(start_logits.size());
  const std::vector<double> p_start = window_probabilities(start_logits, allowed);
  const std::vector<double> p_end = window_probabilities(end_logits, allowed);
  std::vector<TokenSpan> spans;
  for (int64_t s = 0; s < L; ++s) {
    if (!allowed[s] || p_start[s] == 0.0) continue;
    for (int64_t e = s; e < std::min(L, s + max_answer_len); ++e) {
      if (!allowed[e] || p_end[e] == 0.0) continue;
      spans.push_back({s, e, p_start[s] * p_end[e]});
    }
  }
  const auto better = [](const TokenSpan& a, const TokenSpan& b) { return a.score > b.score; };
  const size_t k = std::min(spans.size(), static_cast<size_t>(std::max<int64_t>(top_k, 0)));
  std::partial_sort(spans.begin(), spans.begin() + k, spans.end(),
                    [&](const TokenSpan& a, const TokenSpan& b) {
                      if (a.score != b.score) return better(a, b);
                      return a.start != b.start ? a.start < b.start : a.end < b.end;
                    });
  spans.resize(k);
  return spans;
}

std::vector<ContextSpan> best_answers(const std::vector<QaWindow>& windows, int64_t top_k,
                                      int64_t max_answer_len) {
  std::vector<ContextSpan> answers;
  for (const QaWindow& w : windows) {
    for (const TokenSpan& span :
         select_spans(w.start_logits, w.end_logits, w.allowed, top_k, max_answer_len)) {
      // Widen to whole words, staying inside this window's context tokens.
      int64_t first = span.start, last = span.end;
      while (first > 0 && w.continues_word[first] && w.allowed[first - 1]) --first;
      const int64_t L = static_cast<int64_t>(w.allowed.size());
      while (last + 1 < L && w.continues_word[last + 1] && w.allowed[last + 1]) ++last;
      answers.push_back({w.byte_begin[first], w.byte_end[last], span.score});
    }
  }
  std::stable_sort(answers.begin(), answers.end(),
                   [](const ContextSpan& a, const ContextSpan& b) { return a.score > b.score; });
  if (static_cast<int64_t>(answers.size()) > top_k) answers.resize(static_cast<size_t>(top_k));
  return answers;
}

}  // namespace lowspec
