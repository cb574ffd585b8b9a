#include "tasks/masked_lm_compare.h"

#include <algorithm>

#include "core/aligned_buffer.h"
#include "core/error.h"

namespace lowspec {

DistributionComparison compare_masked_lms(EncoderModel& ref, EncoderModel& quant,
                                          std::span<const int64_t> ids,
                                          const MaskedLmSpecials& specials, int64_t window,
                                          int64_t batch, ThreadPool& pool,
                                          const CompareProgress& progress) {
  const ModelConfig& c = ref.config();
  check(ref.head() == Head::MaskedLM, c.path, cat(c.architecture, " is not a masked-LM model"));
  check(quant.head() == Head::MaskedLM && quant.config().vocab_size == c.vocab_size &&
            quant.hidden_size() == c.hidden_size,
        quant.config().path, "the quantized model's shapes differ from the reference model's");
  const int64_t H = c.hidden_size, V = c.vocab_size;
  batch = std::max<int64_t>(batch, 1);
  // Sized once for the largest batch: rows at the masked positions, then their logits.
  AlignedBuffer<float> rows(static_cast<size_t>(batch * H));
  AlignedBuffer<float> ref_logits(static_cast<size_t>(batch * V));
  AlignedBuffer<float> quant_logits(static_cast<size_t>(batch * V));
  const auto masked_logits = [&](EncoderModel& model, const MaskedBatch& m, float* logits) {
    const float* hidden = model.encode({m.batch, m.seq, m.ids}, pool);
    for (int64_t b = 0; b < m.batch; ++b)
      std::copy_n(hidden + (b * m.seq + m.first + b) * H, H, rows.data() + b * H);
    model.mlm_logits(rows.data(), m.batch, logits, pool);
  };

  DistributionComparison r;
  for_each_masked_batch(
      ids, specials, window, batch, c.max_position_embeddings,
      [&](const MaskedBatch& m) {
        masked_logits(ref, m, ref_logits.data());
        masked_logits(quant, m, quant_logits.data());
        for (int64_t b = 0; b < m.batch; ++b)
          r.add(ref_logits.data() + b * V, quant_logits.data() + b * V, V, m.targets[b]);
      },
      [&](int64_t done, int64_t total) {
        r.windows = done;
        if (progress) progress(done, total);
      });
  return r;
}

}  // namespace lowspec
