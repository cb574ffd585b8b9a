#include "eval/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "core/error.h"
#include "eval/python_text.h"

namespace lowspec::eval {
namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  size_t at = 0;
  while ((at = text.find(from, at)) != std::string::npos) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
}

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// The first 13a regex class [\{-\~\[-\` -\&\(-\+\:-\@\/]: ASCII symbols except ' , - .
bool is_13a_symbol(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
         (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == 0x2F;
}

// re.sub of a two-character pattern: left to right, non-overlapping. The patterns are ASCII
// and "any other character" classes, so working on UTF-8 bytes gives the same text as on code
// points.
template <typename Matches, typename Emit>
std::string substitute_pairs(const std::string& text, Matches matches, Emit emit) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  size_t i = 0;
  while (i < text.size()) {
    if (i + 1 < text.size() && matches(text[i], text[i + 1])) {
      emit(out, text[i], text[i + 1]);
      i += 2;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

std::string preprocess(std::string_view segment, const BleuOptions& options) {
  std::string text = options.lowercase ? python_lower(segment) : std::string(segment);
  std::string_view stripped = python_rstrip(text);
  return options.tokenizer == BleuTokenizer::k13a ? tokenize_13a(stripped) : std::string(stripped);
}

using NgramCounts = std::array<std::unordered_map<std::string, int64_t>, kBleuMaxOrder>;

// All n-grams up to the maximum order of the whitespace-split tokens; returns the token count.
size_t count_ngrams(const std::string& tokenized, NgramCounts& counts) {
  std::vector<std::string> tokens = python_split(tokenized);
  for (size_t start = 0; start < tokens.size(); ++start) {
    std::string key;
    for (int n = 0; n < kBleuMaxOrder && start + n < tokens.size(); ++n) {
      if (n > 0) key.push_back(' ');
      key += tokens[start + n];
      ++counts[n][key];
    }
  }
  return tokens.size();
}

int64_t closest_ref_len(int64_t hyp_len, const std::vector<int64_t>& ref_lens) {
  int64_t best_diff = -1, best_len = -1;
  for (int64_t len : ref_lens) {
    int64_t diff = std::llabs(hyp_len - len);
    if (best_diff == -1 || diff < best_diff || (diff == best_diff && len < best_len)) {
      best_diff = diff;
      best_len = len;
    }
  }
  return best_len;
}

double log_or_floor(double p) { return p == 0.0 ? -9999999999.0 : std::log(p); }

}  // namespace

BleuTokenizer parse_bleu_tokenizer(const std::string& name) {
  if (name == "13a") return BleuTokenizer::k13a;
  if (name == "none") return BleuTokenizer::kNone;
  throw Error(cat("unknown BLEU tokenizer \"", name, "\" (expected 13a or none)"));
}

std::string tokenize_13a(std::string_view line) {
  std::string text(line);
  replace_all(text, "<skipped>", "");
  replace_all(text, "-\n", "");
  replace_all(text, "\n", " ");
  replace_all(text, "&quot;", "\"");
  replace_all(text, "&amp;", "&");
  replace_all(text, "&lt;", "<");
  replace_all(text, "&gt;", ">");
  text = " " + text + " ";

  std::string spaced;
  spaced.reserve(text.size() * 2);
  for (char ch : text) {
    if (is_13a_symbol(ch)) {
      spaced.push_back(' ');
      spaced.push_back(ch);
      spaced.push_back(' ');
    } else {
      spaced.push_back(ch);
    }
  }
  auto is_period_or_comma = [](char ch) { return ch == '.' || ch == ','; };
  // Period and comma are split off unless preceded by a digit ...
  spaced = substitute_pairs(
      spaced, [&](char a, char b) { return !is_digit(a) && is_period_or_comma(b); },
      [](std::string& out, char a, char b) { out += {a, ' ', b, ' '}; });
  // ... or unless followed by one.
  spaced = substitute_pairs(
      spaced, [&](char a, char b) { return is_period_or_comma(a) && !is_digit(b); },
      [](std::string& out, char a, char b) { out += {' ', a, ' ', b}; });
  // A dash after a digit is split off.
  spaced = substitute_pairs(
      spaced, [](char a, char b) { return is_digit(a) && b == '-'; },
      [](std::string& out, char a, char b) { out += {a, ' ', b, ' '}; });

  std::string joined;
  for (const std::string& token : python_split(spaced)) {
    if (!joined.empty()) joined.push_back(' ');
    joined += token;
  }
  return joined;
}

BleuStats& BleuStats::operator+=(const BleuStats& other) {
  sys_len += other.sys_len;
  ref_len += other.ref_len;
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    correct[n] += other.correct[n];
    total[n] += other.total[n];
  }
  return *this;
}

BleuStats bleu_segment_stats(std::string_view hypothesis, const std::vector<std::string>& references,
                             const BleuOptions& options) {
  // Each reference n-gram counts as often as it occurs in the reference that has it most.
  NgramCounts ref_max;
  std::vector<int64_t> ref_lens;
  for (const std::string& reference : references) {
    if (reference.empty()) continue;
    NgramCounts counts;
    ref_lens.push_back(static_cast<int64_t>(count_ngrams(preprocess(reference, options), counts)));
    for (int n = 0; n < kBleuMaxOrder; ++n)
      for (const auto& [gram, count] : counts[n]) ref_max[n][gram] = std::max(ref_max[n][gram], count);
  }
  if (ref_lens.empty()) throw Error("BLEU needs at least one non-empty reference per hypothesis");

  NgramCounts hyp;
  BleuStats stats;
  stats.sys_len = static_cast<int64_t>(count_ngrams(preprocess(hypothesis, options), hyp));
  stats.ref_len = closest_ref_len(stats.sys_len, ref_lens);
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    for (const auto& [gram, count] : hyp[n]) {
      stats.total[n] += count;
      auto it = ref_max[n].find(gram);
      if (it != ref_max[n].end()) stats.correct[n] += std::min(count, it->second);
    }
  }
  return stats;
}

