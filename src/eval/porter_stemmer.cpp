#include "eval/porter_stemmer.h"

#include <functional>
#include <initializer_list>
#include <map>

namespace lowspec::eval {
namespace {

bool ends_with(std::string_view word, std::string_view suffix) {
  return word.size() >= suffix.size() && word.substr(word.size() - suffix.size()) == suffix;
}

// A consonant is a letter other than a e i o u, and other than a y preceded by a consonant.
bool is_consonant(std::string_view word, size_t i) {
  char ch = word[i];
  if (ch == 'a' || ch == 'e' || ch == 'i' || ch == 'o' || ch == 'u') return false;
  if (ch == 'y') return i == 0 || !is_consonant(word, i - 1);
  return true;
}

// m in [C](VC){m}[V]: the number of vowel->consonant transitions.
int measure(std::string_view stem) {
  int m = 0;
  for (size_t i = 1; i < stem.size(); ++i)
    if (!is_consonant(stem, i - 1) && is_consonant(stem, i)) ++m;
  return m;
}

bool contains_vowel(std::string_view stem) {
  for (size_t i = 0; i < stem.size(); ++i)
    if (!is_consonant(stem, i)) return true;
  return false;
}

bool ends_double_consonant(std::string_view word) {
  return word.size() >= 2 && word.back() == word[word.size() - 2] && is_consonant(word, word.size() - 1);
}

// *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also accepts a two-letter
// vowel-consonant word.
bool ends_cvc(std::string_view word) {
  size_t n = word.size();
  if (n >= 3 && is_consonant(word, n - 3) && !is_consonant(word, n - 2) && is_consonant(word, n - 1) &&
      word.back() != 'w' && word.back() != 'x' && word.back() != 'y')
    return true;
  return n == 2 && !is_consonant(word, 0) && is_consonant(word, 1);
}

bool positive_measure(std::string_view stem) { return measure(stem) > 0; }
bool measure_above_one(std::string_view stem) { return measure(stem) > 1; }

struct Rule {
  std::string_view suffix;
  std::string_view replacement;
  std::function<bool(std::string_view stem)> condition;  // empty: unconditional
};

// The first rule whose suffix the word ends with decides: if its condition fails the word is
// returned unchanged and no later rule is tried.
std::string apply_first_rule(const std::string& word, std::initializer_list<Rule> rules) {
  for (const Rule& rule : rules) {
    if (!ends_with(word, rule.suffix)) continue;
    std::string_view stem = std::string_view(word).substr(0, word.size() - rule.suffix.size());
    if (rule.condition && !rule.condition(stem)) return word;
    return std::string(stem) + std::string(rule.replacement);
  }
  return word;
}

std::string step1a(const std::string& word) {
  if (ends_with(word, "ies") && word.size() == 4) return word.substr(0, 1) + "ie";
  return apply_first_rule(word, {{"sses", "ss", {}}, {"ies", "i", {}}, {"ss", "ss", {}}, {"s", "", {}}});
}

std::string step1b(const std::string& word) {
  if (ends_with(word, "ied")) return word.substr(0, word.size() - 3) + (word.size() == 4 ? "ie" : "i");
  if (ends_with(word, "eed")) {
    std::string stem = word.substr(0, word.size() - 3);
    return measure(stem) > 0 ? stem + "ee" : word;
  }
  std::string stem;
  bool stripped = false;
  for (std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
    if (ends_with(word, suffix)) {
      stem = word.substr(0, word.size() - suffix.size());
      if (contains_vowel(stem)) {
        stripped = true;
        break;
      }
    }
  }
  if (!stripped) return word;
  if (ends_with(stem, "at") || ends_with(stem, "bl") || ends_with(stem, "iz")) return stem + "e";
  if (ends_double_consonant(stem)) {
    char last = stem.back();
    return (last == 'l' || last == 's' || last == 'z') ? stem : stem.substr(0, stem.size() - 1);
  }
  if (measure(stem) == 1 && ends_cvc(stem)) return stem + "e";
  return stem;
}

// y -> i when preceded by a consonant that is not the first letter.
std::string step1c(const std::string& word) {
  if (ends_with(word, "y") && word.size() > 2 && is_consonant(word, word.size() - 2))
    return word.substr(0, word.size() - 1) + "i";
  return word;
}

std::string step2(const std::string& word) {
  // NLTK applies alli -> al first and runs the result through step 2 again.
  if (ends_with(word, "alli") && positive_measure(std::string_view(word).substr(0, word.size() - 4)))
    return step2(word.substr(0, word.size() - 4) + "al");
  // logi -> log keeps the l with the stem, so "geo"/"theo" stems count like "archaeo".
  auto logi_condition = [&word](std::string_view) {
    return positive_measure(std::string_view(word).substr(0, word.size() - 3));
  };
  return apply_first_rule(word, {{"ational", "ate", positive_measure},
                                 {"tional", "tion", positive_measure},
                                 {"enci", "ence", positive_measure},
                                 {"anci", "ance", positive_measure},
                                 {"izer", "ize", positive_measure},
                                 {"bli", "ble", positive_measure},
                                 {"alli", "al", positive_measure},
                                 {"entli", "ent", positive_measure},
                                 {"eli", "e", positive_measure},
                                 {"ousli", "ous", positive_measure},
                                 {"ization", "ize", positive_measure},
                                 {"ation", "ate", positive_measure},
                                 {"ator", "ate", positive_measure},
                                 {"alism", "al", positive_measure},
                                 {"iveness", "ive", positive_measure},
                                 {"fulness", "ful", positive_measure},
                                 {"ousness", "ous", positive_measure},
                                 {"aliti", "al", positive_measure},
                                 {"iviti", "ive", positive_measure},
                                 {"biliti", "ble", positive_measure},
                                 {"fulli", "ful", positive_measure},
                                 {"logi", "log", logi_condition}});
}

std::string step3(const std::string& word) {
  return apply_first_rule(word, {{"icate", "ic", positive_measure},
                                 {"ative", "", positive_measure},
                                 {"alize", "al", positive_measure},
                                 {"iciti", "ic", positive_measure},
                                 {"ical", "ic", positive_measure},
                                 {"ful", "", positive_measure},
                                 {"ness", "", positive_measure}});
}

std::string step4(const std::string& word) {
  auto ion_condition = [](std::string_view stem) {
    return measure(stem) > 1 && !stem.empty() && (stem.back() == 's' || stem.back() == 't');
  };
  return apply_first_rule(word, {{"al", "", measure_above_one},    {"ance", "", measure_above_one},
                                 {"ence", "", measure_above_one},  {"er", "", measure_above_one},
                                 {"ic", "", measure_above_one},    {"able", "", measure_above_one},
                                 {"ible", "", measure_above_one},  {"ant", "", measure_above_one},
                                 {"ement", "", measure_above_one}, {"ment", "", measure_above_one},
                                 {"ent", "", measure_above_one},   {"ion", "", ion_condition},
                                 {"ou", "", measure_above_one},    {"ism", "", measure_above_one},
                                 {"ate", "", measure_above_one},   {"iti", "", measure_above_one},
                                 {"ous", "", measure_above_one},   {"ive", "", measure_above_one},
                                 {"ize", "", measure_above_one}});
}

// Both e-rules are tried (m>1, then m=1 and not *o).
std::string step5a(const std::string& word) {
  if (!ends_with(word, "e")) return word;
  std::string stem = word.substr(0, word.size() - 1);
  int m = measure(stem);
  if (m > 1 || (m == 1 && !ends_cvc(stem))) return stem;
  return word;
}

std::string step5b(const std::string& word) {
  if (ends_with(word, "ll") && measure(std::string_view(word).substr(0, word.size() - 1)) > 1)
    return word.substr(0, word.size() - 1);
  return word;
}

// NLTK's table of irregular forms, returned without stemming.
const std::map<std::string_view, std::string_view>& irregular_forms() {
  static const std::map<std::string_view, std::string_view> forms = {
      {"sky", "sky"},         {"skies", "sky"},       {"dying", "die"},     {"lying", "lie"},
      {"tying", "tie"},       {"news", "news"},       {"innings", "inning"}, {"inning", "inning"},
      {"outings", "outing"},  {"outing", "outing"},   {"cannings", "canning"}, {"canning", "canning"},
      {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"}, {"succeed", "succeed"}};
  return forms;
}

}  // namespace

std::string porter_stem(std::string_view word) {
  auto irregular = irregular_forms().find(word);
  if (irregular != irregular_forms().end()) return std::string(irregular->second);
  std::string stem(word);
  if (stem.size() <= 2) return stem;
  stem = step1a(stem);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}

}  // namespace lowspec::eval
