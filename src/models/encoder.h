// An encoder checkpoint (DistilBERT or MobileBERT, a Hugging Face folder) with its head, exactly
// as transformers 4.40 computes it. One encode() of a right-padded batch feeds either head; the
// heads take any rows of the hidden states (e.g. only the masked positions for fill-mask).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "models/encoder_batch.h"
#include "models/encoder_body.h"
#include "models/encoder_heads.h"
#include "optimize/weight_quant.h"

namespace lowspec {

class EncoderModel {
 public:
  // Loads config.json and the weights; the head is the one `architectures` names. With `quant`
  // (Q8_0 or Q4_0) the Linear weights are quantized into memory the model owns; embedding tables
  // and norms stay as stored.
  explicit EncoderModel(const std::string& model_path, std::optional<DType> quant = std::nullopt);

  const ModelConfig& config() const { return config_; }
  Head head() const { return config_.head; }
  int64_t hidden_size() const { return config_.hidden_size; }

  // Final hidden states [batch * seq, hidden_size], valid until the next encode().
  const float* encode(const EncoderBatch& in, ThreadPool& pool);
  // QA checkpoints: start[rows], end[rows] from hidden [rows, hidden_size].
  void qa_logits(const float* hidden, int64_t rows, float* start, float* end, ThreadPool& pool);
  // Masked-LM checkpoints: logits[rows, vocab] from hidden [rows, hidden_size].
  void mlm_logits(const float* hidden, int64_t rows, float* logits, ThreadPool& pool);

 private:
  ModelConfig config_;
  HfWeights weights_;
  QuantizedWeights quantized_;  // the Linear weights' storage when loaded with a quant
  std::unique_ptr<EncoderBody> body_;
  std::optional<QaHead> qa_;
  std::optional<MlmHead> mlm_;
  AlignedBuffer<float> head_scratch_;
};

}  // namespace lowspec
