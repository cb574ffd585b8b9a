#include "tasks/generative_qa.h"

#include "core/error.h"
#include "tasks/eval_decoding.h"

namespace lowspec {

PromptParts qa_prompt(Family family, const std::string& question, const std::string& context) {
  return family_prompt(family, "Answer the question with a few words from the context.\nContext: ", context,
                       "\nQuestion: " + question, "Answer:");
}

GeneratedAnswer answer_generatively(const Decoder& decoder, const tokenizer::Tokenizer& tok,
                                    const GenerationConfig& gen, const std::string& question,
                                    const std::string& context, int64_t max_new_tokens, ThreadPool& pool) {
  check(!trim_whitespace(question).empty(), "", "the question is empty");
  check(!trim_whitespace(context).empty(), "", "the context is empty");
  const ModelConfig& c = decoder.config();
  const FittedPrompt prompt =
      fit_prompt(tok, qa_prompt(c.family, question, context), prompt_budget(c, max_new_tokens));
  const Completion done = complete_greedy(decoder, tok, gen, prompt.ids, max_new_tokens, {"\n"}, pool);
  return {trim_whitespace(done.text), done.prompt_tokens, done.new_tokens, prompt.truncated()};
}

}  // namespace lowspec
