// Autoregressive generation as transformers' generate() does it: prompts of different lengths
// are left-padded into one batch, positions come from the attention mask (cumsum - 1), the prompt
// runs in one batched prefill, then one token per row per step through the KV cache. A row that
// produced an end-of-sequence id is finished and gets the pad id from then on.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "models/decoder.h"
#include "runtime/sampling.h"

namespace lowspec {

struct GenerateOptions {
  int64_t max_new_tokens = 32;
  SamplingParams sampling;
  uint64_t seed = 0;
  std::vector<int64_t> eos_ids;  // a row stops after producing one of these
  int64_t pad_id = 0;            // fills the left padding and finished rows
};

struct GenerateResult {
  std::vector<std::vector<int64_t>> new_ids;  // per row, up to and including its end-of-sequence id
  int64_t prefill_tokens = 0;                 // batch x padded prompt length
  double prefill_ms = 0;                      // prefill forward + logits of the last positions
  int64_t decode_steps = 0;                   // forward passes after the prefill
  double decode_ms = 0;                       // their forwards, logits and choices
};

// Called with the logits [B, V] each step's choice is made from, before any processing.
using LogitsObserver = std::function<void(const float* logits)>;
// Called with the ids [B] chosen at each step; returning false stops generation (stop strings).
using TokenObserver = std::function<bool(const int64_t* ids)>;

// Errors (lowspec::Error): an empty prompt, a prompt id outside the vocabulary, or a prompt plus
// max_new_tokens longer than max_position_embeddings.
GenerateResult generate(const Decoder& decoder, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerateOptions& options, ThreadPool& pool,
                        const TokenObserver& on_tokens = {}, const LogitsObserver& on_logits = {});

}  // namespace lowspec
