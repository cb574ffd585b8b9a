#include "tasks/pseudo_perplexity.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "kernels/softmax.h"

namespace lowspec {

PseudoPerplexity pseudo_perplexity(EncoderModel& model, std::span<const int64_t> ids,
                                   const MaskedLmSpecials& specials, int64_t window, int64_t batch,
                                   ThreadPool& pool) {
  const ModelConfig& c = model.config();
  check(model.head() == Head::MaskedLM, c.path, cat(c.architecture, " is not a masked-LM model"));
  check(!ids.empty(), "", "no tokens to score");
  window = std::min(window, c.max_position_embeddings);
  check(window >= 3, "", cat("window ", window, " leaves no room for text beside [CLS] and [SEP]"));
  check(batch >= 1, "", "batch must be at least 1");
  const int64_t per_window = window - 2, H = c.hidden_size, V = c.vocab_size;
  const int64_t n = static_cast<int64_t>(ids.size());

  PseudoPerplexity result;
  std::vector<int64_t> base, copies;
  std::vector<float> rows, logits;
  for (int64_t begin = 0; begin < n; begin += per_window) {
    // base = [CLS] ids[begin, end) [SEP]   [L]
    const int64_t end = std::min(n, begin + per_window), L = end - begin + 2;
    base.assign({specials.cls});
    base.insert(base.end(), ids.begin() + begin, ids.begin() + end);
    base.push_back(specials.sep);
    ++result.windows;
    for (int64_t first = 1; first < L - 1; first += batch) {
      // copies[b] = base with the token at position first + b masked   [B, L]
      const int64_t B = std::min(batch, L - 1 - first);
      copies.resize(B * L);
      for (int64_t b = 0; b < B; ++b) {
        std::copy(base.begin(), base.end(), copies.begin() + b * L);
        copies[b * L + first + b] = specials.mask;
      }
      const float* hidden = model.encode({B, L, copies.data()}, pool);
      rows.resize(B * H);
      for (int64_t b = 0; b < B; ++b)
        std::copy_n(hidden + (b * L + first + b) * H, H, rows.begin() + b * H);
      logits.resize(B * V);
      model.mlm_logits(rows.data(), B, logits.data(), pool);
      for (int64_t b = 0; b < B; ++b) {
        const float* row = logits.data() + b * V;
        result.total_nll += log_sum_exp(row, V) - row[base[first + b]];
        ++result.tokens_scored;
      }
    }
  }
  result.mean_nll = result.total_nll / static_cast<double>(result.tokens_scored);
  result.pseudo_perplexity = std::exp(result.mean_nll);
  return result;
}

PseudoPerplexity pseudo_perplexity(EncoderModel& model, const tokenizer::Tokenizer& tok,
                                   std::span<const int64_t> ids, int64_t window, int64_t batch,
                                   ThreadPool& pool) {
  const tokenizer::SpecialTokenIds& s = tok.settings().special;
  const auto id_of = [&](const std::optional<int32_t>& set, const char* token) -> int64_t {
    const std::optional<int32_t> id = set ? set : tok.token_to_id(token);
    check(id.has_value(), "", cat("pseudo-perplexity needs a ", token, " token; the tokenizer has none"));
    return *id;
  };
  const MaskedLmSpecials specials{id_of(s.cls, "[CLS]"), id_of(s.sep, "[SEP]"), id_of(s.mask, "[MASK]")};
  if (!ids.empty() && ids.front() == specials.cls) ids = ids.subspan(1);
  if (!ids.empty() && ids.back() == specials.sep) ids = ids.first(ids.size() - 1);
  return pseudo_perplexity(model, ids, specials, window, batch, pool);
}

}  // namespace lowspec
