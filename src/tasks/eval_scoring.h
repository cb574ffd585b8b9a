// Figures of the quality tasks from stored predictions (pure functions over src/eval's metrics,
// so a test can recompute them from what `lowspec eval --json` prints).
#pragma once
#include <string>
#include <vector>

#include "core/json_util.h"

namespace lowspec {

// One example's prediction with its references (QA: the ground-truth answers, none for an
// unanswerable question; summaries: the reference highlights).
struct ScoredPrediction {
  std::string prediction;
  std::vector<std::string> references;
};

// SQuAD v1.1 in percent: {"exact_match", "f1"}. An unanswerable question's only ground truth is
// "" (the v2.0 convention of eval/squad_dataset.h).
Json squad_figures(const std::vector<ScoredPrediction>& items);

// ROUGE-1/2/L/Lsum (rouge-score with the Porter stemmer, as Hugging Face's summarization example
// scores CNN/DailyMail) averaged over the items, each {"precision", "recall", "fmeasure"}, and
// {"bleu": sacreBLEU corpus_score with 13a} over texts with their newlines made spaces.
// Predictions are split into one sentence per line first (sentence_lines) for ROUGE-Lsum.
Json summary_figures(const std::vector<ScoredPrediction>& items);

// One number per figure, for tables: ROUGE objects become their F-measure and BLEU its score;
// numbers stay as they are.
Json headline_figures(const Json& figures);

// One sentence per line, as the summarization example's nltk.sent_tokenize step does, by a plain
// rule: a sentence ends at . ! or ? followed by whitespace; existing line breaks stay.
std::string sentence_lines(const std::string& text);

}  // namespace lowspec
