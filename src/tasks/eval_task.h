// The quality tasks of the study run over a dataset: question answering (extractive with an
// encoder's QA head, prompted generation with a decoder; SQuAD EM/F1), summarization with a
// decoder (ROUGE and BLEU against the highlights) and perplexity (sliding-window for decoders,
// pseudo-perplexity for masked LMs). The runner keeps every prediction, so the figures can be
// recomputed from what it returns (tasks/eval_scoring.h).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/json_util.h"
#include "eval/sampling.h"

namespace lowspec {

enum class EvalTask { kQa, kSummarize, kPerplexity };

// "qa", "summarize", "perplexity"; anything else is an Error.
EvalTask parse_eval_task(const std::string& name);
const char* eval_task_name(EvalTask task);

struct EvalOptions {
  std::string model;  // a Hugging Face folder with its tokenizer
  EvalTask task = EvalTask::kQa;
  std::string data;  // SQuAD JSON/JSONL, CNN/DailyMail CSV/JSONL, WikiText .raw or plain text
  eval::Sampling sampling;     // examples to take (count 0: all) and the seed choosing them
  int threads = 0;             // 0: physical cores
  int64_t max_new_tokens = 0;  // 0: the task's default (QA 32, summaries 128)
  std::optional<DType> quant;  // matrices quantized at load (Q8_0 / Q4_0); none: as stored
};

struct EvalItem {
  std::string id;                       // dataset id, or the item's index for text corpora
  std::string prediction;               // the model's answer or summary (empty for perplexity)
  std::vector<std::string> references;  // ground-truth answers or highlights
  double ms = 0;                        // wall time of this example
  int64_t input_tokens = 0;             // tokens the model read
  int64_t new_tokens = 0;               // tokens generated
  bool truncated = false;               // the context or article was cut to fit
  double total_nll = 0;                 // perplexity: summed negative log-likelihood ...
  int64_t tokens_scored = 0;            // ... over this many tokens
};

struct EvalReport {
  std::string task;
  std::string method;  // "extractive", "generative", "causal-sliding-window", "pseudo-perplexity"
  std::string family;
  Json figures;   // the task's metrics
  Json settings;  // what shaped the figures (max_new_tokens, ctx, stride, ...)
  std::vector<EvalItem> items;
  double total_ms = 0;  // loading included
  int threads = 0;
};

// done of total examples finished; `what` names the next one.
using EvalProgress = std::function<void(size_t done, size_t total, const std::string& what)>;

// Errors (lowspec::Error, naming the file): a missing or malformed dataset or field, a dataset with
// no example, a model that cannot do the task (an encoder asked to summarize, an encoder without
// the head the task needs), a model folder without a tokenizer.
EvalReport run_eval(const EvalOptions& options, const EvalProgress& progress = {});

// {"task", "method", "family", "figures", "settings", "examples", "predictions", "ms_per_example",
//  "total_ms", "threads", "peak_rss_bytes", "items": [...]}; peak RSS is this process's so far.
Json eval_report_json(const EvalReport& report);

}  // namespace lowspec
