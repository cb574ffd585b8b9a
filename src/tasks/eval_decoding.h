// Greedy completion of a prompt into text for the generative quality tasks (QA, summaries):
// transformers' generate() with do_sample=False, stopped at an end-of-sequence id, at the token
// budget, or when the text (after its leading whitespace) contains a stop string.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "formats/model_config.h"
#include "models/decoder.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

struct Completion {
  std::string text;  // decoded without special tokens, cut before the first stop string
  int64_t prompt_tokens = 0;
  int64_t new_tokens = 0;
  bool stopped = false;  // ended by end-of-sequence or a stop string, not by the budget
};

// Leading whitespace never stops: a model that starts its answer on a new line is not cut to "".
// Errors: those of generate() (prompt plus budget beyond the model's positions, ids outside the
// vocabulary).
Completion complete_greedy(const Decoder& decoder, const tokenizer::Tokenizer& tok, const GenerationConfig& gen,
                           const std::vector<int64_t>& prompt, int64_t max_new_tokens,
                           const std::vector<std::string>& stops, ThreadPool& pool);

}  // namespace lowspec
