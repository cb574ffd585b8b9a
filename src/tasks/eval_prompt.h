// Prompts of the generative quality tasks: a fixed head and tail around one long text (a context or
// an article) that is cut, never the instruction, when the prompt would not fit the model.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

// prompt = head + body + tail; only the body is truncated.
struct PromptParts {
  std::string head, body, tail;
};

// The instruction wrapped the way each family was trained to follow one:
//   llama: TinyLlama-Chat's (Zephyr) chat template, "<|user|>\n" + text + "</s>\n<|assistant|>\n"
//          (what its chat_template renders with add_generation_prompt);
//   phi:   Phi-2's documented QA format, "Instruct: " + text + "\nOutput:";
//   gemma: the base model continues plain text, so text + the task's cue.
// `instruction_head` goes before the body, `instruction_tail` after it; `cue` starts the answer
// for families without a chat or instruct format ("Answer:", "Summary:").
PromptParts family_prompt(Family family, const std::string& instruction_head, const std::string& body,
                          const std::string& instruction_tail, const std::string& cue);

struct FittedPrompt {
  std::vector<int64_t> ids;      // with the tokenizer's special tokens (BOS)
  int64_t body_tokens = 0;       // tokens of the body as it went in
  int64_t body_tokens_full = 0;  // tokens of the whole body
  bool truncated() const { return body_tokens < body_tokens_full; }
};

// The text without leading and trailing ASCII whitespace (answers, summaries, emptiness checks).
std::string trim_whitespace(const std::string& text);

// Tokens a prompt may take so that max_new_tokens still fit the model's positions. Errors: none left.
int64_t prompt_budget(const ModelConfig& config, int64_t max_new_tokens);

// Tokenizes the prompt; when it exceeds `max_tokens`, keeps the longest prefix of the body (cut at
// a token boundary) for which the whole prompt fits. Errors: the head and tail alone do not fit.
FittedPrompt fit_prompt(const tokenizer::Tokenizer& tok, const PromptParts& parts, int64_t max_tokens);

}  // namespace lowspec
