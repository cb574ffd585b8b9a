// SQuAD v1.1 exact match and F1, as the official evaluate-v1.1.py computes them.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lowspec::eval {

// normalize_answer: lower(), drop ASCII punctuation, words a/an/the -> space, collapse whitespace.
std::string squad_normalize(std::string_view answer);

// Against one ground truth: exact match is 0 or 1; F1 is the token-multiset F1 of the normalized
// answers, 0 when they share no token (even when both are empty).
double squad_exact_match(std::string_view prediction, std::string_view ground_truth);
double squad_f1(std::string_view prediction, std::string_view ground_truth);

struct SquadScore {
  double exact_match = 0;  // 0/1 per question; percent for a dataset
  double f1 = 0;           // 0..1 per question; percent for a dataset
};

// Best over the ground truths (there must be at least one).
SquadScore squad_score(std::string_view prediction, const std::vector<std::string>& ground_truths);

// Dataset figures in percent: 100 * mean over questions; a question without a prediction
// counts 0, as in the official script.
class SquadAccumulator {
 public:
  void add(const SquadScore& question) {
    exact_match_sum_ += question.exact_match;
    f1_sum_ += question.f1;
    ++questions_;
  }
  void add_unanswered() { ++questions_; }
  SquadScore percent() const;
  size_t questions() const { return questions_; }

 private:
  double exact_match_sum_ = 0, f1_sum_ = 0;
  size_t questions_ = 0;
};

}  // namespace lowspec::eval
