#include "eval/squad_metric.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "core/error.h"
#include "eval/python_text.h"

namespace lowspec::eval {
namespace {

// Python's string.punctuation.
bool is_ascii_punctuation(char ch) {
  static constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  return kPunctuation.find(ch) != std::string_view::npos;
}

// re.sub(r"\b(a|an|the)\b", " ", text): a whole run of word characters that is an article.
std::string replace_articles(std::string_view text) {
  std::u32string cps = decode_utf8(text);
  std::u32string out;
  out.reserve(cps.size());
  size_t i = 0;
  while (i < cps.size()) {
    if (!is_python_word_char(cps[i])) {
      out.push_back(cps[i++]);
      continue;
    }
    size_t start = i;
    while (i < cps.size() && is_python_word_char(cps[i])) ++i;
    std::u32string_view word(cps.data() + start, i - start);
    if (word == U"a" || word == U"an" || word == U"the") {
      out.push_back(U' ');
    } else {
      out.append(word);
    }
  }
  return encode_utf8(out);
}

}  // namespace

std::string squad_normalize(std::string_view answer) {
  std::string lowered = python_lower(answer);
  std::string no_punctuation;
  no_punctuation.reserve(lowered.size());
  for (char ch : lowered)
    if (!is_ascii_punctuation(ch)) no_punctuation.push_back(ch);
  std::string joined;
  for (const std::string& word : python_split(replace_articles(no_punctuation))) {
    if (!joined.empty()) joined.push_back(' ');
    joined += word;
  }
  return joined;
}

double squad_exact_match(std::string_view prediction, std::string_view ground_truth) {
  return squad_normalize(prediction) == squad_normalize(ground_truth) ? 1.0 : 0.0;
}

double squad_f1(std::string_view prediction, std::string_view ground_truth) {
  std::vector<std::string> predicted = python_split(squad_normalize(prediction));
  std::vector<std::string> truth = python_split(squad_normalize(ground_truth));
  std::map<std::string, int> truth_counts;
  for (const auto& t : truth) ++truth_counts[t];
  int common = 0;
  for (const auto& t : predicted) {
    auto it = truth_counts.find(t);
    if (it != truth_counts.end() && it->second > 0) {
      --it->second;
      ++common;
    }
  }
  if (common == 0) return 0.0;
  double precision = 1.0 * common / static_cast<double>(predicted.size());
  double recall = 1.0 * common / static_cast<double>(truth.size());
  return (2 * precision * recall) / (precision + recall);
}

SquadScore squad_score(std::string_view prediction, const std::vector<std::string>& ground_truths) {
  if (ground_truths.empty()) throw Error("SQuAD scoring needs at least one ground-truth answer");
  SquadScore best;
  for (const auto& truth : ground_truths) {
    best.exact_match = std::max(best.exact_match, squad_exact_match(prediction, truth));
    best.f1 = std::max(best.f1, squad_f1(prediction, truth));
  }
  return best;
}

SquadScore SquadAccumulator::percent() const {
  if (questions_ == 0) return {};
  double n = static_cast<double>(questions_);
  return {100.0 * exact_match_sum_ / n, 100.0 * f1_sum_ / n};
}

}  // namespace lowspec::eval
