#include "tasks/qa.h"

#include <algorithm>

#include "core/error.h"
#include "tasks/qa_spans.h"

namespace lowspec {
namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

// Unicode code points in the first `bytes` bytes of UTF-8 text.
int64_t code_points(std::string_view text, size_t bytes) {
  int64_t n = 0;
  for (size_t i = 0; i < bytes && i < text.size(); ++i)
    n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return n;
}

// Runs the encoder over windows [first, last), which all have the same length, as one batch.
// No padding: HF runs each window alone, and MobileBERT's trigram embedding of the last token
// would see a padding token where the unpadded window has zeros.
void run_windows(EncoderModel& model, const std::vector<tokenizer::Encoding>& enc, size_t first,
                 size_t last, std::vector<QaWindow>& windows, ThreadPool& pool) {
  const int64_t B = static_cast<int64_t>(last - first), L = static_cast<int64_t>(enc[first].size());
  const bool token_types = model.config().type_vocab_size > 0;  // DistilBERT takes none
  std::vector<int64_t> ids, types;
  for (size_t w = first; w < last; ++w) {
    ids.insert(ids.end(), enc[w].ids.begin(), enc[w].ids.end());
    types.insert(types.end(), enc[w].type_ids.begin(), enc[w].type_ids.end());
  }
  const EncoderBatch batch{B, L, ids.data(), nullptr, token_types ? types.data() : nullptr};
  const float* hidden = model.encode(batch, pool);
  std::vector<float> start(B * L), end(B * L);
  model.qa_logits(hidden, B * L, start.data(), end.data(), pool);
  for (int64_t b = 0; b < B; ++b) {
    windows[first + b].start_logits.assign(start.begin() + b * L, start.begin() + (b + 1) * L);
    windows[first + b].end_logits.assign(end.begin() + b * L, end.begin() + (b + 1) * L);
  }
}

}  // namespace

std::vector<QaAnswer> answer_question(EncoderModel& model, const tokenizer::Tokenizer& tok,
                                      std::string_view question, std::string_view context,
                                      const QaOptions& options, ThreadPool& pool) {
  check(!blank(question), "", "the question is empty");
  check(!blank(context), "", "the context is empty");
  check(options.top_k >= 1, "", "top-k must be at least 1");
  check(model.head() == Head::QuestionAnswering, model.config().path,
        cat(model.config().architecture, " is not a question-answering model"));

  int64_t max_len = std::min(options.max_seq_len, model.config().max_position_embeddings);
  if (tok.settings().model_max_length > 0)
    max_len = std::min(max_len, static_cast<int64_t>(tok.settings().model_max_length));
  const int64_t stride = std::min(options.doc_stride, max_len / 2);
  // [CLS] question [SEP] context [SEP]: what is left for the context in each window
  const int64_t question_tokens = static_cast<int64_t>(tok.encode(question, false).size());
  const int64_t room = max_len - question_tokens - 3;
  check(room > stride, "",
        cat("the question is ", question_tokens, " tokens: with a window of ", max_len,
            " tokens and a doc stride of ", stride, " it leaves ", std::max<int64_t>(room, 0),
            " tokens for the context (shorten the question)"));

  tokenizer::TruncationOptions truncation;
  truncation.max_length = static_cast<size_t>(max_len);
  truncation.stride = static_cast<size_t>(stride);
  truncation.strategy = tokenizer::TruncationStrategy::kOnlySecond;
  truncation.return_overflowing = true;
  const std::vector<tokenizer::Encoding> enc = tok.encode_truncated(question, &context, truncation);

  const std::optional<int32_t> cls = tok.settings().special.cls;
  std::vector<QaWindow> windows(enc.size());
  for (size_t w = 0; w < enc.size(); ++w) {
    const tokenizer::Encoding& e = enc[w];
    QaWindow& win = windows[w];
    for (size_t t = 0; t < e.size(); ++t) {
      const bool in_context = e.sequence_ids[t] == tokenizer::SequenceId::kSecond;
      win.allowed.push_back(in_context || (cls && e.ids[t] == *cls));
      win.byte_begin.push_back(e.offsets[t].begin);
      win.byte_end.push_back(e.offsets[t].end);
      win.continues_word.push_back(in_context && e.tokens[t].starts_with("##"));
    }
  }
  // Batches of consecutive windows of equal length (all but the last window are full).
  const size_t per_batch = static_cast<size_t>(std::max<int64_t>(options.windows_per_batch, 1));
  for (size_t first = 0, last = 0; first < enc.size(); first = last) {
    last = first + 1;
    while (last < enc.size() && last - first < per_batch && enc[last].size() == enc[first].size())
      ++last;
    run_windows(model, enc, first, last, windows, pool);
  }

  std::vector<QaAnswer> answers;
  for (const ContextSpan& span : best_answers(windows, options.top_k, options.max_answer_len)) {
    answers.push_back({std::string(context.substr(span.byte_begin, span.byte_end - span.byte_begin)),
                       span.score, code_points(context, span.byte_begin),
                       code_points(context, span.byte_end), span.byte_begin, span.byte_end});
  }
  return answers;
}

}  // namespace lowspec
