#include "runtime/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernels/softmax.h"

namespace lowspec {
namespace {
constexpr float kRemoved = -std::numeric_limits<float>::infinity();
}

void validate_sampling(const SamplingParams& p) {
  check(std::isfinite(p.temperature) && p.temperature >= 0, "", "--temperature must be >= 0");
  check(p.top_k >= 0, "", "--top-k must be >= 0 (0 turns it off)");
  check(p.top_p > 0 && p.top_p <= 1, "", "--top-p must be in (0, 1]");
  check(p.min_p >= 0 && p.min_p <= 1, "", "--min-p must be in [0, 1]");
  check(std::isfinite(p.repetition_penalty) && p.repetition_penalty > 0, "",
        "--repetition-penalty must be > 0");
}

void apply_repetition_penalty(float* logits, const int64_t* history, int64_t n, float penalty,
                              uint8_t* seen) {
  // transformers gathers every seen token's score, then scatters: repeats count once.
  for (int64_t i = 0; i < n; ++i) {
    const int64_t id = history[i];
    if (seen[id]) continue;
    seen[id] = 1;
    float& s = logits[id];
    s = s < 0 ? s * penalty : s / penalty;
  }
  for (int64_t i = 0; i < n; ++i) seen[history[i]] = 0;
}

void apply_top_k(float* logits, int64_t V, int64_t k, float* scratch) {
  if (k <= 0 || k >= V) return;
  std::copy(logits, logits + V, scratch);
  std::nth_element(scratch, scratch + (k - 1), scratch + V, std::greater<float>());
  const float kth = scratch[k - 1];
  for (int64_t i = 0; i < V; ++i)
    if (logits[i] < kth) logits[i] = kRemoved;
}

void apply_top_p(float* logits, int64_t V, double p, int32_t* order) {
  if (p >= 1.0) return;
  int64_t n = 0;  // tokens still in play, sorted ascending like transformers
  for (int64_t i = 0; i < V; ++i)
    if (logits[i] != kRemoved) order[n++] = static_cast<int32_t>(i);
  std::sort(order, order + n, [&](int32_t a, int32_t b) { return logits[a] < logits[b]; });
  const float max = logits[order[n - 1]];
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[order[i]]) - max);
  double cumulative = 0;
  for (int64_t i = 0; i + 1 < n; ++i) {  // the most likely token always stays
    cumulative += std::exp(static_cast<double>(logits[order[i]]) - max) / sum;
    if (cumulative > 1.0 - p) break;
    logits[order[i]] = kRemoved;
  }
}

void apply_min_p(float* logits, int64_t V, double min_p) {
  if (min_p <= 0) return;
  float max = kRemoved;
  for (int64_t i = 0; i < V; ++i) max = std::max(max, logits[i]);
  // p_i < min_p * p_max  <=>  exp(l_i - max) < min_p; the top token always stays.
  for (int64_t i = 0; i < V; ++i)
    if (std::exp(static_cast<double>(logits[i]) - max) < min_p) logits[i] = kRemoved;
}

Sampler::Sampler(const SamplingParams& params, int64_t vocab, uint64_t seed)
    : params_(params), vocab_(vocab), rng_(seed), scratch_(static_cast<size_t>(vocab)),
      order_(static_cast<size_t>(vocab)), seen_(static_cast<size_t>(vocab), 0) {
  validate_sampling(params);
}

int64_t Sampler::choose(float* logits, const int64_t* history, int64_t history_len) {
  const int64_t V = vocab_;
  if (params_.repetition_penalty != 1.0)
    apply_repetition_penalty(logits, history, history_len, static_cast<float>(params_.repetition_penalty),
                             seen_.data());
  if (params_.temperature == 0.0) return std::max_element(logits, logits + V) - logits;

  if (params_.temperature != 1.0) {
    const float t = static_cast<float>(params_.temperature);
    for (int64_t i = 0; i < V; ++i) logits[i] /= t;
  }
  apply_top_k(logits, V, params_.top_k, scratch_.data());
  apply_top_p(logits, V, params_.top_p, order_.data());
  apply_min_p(logits, V, params_.min_p);
  softmax(logits, V);
  double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  int64_t last_possible = 0;
  for (int64_t i = 0; i < V; ++i) {
    if (logits[i] <= 0) continue;
    last_possible = i;
    u -= logits[i];
    if (u < 0) return i;
  }
  return last_possible;  // u landed in the round-off beyond the last probability
}

}  // namespace lowspec
