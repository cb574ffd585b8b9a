// How far a quantized model's predictive distributions are from the reference model's: both
// models see the same token windows and every scored position's pair of distributions is
// compared (KL divergence, top-1 agreement) next to both models' perplexity.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "models/decoder.h"

namespace lowspec {

// KL(P || Q) in nats for P = softmax(p_logits), Q = softmax(q_logits) over n entries, computed
// in double through log-softmax (stable for any logit range; exactly 0 for identical rows).
double kl_divergence(const float* p_logits, const float* q_logits, int64_t n);

// Running totals over the compared positions.
struct DistributionComparison {
  int64_t positions = 0;
  int64_t windows = 0;
  double ref_total_nll = 0, quant_total_nll = 0;  // -log p(target) summed
  double kl_sum = 0, kl_max = 0;
  int64_t top1_matches = 0;  // positions where both argmaxes are the same token

  // One position: both models' logits [n] and the token that is to be predicted there.
  void add(const float* ref_logits, const float* quant_logits, int64_t n, int64_t target);

  double ref_perplexity() const;
  double quant_perplexity() const;
  double mean_kl() const;
  double top1_agreement() const;
};

// Called after each window with (windows done, windows in all).
using CompareProgress = std::function<void(int64_t done, int64_t total)>;

// Runs `ref` and `quant` (the same model loaded twice) over the sliding windows `lowspec
// perplexity` uses (runtime/perplexity.h) and compares the next-token distributions at every
// scored position. Errors: models of different shapes, and perplexity()'s.
DistributionComparison compare_decoders(const Decoder& ref, const Decoder& quant,
                                        const std::vector<int64_t>& ids, int64_t ctx,
                                        int64_t stride, ThreadPool& pool,
                                        const CompareProgress& progress = {});

}  // namespace lowspec
