// Summarization over a CNN/DailyMail file with a decoder (tasks/summarize.h), scored against the
// highlights with ROUGE and BLEU (tasks/eval_scoring.h).
#include "core/error.h"
#include "eval/summarization_dataset.h"
#include "models/decoder.h"
#include "tasks/eval_prompt.h"
#include "tasks/eval_runners.h"
#include "tasks/eval_scoring.h"
#include "tasks/summarize.h"

namespace lowspec {
namespace {

constexpr int64_t kDefaultSummaryTokens = 128;

}  // namespace

EvalReport run_summarize_eval(const EvalOptions& options, const ModelConfig& config, ThreadPool& pool,
                              const EvalProgress& progress) {
  check(is_decoder(config.family), options.model,
        cat("summarization needs a decoder (causal LM); ", family_name(config.family), " is an encoder"));
  const std::vector<eval::SummaryExample> examples = eval::load_summary_examples(options.data, options.sampling);
  check(!examples.empty(), options.data, "holds no article");
  for (const eval::SummaryExample& e : examples)
    check(!trim_whitespace(e.highlights).empty(), options.data,
          cat("example ", e.id, ": the highlights (the reference summary) are empty"));
  const std::unique_ptr<tokenizer::Tokenizer> tok = load_model_tokenizer(options.model, config);
  const Decoder model(options.model, options.quant);
  const GenerationConfig gen = load_generation_config(options.model, model.config());
  const int64_t max_new = options.max_new_tokens > 0 ? options.max_new_tokens : kDefaultSummaryTokens;
  const int64_t budget = prompt_budget(model.config(), max_new);  // checked before any example runs

  EvalReport report;
  report.method = "generative";
  report.settings = {{"decoding", "greedy"},
                     {"stop", "end of sequence or a blank line"},
                     {"max_new_tokens", max_new},
                     {"prompt_tokens_max", budget},
                     {"rouge", "rouge-score with the Porter stemmer; predictions split into sentences"},
                     {"bleu", "sacreBLEU corpus score, 13a tokenizer"}};
  auto id_of = [](const eval::SummaryExample& e, size_t) { return e.id; };
  report.items = evaluate_each(examples, options.data, progress, id_of, [&](const eval::SummaryExample& e) {
    const Summary s = summarize(model, *tok, gen, e.article, max_new, pool);
    EvalItem item;
    item.prediction = s.text;
    item.references = {e.highlights};
    item.input_tokens = s.prompt_tokens;
    item.new_tokens = s.new_tokens;
    item.truncated = s.article_tokens_kept < s.article_tokens;
    return item;
  });
  std::vector<ScoredPrediction> scored;
  for (const EvalItem& item : report.items) scored.push_back({item.prediction, item.references});
  report.figures = summary_figures(scored);
  return report;
}

}  // namespace lowspec
