// Choosing the next token from logits, with transformers' processors in its order: repetition
// penalty, then (sampling only) temperature, top-k, top-p, min-p, then a draw from the softmax.
// Temperature 0 is greedy (argmax, first index on ties). Each filter marks removed tokens -inf.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace lowspec {

struct SamplingParams {
  double temperature = 0.0;         // 0: greedy
  int64_t top_k = 0;                // 0: off
  double top_p = 1.0;               // 1: off
  double min_p = 0.0;               // 0: off
  double repetition_penalty = 1.0;  // 1: off
};

// Throws Error naming the flag when a value is out of range.
void validate_sampling(const SamplingParams& p);

// Logits of tokens seen in history: divided by the penalty when positive, multiplied when negative.
// seen: V zeroed bytes of scratch (left zeroed).
void apply_repetition_penalty(float* logits, const int64_t* history, int64_t n, float penalty,
                              uint8_t* seen);
// Keeps tokens whose logit is >= the k-th largest (ties kept). scratch: V floats.
void apply_top_k(float* logits, int64_t V, int64_t k, float* scratch);
// Removes the least likely tokens while their cumulative probability stays <= 1 - p (at least
// one token stays). order: V ints of scratch.
void apply_top_p(float* logits, int64_t V, double p, int32_t* order);
// Removes tokens whose probability is below min_p times the top token's.
void apply_min_p(float* logits, int64_t V, double min_p);

class Sampler {
 public:
  Sampler(const SamplingParams& params, int64_t vocab, uint64_t seed);
  // The next token for one row; logits[V] are processed in place. history: the row's ids so far.
  int64_t choose(float* logits, const int64_t* history, int64_t history_len);

 private:
  SamplingParams params_;
  int64_t vocab_;
  std::mt19937_64 rng_;
  std::vector<float> scratch_;
  std::vector<int32_t> order_;
  std::vector<uint8_t> seen_;
};

}  // namespace lowspec
