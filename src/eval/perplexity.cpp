#include "eval/perplexity.h"

#include <cmath>
#include <numbers>

#include "core/error.h"

namespace lowspec::eval {

PerplexitySummary perplexity_from_logprobs(std::span<const double> token_logprobs) {
  if (token_logprobs.empty()) throw Error("perplexity needs at least one scored token");
  // Neumaier summation: long texts add up millions of small terms.
  double sum = 0, compensation = 0;
  for (size_t i = 0; i < token_logprobs.size(); ++i) {
    double x = token_logprobs[i];
    if (!std::isfinite(x) || x > 0)
      throw Error(cat("token log-probability ", i, " is ", x, "; expected a finite value <= 0"));
    double t = sum + x;
    compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  PerplexitySummary s;
  s.tokens = token_logprobs.size();
  s.sum_logprob = sum + compensation;
  s.mean_nll = -s.sum_logprob / static_cast<double>(s.tokens);
  s.perplexity = std::exp(s.mean_nll);
  s.bits_per_token = s.mean_nll / std::numbers::ln2;
  return s;
}

}  // namespace lowspec::eval
