// Softmax and log-sum-exp over one row.
#pragma once
#include <cstdint>

namespace lowspec {

// x <- exp(x - max) / sum, in place.
void softmax(float* x, int64_t n);

// log(sum(exp(x))), in double (for negative log-likelihoods that are summed over many tokens).
double log_sum_exp(const float* x, int64_t n);

}  // namespace lowspec