BleuScore bleu_from_stats(const BleuStats& stats, bool effective_order) {
  BleuScore result;
  result.counts = stats.correct;
  result.totals = stats.total;
  result.sys_len = stats.sys_len;
  result.ref_len = stats.ref_len;
  if (stats.sys_len < stats.ref_len) {
    result.bp = stats.sys_len > 0
                    ? std::exp(1.0 - static_cast<double>(stats.ref_len) / static_cast<double>(stats.sys_len))
                    : 0.0;
  } else {
    result.bp = 1.0;
  }
  if (std::all_of(stats.correct.begin(), stats.correct.end(), [](int64_t c) { return c == 0; }))
    return result;

  double smooth = 1.0;
  int eff_order = kBleuMaxOrder;
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    if (stats.total[n] == 0) break;
    if (effective_order) eff_order = n + 1;
    double total = static_cast<double>(stats.total[n]);
    if (stats.correct[n] == 0) {
      smooth *= 2;
      result.precisions[n] = 100.0 / (smooth * total);
    } else {
      result.precisions[n] = 100.0 * static_cast<double>(stats.correct[n]) / total;
    }
  }
  double log_sum = 0.0;
  for (int n = 0; n < eff_order; ++n) log_sum += log_or_floor(result.precisions[n]);
  result.score = result.bp * std::exp(log_sum / eff_order);
  return result;
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, const BleuOptions& options) {
  if (hypotheses.size() != references.size())
    throw Error(cat("BLEU: ", hypotheses.size(), " hypotheses but ", references.size(), " reference sets"));
  BleuStats corpus;
  for (size_t i = 0; i < hypotheses.size(); ++i)
    corpus += bleu_segment_stats(hypotheses[i], references[i], options);
  return bleu_from_stats(corpus, false);
}

BleuScore sentence_bleu(std::string_view hypothesis, const std::vector<std::string>& references,
                        const BleuOptions& options) {
  return bleu_from_stats(bleu_segment_stats(hypothesis, references, options), true);
}

}  // namespace lowspec::eval
