// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum as Google's rouge-score computes them
// (RougeScorer(..., use_stemmer).score / score_multi, default tokenizer).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lowspec::eval {

// rouge-score's default tokenizer: lowercase, every run outside [a-z0-9] becomes a space, split;
// with the stemmer, tokens longer than 3 characters are Porter-stemmed (NLTK extensions).
std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer);

struct RougeFigure {
  double precision = 0;
  double recall = 0;
  double fmeasure = 0;
};

struct RougeScores {
  RougeFigure rouge1, rouge2, rougeL, rougeLsum;
};

// Scores a prediction against one target (the reference). ROUGE-Lsum treats each line as a
// sentence (empty lines dropped) and uses the union LCS over the prediction's sentences.
RougeScores rouge_score(std::string_view target, std::string_view prediction, bool use_stemmer);

// Against several targets: for each ROUGE type separately, the target with the highest F-measure
// (the first on ties), as score_multi does. At least one target is required.
RougeScores rouge_score_multi(const std::vector<std::string>& targets, std::string_view prediction,
                              bool use_stemmer);

// Plain arithmetic mean of every figure over the items.
class RougeAccumulator {
 public:
  void add(const RougeScores& item);
  RougeScores mean() const;
  size_t items() const { return items_; }

 private:
  RougeScores sum_;
  size_t items_ = 0;
};

}  // namespace lowspec::eval
