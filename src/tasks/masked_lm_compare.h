// The quantization comparison for masked LMs (DistilBERT, MobileBERT): both models score the
// text the way pseudo-perplexity does (every token masked in turn, in consecutive windows with
// [CLS] and [SEP]) and the two MLM distributions are compared at each masked position only.
#pragma once
#include <cstdint>
#include <span>

#include "core/thread_pool.h"
#include "models/encoder.h"
#include "runtime/quant_compare.h"
#include "tasks/pseudo_perplexity.h"

namespace lowspec {

// ids without special tokens; `window` tokens per forward including [CLS] and [SEP] (capped by
// the model's positions), `batch` masked copies per forward. The perplexities reported are
// pseudo-perplexities. Errors: models without an MLM head or of different shapes.
DistributionComparison compare_masked_lms(EncoderModel& ref, EncoderModel& quant,
                                          std::span<const int64_t> ids,
                                          const MaskedLmSpecials& specials, int64_t window,
                                          int64_t batch, ThreadPool& pool,
                                          const CompareProgress& progress = {});

}  // namespace lowspec
