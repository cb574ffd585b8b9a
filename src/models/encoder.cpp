#include "models/encoder.h"

#include "core/error.h"
#include "models/distilbert.h"
#include "models/mobilebert.h"

namespace lowspec {

std::string encoder_prefix(const HfWeights& w, const std::string& family_prefix) {
  return w.find(family_prefix + "embeddings.word_embeddings.weight") != nullptr ? family_prefix
                                                                                : "";
}

namespace {

ModelConfig encoder_config(const std::string& model_path) {
  ModelConfig c = load_model_config(model_path);
  check(c.family == Family::DistilBert || c.family == Family::MobileBert, c.path,
        cat("model_type \"", c.model_type, "\" is not an encoder (distilbert, mobilebert)"));
  return c;
}

}  // namespace

EncoderModel::EncoderModel(const std::string& model_path, std::optional<DType> quant)
    : config_(encoder_config(model_path)), weights_(model_path) {
  std::optional<ThreadPool> pool;
  std::optional<LinearQuantizer> quantizer;
  if (quant) {
    pool.emplace(physical_cores());
    quantizer.emplace(LinearQuantizer{*quant, quantized_, *pool});
  }
  const LinearQuantizer* q = quantizer ? &*quantizer : nullptr;
  body_ = config_.family == Family::DistilBert ? make_distilbert(config_, weights_, q)
                                               : make_mobilebert(config_, weights_, q);
  if (config_.head == Head::QuestionAnswering) qa_ = load_qa_head(config_, weights_, q);
  if (config_.head == Head::MaskedLM) mlm_ = load_mlm_head(config_, weights_, q);
}

const float* EncoderModel::encode(const EncoderBatch& in, ThreadPool& pool) {
  return body_->encode(in, pool);
}

void EncoderModel::qa_logits(const float* hidden, int64_t rows, float* start, float* end,
                             ThreadPool& pool) {
  check(qa_.has_value(), config_.path,
        cat(config_.architecture, " has no question-answering head (qa_outputs)"));
  head_scratch_.resize(static_cast<size_t>(rows * 2));
  apply_qa_head(*qa_, hidden, rows, start, end, head_scratch_.data(), pool);
}

void EncoderModel::mlm_logits(const float* hidden, int64_t rows, float* logits, ThreadPool& pool) {
  check(mlm_.has_value(), config_.path, cat(config_.architecture, " has no masked-LM head"));
  head_scratch_.resize(static_cast<size_t>(rows * config_.hidden_size));
  apply_mlm_head(*mlm_, hidden, rows, logits, head_scratch_.data(), pool);
}

}  // namespace lowspec
