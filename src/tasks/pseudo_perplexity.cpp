#include "tasks/pseudo_perplexity.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "kernels/softmax.h"

namespace lowspec {

void for_each_masked_batch(std::span<const int64_t> ids, const MaskedLmSpecials& specials,
                           int64_t window, int64_t batch, int64_t max_positions,
                           const std::function<void(const MaskedBatch&)>& fn,
                           const std::function<void(int64_t, int64_t)>& window_done) {
  check(!ids.empty(), "", "no tokens to score");
  window = std::min(window, max_positions);
  check(window >= 3, "", cat("window ", window, " leaves no room for text beside [CLS] and [SEP]"));
  check(batch >= 1, "", "batch must be at least 1");
  const int64_t per_window = window - 2, n = static_cast<int64_t>(ids.size());
  const int64_t windows = (n + per_window - 1) / per_window;
  std::vector<int64_t> base, copies;
  for (int64_t begin = 0, done = 0; begin < n; begin += per_window) {
    // base = [CLS] ids[begin, end) [SEP]   [L]
    const int64_t end = std::min(n, begin + per_window), L = end - begin + 2;
    base.assign({specials.cls});
    base.insert(base.end(), ids.begin() + begin, ids.begin() + end);
    base.push_back(specials.sep);
    for (int64_t first = 1; first < L - 1; first += batch) {
      // copies[b] = base with the token at position first + b masked   [B, L]
      const int64_t B = std::min(batch, L - 1 - first);
      copies.resize(B * L);
      for (int64_t b = 0; b < B; ++b) {
        std::copy(base.begin(), base.end(), copies.begin() + b * L);
        copies[b * L + first + b] = specials.mask;
      }
      fn(MaskedBatch{B, L, copies.data(), first, base.data() + first});
    }
    if (window_done) window_done(++done, windows);
  }
}

PseudoPerplexity pseudo_perplexity(EncoderModel& model, std::span<const int64_t> ids,
                                   const MaskedLmSpecials& specials, int64_t window, int64_t batch,
                                   ThreadPool& pool) {
  const ModelConfig& c = model.config();
  check(model.head() == Head::MaskedLM, c.path, cat(c.architecture, " is not a masked-LM model"));
  const int64_t H = c.hidden_size, V = c.vocab_size;
  PseudoPerplexity result;
  std::vector<float> rows, logits;
  for_each_masked_batch(
      ids, specials, window, batch, c.max_position_embeddings,
      [&](const MaskedBatch& m) {
        const int64_t B = m.batch, L = m.seq;
        const float* hidden = model.encode({B, L, m.ids}, pool);
        rows.resize(B * H);
        for (int64_t b = 0; b < B; ++b)
          std::copy_n(hidden + (b * L + m.first + b) * H, H, rows.begin() + b * H);
        logits.resize(B * V);
        model.mlm_logits(rows.data(), B, logits.data(), pool);
        for (int64_t b = 0; b < B; ++b) {
          const float* row = logits.data() + b * V;
          result.total_nll += log_sum_exp(row, V) - row[m.targets[b]];
          ++result.tokens_scored;
        }
      },
      [&](int64_t done, int64_t) { result.windows = done; });
  result.mean_nll = result.total_nll / static_cast<double>(result.tokens_scored);
  result.pseudo_perplexity = std::exp(result.mean_nll);
  return result;
}

MaskedLmSpecials masked_lm_specials(const tokenizer::Tokenizer& tok) {
  const tokenizer::SpecialTokenIds& s = tok.settings().special;
  const auto id_of = [&](const std::optional<int32_t>& set, const char* token) -> int64_t {
    const std::optional<int32_t> id = set ? set : tok.token_to_id(token);
    check(id.has_value(), "",
          cat("pseudo-perplexity needs a ", token, " token; the tokenizer has none"));
    return *id;
  };
  return {id_of(s.cls, "[CLS]"), id_of(s.sep, "[SEP]"), id_of(s.mask, "[MASK]")};
}

std::span<const int64_t> strip_specials(std::span<const int64_t> ids, const MaskedLmSpecials& s) {
  if (!ids.empty() && ids.front() == s.cls) ids = ids.subspan(1);
  if (!ids.empty() && ids.back() == s.sep) ids = ids.first(ids.size() - 1);
  return ids;
}

PseudoPerplexity pseudo_perplexity(EncoderModel& model, const tokenizer::Tokenizer& tok,
                                   std::span<const int64_t> ids, int64_t window, int64_t batch,
                                   ThreadPool& pool) {
  const MaskedLmSpecials specials = masked_lm_specials(tok);
  return pseudo_perplexity(model, strip_specials(ids, specials), specials, window, batch, pool);
}

}  // namespace lowspec
