#include "models/encoder_heads.h"

#include <cstring>

#include "core/error.h"
#include "kernels/matmul.h"

namespace lowspec {
namespace {

// The tied decoder: stored under its own name by some checkpoints, otherwise the embeddings.
TensorView tied(const HfWeights& w, const std::string& name, const std::string& fallback,
                int64_t rows, int64_t cols) {
  return load_matrix(w, w.find(name) != nullptr ? name : fallback, rows, cols);
}

}  // namespace

QaHead load_qa_head(const ModelConfig& c, const HfWeights& w, const LinearQuantizer* quant) {
  return {load_linear(w, "qa_outputs", 2, c.hidden_size, quant)};
}

MlmHead load_mlm_head(const ModelConfig& c, const HfWeights& w, const LinearQuantizer* quant) {
  const int64_t V = c.vocab_size, H = c.hidden_size;
  MlmHead head;
  head.activation = c.activation;
  if (c.family == Family::DistilBert) {
    head.transform = load_linear(w, "vocab_transform", H, H, quant);
    head.norm = load_norm(w, "vocab_layer_norm", H, c.norm_eps, false);
    head.decoder =
        tied(w, "vocab_projector.weight", "distilbert.embeddings.word_embeddings.weight", V, H);
    head.decoder_bias = load_vector(w, "vocab_projector.bias", V);
    return head;
  }
  check(c.family == Family::MobileBert, c.path, cat("no masked-LM head for ", c.model_type));
  const int64_t E = c.embedding_size;
  check(E <= H, c.path, cat("embedding_size ", E, " exceeds hidden_size ", H));
  head.transform = load_linear(w, "cls.predictions.transform.dense", H, H, quant);
  head.norm = load_norm(w, "cls.predictions.transform.LayerNorm", H, c.norm_eps, false);
  const std::string bias = w.find("cls.predictions.bias") != nullptr
                               ? "cls.predictions.bias"
                               : "cls.predictions.decoder.bias";
  head.decoder_bias = load_vector(w, bias, V);
  // decoder row v = [word_embeddings[v] (E), dense.weight[:, v] (H - E)]
  const TensorView word = tied(w, "cls.predictions.decoder.weight",
                               "mobilebert.embeddings.word_embeddings.weight", V, E);
  head.owned_decoder.resize(static_cast<size_t>(V * H));
  float* out = head.owned_decoder.data();
  for (int64_t v = 0; v < V; ++v) dequantize_row(word, v, out + v * H);
  if (H > E) {
    const TensorView extra = load_matrix(w, "cls.predictions.dense.weight", H - E, V);
    std::vector<float> row(static_cast<size_t>(V));
    for (int64_t j = 0; j < H - E; ++j) {
      dequantize_row(extra, j, row.data());
      for (int64_t v = 0; v < V; ++v) out[v * H + E + j] = row[v];
    }
  }
  head.decoder.dtype = DType::F32;
  head.decoder.shape = {V, H};
  head.decoder.data = out;
  head.decoder.nbytes = static_cast<uint64_t>(V * H) * sizeof(float);
  return head;
}

void apply_qa_head(const QaHead& head, const float* hidden, int64_t rows, float* start, float* end,
                   float* scratch, ThreadPool& pool) {
  apply_linear(head.outputs, hidden, rows, scratch, pool);  // [rows, 2]
  for (int64_t r = 0; r < rows; ++r) {
    start[r] = scratch[2 * r];
    end[r] = scratch[2 * r + 1];
  }
}

void apply_mlm_head(const MlmHead& head, const float* hidden, int64_t rows, float* logits,
                    float* scratch, ThreadPool& pool) {
  const int64_t H = head.transform.out();
  apply_linear(head.transform, hidden, rows, scratch, pool);  // [rows, H]
  activate(head.activation, scratch, rows * H, pool);
  add_and_norm(scratch, nullptr, head.norm, rows, pool);
  matmul(scratch, rows, H, head.decoder, head.decoder_bias.data(), logits, pool);  // [rows, V]
}

}  // namespace lowspec
