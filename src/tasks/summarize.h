// Summarization with a causal LM: the article goes into the family's prompt (tasks/eval_prompt.h)
// after the instruction, the model completes it greedily up to a token budget, and the summary is
// the completion up to the first blank line. The article is cut, never the instruction, when the
// prompt would not fit the model's positions.
#pragma once
#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "formats/model_config.h"
#include "models/decoder.h"
#include "tasks/eval_prompt.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

// gemma (plain text): "Summarize the following news article in three sentences.\nArticle:
// <article>\nSummary:"; llama and phi wrap the same instruction in their formats.
PromptParts summary_prompt(Family family, const std::string& article);

struct Summary {
  std::string text;  // whitespace trimmed
  int64_t prompt_tokens = 0;
  int64_t article_tokens = 0;       // of the whole article
  int64_t article_tokens_kept = 0;  // that went into the prompt
  int64_t new_tokens = 0;
};

// Errors: an empty article, positions too few for the instruction and max_new_tokens, and those
// of generation.
Summary summarize(const Decoder& decoder, const tokenizer::Tokenizer& tok, const GenerationConfig& gen,
                  const std::string& article, int64_t max_new_tokens, ThreadPool& pool);

}  // namespace lowspec
