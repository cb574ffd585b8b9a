#include "runtime/quant_compare.h"

#include <algorithm>
#include <cmath>

#include "core/aligned_buffer.h"
#include "core/error.h"
#include "kernels/softmax.h"
#include "runtime/perplexity.h"

namespace lowspec {
namespace {

int64_t argmax(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (x[i] > x[best]) best = i;
  return best;
}

// sum_i p_i (log p_i - log q_i) with log p_i = p_logits[i] - p_lse.
double kl_from_lse(const float* p_logits, double p_lse, const float* q_logits, double q_lse,
                   int64_t n) {
  double kl = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double log_p = static_cast<double>(p_logits[i]) - p_lse;
    const double log_q = static_cast<double>(q_logits[i]) - q_lse;
    kl += std::exp(log_p) * (log_p - log_q);
  }
  return std::max(kl, 0.0);  // KL >= 0; rounding can leave -1e-17 for near-equal rows
}

}  // namespace

double kl_divergence(const float* p_logits, const float* q_logits, int64_t n) {
  return kl_from_lse(p_logits, log_sum_exp(p_logits, n), q_logits, log_sum_exp(q_logits, n), n);
}

void DistributionComparison::add(const float* ref_logits, const float* quant_logits, int64_t n,
                                 int64_t target) {
  const double ref_lse = log_sum_exp(ref_logits, n), quant_lse = log_sum_exp(quant_logits, n);
  const double kl = kl_from_lse(ref_logits, ref_lse, quant_logits, quant_lse, n);
  ref_total_nll += ref_lse - ref_logits[target];
  quant_total_nll += quant_lse - quant_logits[target];
  kl_sum += kl;
  kl_max = std::max(kl_max, kl);
  if (argmax(ref_logits, n) == argmax(quant_logits, n)) ++top1_matches;
  ++positions;
}

double DistributionComparison::ref_perplexity() const {
  return std::exp(ref_total_nll / static_cast<double>(positions));
}
double DistributionComparison::quant_perplexity() const {
  return std::exp(quant_total_nll / static_cast<double>(positions));
}
double DistributionComparison::mean_kl() const {
  return kl_sum / static_cast<double>(positions);
}
double DistributionComparison::top1_agreement() const {
  return static_cast<double>(top1_matches) / static_cast<double>(positions);
}

DistributionComparison compare_decoders(const Decoder& ref, const Decoder& quant,
                                        const std::vector<int64_t>& ids, int64_t ctx,
                                        int64_t stride, ThreadPool& pool,
                                        const CompareProgress& progress) {
  const ModelConfig& c = ref.config();
  check(quant.config().vocab_size == c.vocab_size && quant.config().hidden_size == c.hidden_size,
        quant.path(), "the quantized model's shapes differ from the reference model's");
  const int64_t V = c.vocab_size, H = c.hidden_size, T = static_cast<int64_t>(ids.size());
  // Two logit buffers: half of perplexity()'s budget each.
  const PerplexityPlan plan = plan_perplexity(ref, T, ctx, stride, int64_t{32} << 20);
  const auto& windows = plan.windows;
  const int64_t chunk = plan.logit_rows, longest = plan.longest;
  DecoderState ref_state(c, 1, longest, longest, pool.size());
  DecoderState quant_state(c, 1, longest, longest, pool.size());
  AlignedBuffer<float> ref_logits(static_cast<size_t>(chunk * V));
  AlignedBuffer<float> quant_logits(static_cast<size_t>(chunk * V));
  const std::vector<int64_t>& positions = plan.positions;

  DistributionComparison r;
  r.windows = static_cast<int64_t>(windows.size());
  for (size_t wi = 0; wi < windows.size(); ++wi) {
    const PerplexityWindow& w = windows[wi];
    const DecoderStep step{w.end - w.begin, ids.data() + w.begin, positions.data(), nullptr,
                           nullptr};
    ref_state.reset();
    quant_state.reset();
    ref.forward(ref_state, step, pool);
    quant.forward(quant_state, step, pool);
    // The logits at window position p predict ids[begin + p + 1].
    for (int64_t t0 = w.first_scored; t0 < w.end; t0 += chunk) {
      const int64_t rows = std::min(chunk, w.end - t0);
      const int64_t offset = (t0 - 1 - w.begin) * H;
      ref.logits(ref_state.hidden() + offset, rows, ref_logits.data(), pool);
      quant.logits(quant_state.hidden() + offset, rows, quant_logits.data(), pool);
      for (int64_t i = 0; i < rows; ++i)
        r.add(ref_logits.data() + i * V, quant_logits.data() + i * V, V, ids[t0 + i]);
    }
    if (progress) progress(static_cast<int64_t>(wi) + 1, r.windows);
  }
  return r;
}

}  // namespace lowspec
