// Pseudo-perplexity of a masked LM (Salazar et al. 2020): every token is masked in turn and
// scored by the model from both sides; PPPL = exp(mean of -log p(token | the rest)).
// Text longer than a window is cut into consecutive windows of `window` tokens (with [CLS] and
// [SEP]); each token is scored once, in its own window. The masked copies run in batches.
#pragma once
#include <cstdint>
#include <functional>
#include <span>

#include "core/thread_pool.h"
#include "models/encoder.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

struct MaskedLmSpecials {
  int64_t cls = 0, sep = 0, mask = 0;
};

// The special ids a tokenizer gives [CLS], [SEP] and [MASK] (Error if it lacks one).
MaskedLmSpecials masked_lm_specials(const tokenizer::Tokenizer& tok);
// ids without the leading [CLS] and trailing [SEP] that encode() adds.
std::span<const int64_t> strip_specials(std::span<const int64_t> ids, const MaskedLmSpecials& s);

// One forward's worth of masked copies of a window: row b is the window with the token at
// position first + b replaced by [MASK].
struct MaskedBatch {
  int64_t batch = 0, seq = 0;        // B, L
  const int64_t* ids = nullptr;      // [B, L]
  int64_t first = 0;                 // row b masks position first + b
  const int64_t* targets = nullptr;  // [B]: the tokens that were masked
};

// Cuts ids (no special tokens) into consecutive windows [CLS] ids[i, i + window - 2) [SEP]
// (window capped by `max_positions`) and calls `fn` with every batch of masked copies, in order;
// `window_done` (may be empty) after each window with (windows done, windows in all).
void for_each_masked_batch(std::span<const int64_t> ids, const MaskedLmSpecials& specials,
                           int64_t window, int64_t batch, int64_t max_positions,
                           const std::function<void(const MaskedBatch&)>& fn,
                           const std::function<void(int64_t, int64_t)>& window_done = {});

struct PseudoPerplexity {
  double pseudo_perplexity = 0;  // exp(mean_nll)
  double mean_nll = 0;
  double total_nll = 0;
  int64_t tokens_scored = 0;
  int64_t windows = 0;
};

// ids: the text's tokens without special tokens. window: tokens per forward including [CLS]
// and [SEP] (capped by the model's positions); batch: masked copies per forward.
PseudoPerplexity pseudo_perplexity(EncoderModel& model, std::span<const int64_t> ids,
                                   const MaskedLmSpecials& specials, int64_t window, int64_t batch,
                                   ThreadPool& pool);

// The same with the special ids from the tokenizer; a leading [CLS] and trailing [SEP] in ids
// (what encode() adds) are dropped, not scored. Error if the tokenizer lacks one of the three.
PseudoPerplexity pseudo_perplexity(EncoderModel& model, const tokenizer::Tokenizer& tok,
                                   std::span<const int64_t> ids, int64_t window, int64_t batch,
                                   ThreadPool& pool);

}  // namespace lowspec
