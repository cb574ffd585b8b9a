// forward_encoder: `lowspec forward` on a DistilBERT or MobileBERT checkpoint.
#include <utility>

#include "models/encoder.h"
#include "models/forward.h"

namespace lowspec {

std::vector<NamedOutput> forward_encoder(const ModelConfig& config, const std::string& model_path,
                                         const ForwardInputs& in, ThreadPool& pool,
                                         std::optional<DType> quant) {
  EncoderModel model(model_path, quant);
  const auto optional_data = [](const std::optional<std::vector<int64_t>>& v) {
    return v ? v->data() : nullptr;
  };
  const EncoderBatch batch{in.batch, in.seq, in.input_ids.data(), optional_data(in.attention_mask),
                           optional_data(in.token_type_ids), optional_data(in.position_ids)};
  const float* hidden = model.encode(batch, pool);
  const int64_t rows = in.batch * in.seq;
  const auto sized = [](int64_t n) { return std::vector<float>(static_cast<size_t>(n)); };
  std::vector<NamedOutput> outputs;
  switch (config.head) {
    case Head::QuestionAnswering: {
      NamedOutput start{"start_logits", {in.batch, in.seq}, sized(rows)};
      NamedOutput end{"end_logits", {in.batch, in.seq}, sized(rows)};
      model.qa_logits(hidden, rows, start.data.data(), end.data.data(), pool);
      outputs.push_back(std::move(start));
      outputs.push_back(std::move(end));
      break;
    }
    case Head::MaskedLM: {
      NamedOutput logits{"logits", {in.batch, in.seq, config.vocab_size},
                         sized(rows * config.vocab_size)};
      model.mlm_logits(hidden, rows, logits.data.data(), pool);
      outputs.push_back(std::move(logits));
      break;
    }
    default: {
      NamedOutput last{"last_hidden_state", {in.batch, in.seq, config.hidden_size},
                       std::vector<float>(hidden, hidden + rows * config.hidden_size)};
      outputs.push_back(std::move(last));
      break;
    }
  }
  return outputs;
}

}  // namespace lowspec
