// SQuAD v1.1 / v2.0 question-answering data: the official nested layout
// {data:[{title, paragraphs:[{context, qas:[{id, question, answers:[{text, answer_start}],
// is_impossible}]}]}]} and the flat Hugging Face `datasets` layout
// {data:[{id, title, context, question, answers:{text:[...], answer_start:[...]}}]} (also as a
// top-level array or as JSON lines in a .jsonl file).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/sampling.h"
#include "eval/squad_metric.h"

namespace lowspec::eval {

struct QaAnswer {
  std::string text;
  int64_t answer_start = 0;  // character (code point) offset in the context, as in the file
};

struct QaExample {
  std::string id;
  std::string title;
  std::string context;
  std::string question;
  std::vector<QaAnswer> answers;  // empty for an unanswerable (v2.0) question
  bool is_impossible = false;
};

// Loads every question (or a deterministic sample). Throws Error naming the file and the JSON
// path (e.g. data[0].paragraphs[2].qas[1].answers[0].text) of a missing or mistyped field.
std::vector<QaExample> load_squad(const std::string& path, const Sampling& sampling = {});

// Official predictions file: {"question id": "answer text", ...}.
std::map<std::string, std::string> load_squad_predictions(const std::string& path);

struct SquadEvaluation {
  SquadScore percent;                     // exact_match and f1 in percent over all questions
  std::vector<std::string> unanswered;  // ids without a prediction (scored 0)
};

// The official script's dataset loop: every question counts; one without a prediction scores 0.
// An unanswerable question's only ground truth is "" (the v2.0 convention).
SquadEvaluation evaluate_squad(const std::vector<QaExample>& questions,
                               const std::map<std::string, std::string>& predictions);

}  // namespace lowspec::eval
