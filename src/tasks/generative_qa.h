// Question answering with a causal LM: the context and question go into the family's prompt
// (tasks/eval_prompt.h), the model completes it greedily, and the answer is the first line of the
// completion. The context is cut, never the question, when the prompt would not fit.
#pragma once
#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "formats/model_config.h"
#include "models/decoder.h"
#include "tasks/eval_prompt.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

// gemma (plain text): "Answer the question with a few words from the context.\nContext: <context>
// \nQuestion: <question>\nAnswer:"; llama and phi wrap the same instruction in their formats.
PromptParts qa_prompt(Family family, const std::string& question, const std::string& context);

struct GeneratedAnswer {
  std::string text;  // first line of the completion, whitespace trimmed
  int64_t prompt_tokens = 0;
  int64_t new_tokens = 0;
  bool context_truncated = false;
};

// Errors: an empty question or context, a decoder whose positions cannot hold the question and
// max_new_tokens, and those of generation.
GeneratedAnswer answer_generatively(const Decoder& decoder, const tokenizer::Tokenizer& tok,
                                    const GenerationConfig& gen, const std::string& question,
                                    const std::string& context, int64_t max_new_tokens, ThreadPool& pool);

}  // namespace lowspec
