#include "tasks/summarize.h"

#include "core/error.h"
#include "tasks/eval_decoding.h"

namespace lowspec {

PromptParts summary_prompt(Family family, const std::string& article) {
  return family_prompt(family, "Summarize the following news article in three sentences.\nArticle: ", article, "",
                       "Summary:");
}

Summary summarize(const Decoder& decoder, const tokenizer::Tokenizer& tok, const GenerationConfig& gen,
                  const std::string& article, int64_t max_new_tokens, ThreadPool& pool) {
  check(!trim_whitespace(article).empty(), "", "the article is empty");
  const ModelConfig& c = decoder.config();
  const FittedPrompt prompt =
      fit_prompt(tok, summary_prompt(c.family, article), prompt_budget(c, max_new_tokens));
  const Completion done = complete_greedy(decoder, tok, gen, prompt.ids, max_new_tokens, {"\n\n"}, pool);
  return {trim_whitespace(done.text), done.prompt_tokens, prompt.body_tokens_full, prompt.body_tokens,
          done.new_tokens};
}

}  // namespace lowspec
