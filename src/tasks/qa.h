// Extractive question answering as Hugging Face's question-answering pipeline (transformers
// 4.40) does it: the question + context pair is tokenized with only_second truncation into
// overlapping windows (max length 384, doc stride 128), every window runs through the encoder in
// batches, and the best spans across windows are cut from the original context.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/thread_pool.h"
#include "models/encoder.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

struct QaOptions {
  int64_t top_k = 1;
  int64_t max_seq_len = 384;  // tokens per window, capped by the model's positions
  int64_t doc_stride = 128;   // tokens shared by consecutive windows, capped at max_seq_len / 2
  int64_t max_answer_len = 30;
  int64_t windows_per_batch = 8;
};

struct QaAnswer {
  std::string text;          // context[start, end)
  double score = 0;          // p_start * p_end in its window
  int64_t start = 0, end = 0;  // characters (Unicode code points) of the context, as HF reports
  size_t byte_start = 0, byte_end = 0;
};

// Best answers first. Errors (lowspec::Error): empty question or context, a question that leaves
// no room for the context in a window, a model without a QA head.
std::vector<QaAnswer> answer_question(EncoderModel& model, const tokenizer::Tokenizer& tok,
                                      std::string_view question, std::string_view context,
                                      const QaOptions& options, ThreadPool& pool);

}  // namespace lowspec
