#include "tasks/eval_task.h"

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "core/process_memory.h"
#include "tasks/eval_runners.h"

namespace lowspec {

EvalTask parse_eval_task(const std::string& name) {
  if (name == "qa") return EvalTask::kQa;
  if (name == "summarize") return EvalTask::kSummarize;
  if (name == "perplexity") return EvalTask::kPerplexity;
  throw Error(cat("--task: unknown task \"", name, "\" (qa, summarize, perplexity)"));
}

const char* eval_task_name(EvalTask task) {
  switch (task) {
    case EvalTask::kQa: return "qa";
    case EvalTask::kSummarize: return "summarize";
    case EvalTask::kPerplexity: return "perplexity";
  }
  return "?";
}

std::unique_ptr<tokenizer::Tokenizer> load_model_tokenizer(const std::string& model, const ModelConfig& config) {
  std::unique_ptr<tokenizer::Tokenizer> tok;
  try {
    tok = tokenizer::load_tokenizer(model);
  } catch (const Error& e) {
    throw Error(cat(e.what(), " (the quality tasks need the model's tokenizer in its folder)"));
  }
  check(static_cast<int64_t>(tok->vocab_size()) <= config.vocab_size, model,
        cat("the tokenizer has ", tok->vocab_size(), " ids but the model's vocabulary has ", config.vocab_size,
            ": the tokenizer belongs to another model"));
  return tok;
}

EvalReport run_eval(const EvalOptions& options, const EvalProgress& progress) {
  const ModelConfig config = load_model_config(options.model);
  ThreadPool pool(options.threads > 0 ? options.threads : physical_cores());
  const auto start = std::chrono::steady_clock::now();
  EvalReport report;
  switch (options.task) {
    case EvalTask::kQa: report = run_qa_eval(options, config, pool, progress); break;
    case EvalTask::kSummarize: report = run_summarize_eval(options, config, pool, progress); break;
    case EvalTask::kPerplexity: report = run_perplexity_eval(options, config, pool, progress); break;
  }
  report.task = eval_task_name(options.task);
  report.family = family_name(config.family);
  report.threads = pool.size();
  report.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

Json eval_report_json(const EvalReport& report) {
  Json items = Json::array();
  size_t predictions = 0;
  double item_ms = 0;
  for (const EvalItem& item : report.items) {
    item_ms += item.ms;
    Json j = {{"id", item.id}, {"ms", item.ms}, {"input_tokens", item.input_tokens}};
    if (report.task == "perplexity") {
      j["tokens_scored"] = item.tokens_scored;
      j["total_nll"] = item.total_nll;
      j["perplexity"] = std::exp(item.total_nll / static_cast<double>(item.tokens_scored));
    } else {
      ++predictions;
      j["prediction"] = item.prediction;
      j["references"] = item.references;
      j["new_tokens"] = item.new_tokens;
      j["truncated"] = item.truncated;
    }
    items.push_back(std::move(j));
  }
  const double examples = static_cast<double>(report.items.size());
  return {{"task", report.task},
          {"method", report.method},
          {"family", report.family},
          {"figures", report.figures},
          {"settings", report.settings},
          {"examples", report.items.size()},
          {"predictions", predictions},
          {"ms_per_example", examples > 0 ? item_ms / examples : 0.0},  // model loading excluded
          {"total_ms", report.total_ms},
          {"threads", report.threads},
          {"peak_rss_bytes", process_memory().peak_rss_bytes},
          {"items", std::move(items)}};
}

}  // namespace lowspec
