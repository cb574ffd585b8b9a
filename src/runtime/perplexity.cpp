#include "runtime/perplexity.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/aligned_buffer.h"
#include "core/error.h"
#include "kernels/softmax.h"

namespace lowspec {

std::vector<PerplexityWindow> perplexity_windows(int64_t n_tokens, int64_t ctx, int64_t stride) {
  check(n_tokens >= 2, "", cat("perplexity needs at least 2 tokens, got ", n_tokens));
  check(ctx >= 2, "", cat("--ctx must be at least 2, got ", ctx));
  check(stride >= 1, "", cat("--stride must be at least 1, got ", stride));
  std::vector<PerplexityWindow> windows;
  int64_t prev_end = 0;
  for (int64_t begin = 0; begin < n_tokens; begin += stride) {
    PerplexityWindow w;
    w.begin = begin;
    w.end = std::min(begin + ctx, n_tokens);
    w.first_scored = std::max(prev_end, begin + 1);
    windows.push_back(w);
    prev_end = w.end;
    if (w.end == n_tokens) break;
  }
  return windows;
}

PerplexityPlan plan_perplexity(const Decoder& decoder, int64_t n_tokens, int64_t ctx,
                               int64_t stride, int64_t logit_bytes) {
  const ModelConfig& c = decoder.config();
  check(ctx <= c.max_position_embeddings, decoder.path(),
        cat("--ctx ", ctx, " exceeds the model's context (max_position_embeddings = ",
            c.max_position_embeddings, ")"));
  PerplexityPlan plan;
  plan.windows = perplexity_windows(n_tokens, ctx, stride);
  plan.longest = std::min(ctx, n_tokens);
  // Logits are made a few rows at a time: [rows, V] can be large (Gemma's vocabulary is 256k).
  plan.logit_rows = std::clamp<int64_t>(logit_bytes / (c.vocab_size * 4), 1, plan.longest);
  plan.positions.resize(static_cast<size_t>(plan.longest));
  for (int64_t p = 0; p < plan.longest; ++p) plan.positions[p] = p;
  return plan;
}

PerplexityResult perplexity(const Decoder& decoder, const std::vector<int64_t>& ids, int64_t ctx,
                            int64_t stride, ThreadPool& pool) {
  const ModelConfig& c = decoder.config();
  const int64_t V = c.vocab_size, H = c.hidden_size, T = static_cast<int64_t>(ids.size());
  const PerplexityPlan plan = plan_perplexity(decoder, T, ctx, stride, int64_t{64} << 20);
  const auto& windows = plan.windows;
  const int64_t chunk = plan.logit_rows;
  DecoderState state(c, 1, plan.longest, plan.longest, pool.size());
  AlignedBuffer<float> logits(static_cast<size_t>(chunk * V));
  const std::vector<int64_t>& positions = plan.positions;

  PerplexityResult r;
  r.windows = static_cast<int64_t>(windows.size());
  double sum_window_loss = 0;
  int64_t windows_with_loss = 0;
  for (const PerplexityWindow& w : windows) {
    state.reset();
    decoder.forward(
        state,
        DecoderStep{w.end - w.begin, ids.data() + w.begin, positions.data(), nullptr, nullptr},
        pool);
    double window_nll = 0;
    // The logits at window position p predict ids[begin + p + 1].
    for (int64_t t0 = w.first_scored; t0 < w.end; t0 += chunk) {
      const int64_t rows = std::min(chunk, w.end - t0);
      decoder.logits(state.hidden() + (t0 - 1 - w.begin) * H, rows, logits.data(), pool);
      for (int64_t i = 0; i < rows; ++i) {
        const float* row = logits.data() + i * V;
        window_nll += log_sum_exp(row, V) - row[ids[t0 + i]];
      }
    }
    r.total_nll += window_nll;
    r.tokens_scored += w.n_scored();
    // HF's loss over no targets is NaN; such a window is left out of the docs' mean.
    const double loss = w.n_scored() > 0 ? window_nll / static_cast<double>(w.n_scored())
                                         : std::numeric_limits<double>::quiet_NaN();
    r.window_loss.push_back(loss);
    if (w.n_scored() > 0) {
      sum_window_loss += loss;
      ++windows_with_loss;
    }
  }
  r.mean_nll = r.total_nll / static_cast<double>(r.tokens_scored);
  r.perplexity = std::exp(r.mean_nll);
  r.perplexity_hf_docs = std::exp(sum_window_loss / static_cast<double>(windows_with_loss));
  return r;
}

}  // namespace lowspec
