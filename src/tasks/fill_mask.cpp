#include "tasks/fill_mask.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "kernels/softmax.h"

namespace lowspec {

std::vector<MaskFill> fill_mask(EncoderModel& model, const tokenizer::Tokenizer& tok,
                                std::string_view text, int64_t top_k, ThreadPool& pool) {
  const ModelConfig& c = model.config();
  check(model.head() == Head::MaskedLM, c.path, cat(c.architecture, " is not a masked-LM model"));
  check(top_k >= 1, "", "top-k must be at least 1");
  std::optional<int32_t> mask_id = tok.settings().special.mask;
  if (!mask_id) mask_id = tok.token_to_id("[MASK]");
  check(mask_id.has_value(), "", "the tokenizer has no mask token");

  const tokenizer::Encoding enc = tok.encode(text);
  const int64_t L = static_cast<int64_t>(enc.size());
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < L; ++t)
    if (enc.ids[t] == *mask_id) positions.push_back(t);
  check(!positions.empty(), "",
        cat("the text has no ", tok.id_to_token(*mask_id), " token to fill"));
  check(L <= c.max_position_embeddings, "",
        cat("the text is ", L, " tokens; the model takes at most ", c.max_position_embeddings));

  const std::vector<int64_t> ids(enc.ids.begin(), enc.ids.end());
  const bool token_types = c.type_vocab_size > 0;
  const std::vector<int64_t> types(enc.type_ids.begin(), enc.type_ids.end());
  const float* hidden =
      model.encode({1, L, ids.data(), nullptr, token_types ? types.data() : nullptr}, pool);

  // Only the masked rows go through the vocabulary projection.
  const int64_t H = c.hidden_size, V = c.vocab_size, M = static_cast<int64_t>(positions.size());
  std::vector<float> rows(M * H), logits(M * V);
  for (int64_t m = 0; m < M; ++m)
    std::copy_n(hidden + positions[m] * H, H, rows.begin() + m * H);
  model.mlm_logits(rows.data(), M, logits.data(), pool);

  const int64_t k = std::min(top_k, V);
  // HF skips special tokens in `sequence` only for a single mask: otherwise the other masks
  // would vanish from the text.
  tokenizer::DecodeOptions sequence_options;
  sequence_options.skip_special_tokens = M == 1;
  std::vector<MaskFill> fills;
  std::vector<int32_t> order(V);
  for (int64_t m = 0; m < M; ++m) {
    float* p = logits.data() + m * V;
    softmax(p, V);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [p](int32_t a, int32_t b) { return p[a] != p[b] ? p[a] > p[b] : a < b; });
    MaskFill fill{positions[m], {}};
    for (int64_t i = 0; i < k; ++i) {
      std::vector<int32_t> filled = enc.ids;
      filled[positions[m]] = order[i];
      const int32_t id = order[i];
      fill.candidates.push_back({id, tok.decode(std::span<const int32_t>(&id, 1)), p[id],
                                 tok.decode(filled, sequence_options)});
    }
    fills.push_back(std::move(fill));
  }
  return fills;
}

}  // namespace lowspec
