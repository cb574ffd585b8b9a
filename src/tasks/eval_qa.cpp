// Question answering over a SQuAD file: extractive with an encoder's QA head (the colleague's
// HF-pipeline port, tasks/qa.h), generative with a decoder (tasks/generative_qa.h).
#include "core/error.h"
#include "eval/squad_dataset.h"
#include "models/decoder.h"
#include "models/encoder.h"
#include "tasks/eval_prompt.h"
#include "tasks/eval_runners.h"
#include "tasks/eval_scoring.h"
#include "tasks/generative_qa.h"
#include "tasks/qa.h"

namespace lowspec {
namespace {

constexpr int64_t kDefaultAnswerTokens = 32;

std::vector<std::string> answer_texts(const eval::QaExample& example) {
  std::vector<std::string> texts;
  for (const eval::QaAnswer& a : example.answers) texts.push_back(a.text);
  return texts;
}

}  // namespace

EvalReport run_qa_eval(const EvalOptions& options, const ModelConfig& config, ThreadPool& pool,
                       const EvalProgress& progress) {
  const bool decoder = is_decoder(config.family);
  check(decoder || config.head == Head::QuestionAnswering, options.model,
        cat(config.architecture, " has no question-answering head: extractive QA needs a ...ForQuestionAnswering "
                                 "encoder (or use a decoder for generative QA)"));
  const std::vector<eval::QaExample> examples = eval::load_squad(options.data, options.sampling);
  check(!examples.empty(), options.data, "holds no question");
  const std::unique_ptr<tokenizer::Tokenizer> tok = load_model_tokenizer(options.model, config);
  auto id_of = [](const eval::QaExample& e, size_t) { return e.id; };

  EvalReport report;
  if (decoder) {
    const Decoder model(options.model, options.quant);
    const GenerationConfig gen = load_generation_config(options.model, model.config());
    const int64_t max_new = options.max_new_tokens > 0 ? options.max_new_tokens : kDefaultAnswerTokens;
    const int64_t budget = prompt_budget(model.config(), max_new);  // checked before any example runs
    report.method = "generative";
    report.settings = {{"decoding", "greedy"},
                       {"stop", "end of sequence or a newline after the answer's first character"},
                       {"max_new_tokens", max_new},
                       {"prompt_tokens_max", budget}};
    report.items = evaluate_each(examples, options.data, progress, id_of, [&](const eval::QaExample& e) {
      const GeneratedAnswer a = answer_generatively(model, *tok, gen, e.question, e.context, max_new, pool);
      EvalItem item;
      item.prediction = a.text;
      item.references = answer_texts(e);
      item.input_tokens = a.prompt_tokens;
      item.new_tokens = a.new_tokens;
      item.truncated = a.context_truncated;
      return item;
    });
  } else {
    EncoderModel model(options.model, options.quant);
    const QaOptions qa;
    report.method = "extractive";
    report.settings = {{"max_seq_len", std::min(qa.max_seq_len, config.max_position_embeddings)},
                       {"doc_stride", qa.doc_stride},
                       {"max_answer_len", qa.max_answer_len}};
    report.items = evaluate_each(examples, options.data, progress, id_of, [&](const eval::QaExample& e) {
      const std::vector<QaAnswer> answers = answer_question(model, *tok, e.question, e.context, qa, pool);
      EvalItem item;
      item.prediction = answers.empty() ? "" : answers.front().text;
      item.references = answer_texts(e);
      item.input_tokens = static_cast<int64_t>(tok->encode_pair(e.question, e.context).size());
      return item;
    });
  }
  std::vector<ScoredPrediction> scored;
  for (const EvalItem& item : report.items) scored.push_back({item.prediction, item.references});
  report.figures = squad_figures(scored);
  return report;
}

}  // namespace lowspec
