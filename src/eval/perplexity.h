// Perplexity from per-token natural-log probabilities.
#pragma once
#include <cstddef>
#include <span>

namespace lowspec::eval {

struct PerplexitySummary {
  size_t tokens = 0;
  double sum_logprob = 0;
  double mean_nll = 0;        // -sum_logprob / tokens
  double perplexity = 0;      // exp(mean_nll)
  double bits_per_token = 0;  // mean_nll / ln 2
};

// Throws Error when there is no token or a log-probability is positive or not finite.
PerplexitySummary perplexity_from_logprobs(std::span<const double> token_logprobs);

}  // namespace lowspec::eval
