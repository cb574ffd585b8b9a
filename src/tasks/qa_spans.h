// Answer-span selection of Hugging Face's question-answering pipeline (transformers 4.40),
// pure functions over logits so they can be tested on hand-made numbers.
//
// In one window: start and end logits of tokens that may not be part of an answer (question,
// special tokens, padding; `allowed` = 0) are set to -10000, both are softmaxed over the window,
// the probability at index 0 ([CLS]) is zeroed, and every span start <= end < start +
// max_answer_len of allowed tokens scores p_start * p_end. Across windows the spans are mapped to
// context bytes (widened to whole words) and the best ones win, wherever they came from.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lowspec {

struct TokenSpan {
  int64_t start = 0, end = 0;  // token indices in the window, inclusive
  double score = 0;            // p_start * p_end
};

// The top_k spans of one window, best first (ties: lower start, then lower end, as HF's
// flattened argmax). Spans of probability 0 are not returned.
std::vector<TokenSpan> select_spans(std::span<const float> start_logits,
                                    std::span<const float> end_logits,
                                    std::span<const uint8_t> allowed, int64_t top_k,
                                    int64_t max_answer_len);

// One window of a tokenized question + context pair, with its logits.
struct QaWindow {
  std::vector<float> start_logits, end_logits;  // [L]
  std::vector<uint8_t> allowed;                 // [L]: 1 = context token (or [CLS])
  std::vector<size_t> byte_begin, byte_end;     // [L]: each token's bytes in the context
  std::vector<uint8_t> continues_word;          // [L]: 1 = the token continues the previous token's word
};

struct ContextSpan {
  size_t byte_begin = 0, byte_end = 0;  // [begin, end) in the context
  double score = 0;
};

// The top_k answers over all windows, best first (a stable sort: earlier windows win ties).
// Each span widens to the whole words of its first and last tokens within its window, as HF's
// align_to_words does.
std::vector<ContextSpan> best_answers(const std::vector<QaWindow>& windows, int64_t top_k,
                                      int64_t max_answer_len);

}  // namespace lowspec
