// Sliding-window perplexity as the transformers 4.40.2 docs page "Perplexity of fixed-length
// models" computes it: windows [begin, end) with begin = 0, S, 2S, ..., end = min(begin + N, T),
// stopping after the first window that reaches T. Each window is its own forward from position
// 0; it scores the targets max(prev_end, begin + 1) .. end - 1 (HF shifts labels inside the model).
#pragma once
#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "models/decoder.h"

namespace lowspec {

struct PerplexityWindow {
  int64_t begin = 0, end = 0;  // tokens [begin, end) go through the model
  int64_t first_scored = 0;    // targets first_scored .. end - 1 are scored
  int64_t n_scored() const { return end - first_scored; }
};

// Errors: fewer than 2 tokens, ctx < 2, stride < 1.
std::vector<PerplexityWindow> perplexity_windows(int64_t n_tokens, int64_t ctx, int64_t stride);

// What a sliding-window pass over n_tokens needs: the windows, the longest window (the decoder
// state's size), the logit rows made at a time so [rows, vocab] floats stay within logit_bytes,
// and the positions 0 .. longest - 1. Errors: ctx beyond max_position_embeddings, and those of
// perplexity_windows.
struct PerplexityPlan {
  std::vector<PerplexityWindow> windows;
  int64_t longest = 0;
  int64_t logit_rows = 0;
  std::vector<int64_t> positions;
};
PerplexityPlan plan_perplexity(const Decoder& decoder, int64_t n_tokens, int64_t ctx,
                               int64_t stride, int64_t logit_bytes);

struct PerplexityResult {
  double perplexity = 0;  // exp(total_nll / tokens_scored): the token-level figure
  double mean_nll = 0;    // total_nll / tokens_scored
  double total_nll = 0;
  int64_t tokens_scored = 0;
  int64_t windows = 0;
  double perplexity_hf_docs = 0;    // exp(unweighted mean of window losses), what the docs print
  std::vector<double> window_loss;  // mean NLL per window (NaN for a window that scores nothing)
};

// Errors: ctx beyond max_position_embeddings, ids outside the vocabulary, and those above.
PerplexityResult perplexity(const Decoder& decoder, const std::vector<int64_t>& ids, int64_t ctx,
                            int64_t stride, ThreadPool& pool);

}  // namespace lowspec
