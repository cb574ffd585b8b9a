// The per-task halves of run_eval (tasks/eval_task.h) and what they share.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "formats/model_config.h"
#include "tasks/eval_task.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

EvalReport run_qa_eval(const EvalOptions& options, const ModelConfig& config, ThreadPool& pool,
                       const EvalProgress& progress);
EvalReport run_summarize_eval(const EvalOptions& options, const ModelConfig& config, ThreadPool& pool,
                              const EvalProgress& progress);
EvalReport run_perplexity_eval(const EvalOptions& options, const ModelConfig& config, ThreadPool& pool,
                               const EvalProgress& progress);

// The model folder's tokenizer. Errors name the folder: no tokenizer, or one with more ids than
// the model's vocabulary (a tokenizer of another model).
std::unique_ptr<tokenizer::Tokenizer> load_model_tokenizer(const std::string& model, const ModelConfig& config);

// Runs `evaluate(example)` -> EvalItem over the examples in order, timing each and reporting
// progress. An Error in one example is rethrown naming the dataset and the example's id.
template <typename Example, typename IdOf, typename Evaluate>
std::vector<EvalItem> evaluate_each(const std::vector<Example>& examples, const std::string& data,
                                    const EvalProgress& progress, IdOf id_of, Evaluate evaluate) {
  using Clock = std::chrono::steady_clock;
  std::vector<EvalItem> items;
  items.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const std::string id = id_of(examples[i], i);
    if (progress) progress(i, examples.size(), id);
    const auto start = Clock::now();
    try {
      items.push_back(evaluate(examples[i]));
    } catch (const Error& e) {
      throw Error(data, cat("example ", id, ": ", e.what()));
    }
    items.back().id = id;
    items.back().ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  }
  if (progress) progress(examples.size(), examples.size(), "");
  return items;
}

}  // namespace lowspec
