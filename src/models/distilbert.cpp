#include "models/distilbert.h"

#include <cmath>
#include <utility>
#include <vector>

#include "core/aligned_buffer.h"
#include "kernels/matmul.h"
#include "models/encoder_attention.h"
#include "models/encoder_layers.h"

namespace lowspec {
namespace {

struct DistilBertLayer {
  Linear q, k, v, out;  // [H, H]
  Norm sa_norm;         // after attention + residual
  Linear lin1, lin2;    // [I, H], [H, I]
  Norm out_norm;        // after FFN + residual
};

class DistilBert : public EncoderBody {
 public:
  DistilBert(const ModelConfig& c, const HfWeights& w, const LinearQuantizer* quant) : c_(c) {
    const int64_t H = c.hidden_size, I = c.intermediate_size;
    const std::string p = encoder_prefix(w, "distilbert.");
    word_ = load_matrix(w, p + "embeddings.word_embeddings.weight", c.vocab_size, H);
    position_ =
        load_matrix(w, p + "embeddings.position_embeddings.weight", c.max_position_embeddings, H);
    embed_norm_ = load_norm(w, p + "embeddings.LayerNorm", H, c.norm_eps, false);
    for (int64_t i = 0; i < c.num_layers; ++i) {
      const std::string l = cat(p, "transformer.layer.", i, ".");
      layers_.push_back({load_linear(w, l + "attention.q_lin", H, H, quant),
                         load_linear(w, l + "attention.k_lin", H, H, quant),
                         load_linear(w, l + "attention.v_lin", H, H, quant),
                         load_linear(w, l + "attention.out_lin", H, H, quant),
                         load_norm(w, l + "sa_layer_norm", H, c.norm_eps, false),
                         load_linear(w, l + "ffn.lin1", I, H, quant),
                         load_linear(w, l + "ffn.lin2", H, I, quant),
                         load_norm(w, l + "output_layer_norm", H, c.norm_eps, false)});
    }
  }

  const float* encode(const EncoderBatch& in, ThreadPool& pool) override {
    validate_encoder_batch(in, c_);
    const int64_t B = in.batch, L = in.seq, H = c_.hidden_size, rows = B * L;
    const AttentionShape shape{B, L, c_.num_heads, c_.head_dim,
                               1.0f / std::sqrt(static_cast<float>(c_.head_dim))};
    reserve(rows, encoder_attention_scratch(shape, pool.size()));
    const uint8_t* mask = key_mask(in, mask_);

    // x[rows, H] = LayerNorm(word[ids] + position[pos]); `spare` receives each sublayer's
    // output before it becomes x.
    float* x = x_.data();
    float* spare = spare_.data();
    float* pos_row = pos_row_.data();
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < L; ++t) {
        float* xr = x + (b * L + t) * H;
        dequantize_row(word_, in.input_ids[b * L + t], xr);
        dequantize_row(position_, in.position(b, t), pos_row);
        for (int64_t i = 0; i < H; ++i) xr[i] += pos_row[i];
      }
    }
    add_and_norm(x, nullptr, embed_norm_, rows, pool);

    for (const DistilBertLayer& layer : layers_) {
      apply_linear(layer.q, x, rows, q_.data(), pool);  // [rows, H] each
      apply_linear(layer.k, x, rows, k_.data(), pool);
      apply_linear(layer.v, x, rows, v_.data(), pool);
      encoder_attention(shape, q_.data(), k_.data(), v_.data(), mask, ctx_.data(),
                        attention_scratch_.data(), pool);
      // x = LayerNorm(out_lin(ctx) + x)
      apply_linear(layer.out, ctx_.data(), rows, spare, pool);
      add_and_norm(spare, x, layer.sa_norm, rows, pool);
      std::swap(x, spare);
      // x = LayerNorm(lin2(gelu(lin1(x))) + x)
      apply_linear(layer.lin1, x, rows, ffn_.data(), pool);  // [rows, I]
      activate(c_.activation, ffn_.data(), rows * c_.intermediate_size, pool);
      apply_linear(layer.lin2, ffn_.data(), rows, spare, pool);
      add_and_norm(spare, x, layer.out_norm, rows, pool);
      std::swap(x, spare);
    }
    return x;
  }

 private:
  void reserve(int64_t rows, int64_t attention_floats) {
    const size_t h = static_cast<size_t>(rows * c_.hidden_size);
    for (AlignedBuffer<float>* buf : {&x_, &spare_, &q_, &k_, &v_, &ctx_}) buf->resize(h);
    pos_row_.resize(static_cast<size_t>(c_.hidden_size));
    ffn_.resize(static_cast<size_t>(rows * c_.intermediate_size));
    attention_scratch_.resize(static_cast<size_t>(attention_floats));
  }

  ModelConfig c_;
  TensorView word_, position_;  // [V, H], [P, H]
  Norm embed_norm_;
  std::vector<DistilBertLayer> layers_;
  AlignedBuffer<float> x_, spare_, q_, k_, v_, ctx_, ffn_, pos_row_, attention_scratch_;
  std::vector<uint8_t> mask_;
};

}  // namespace

std::unique_ptr<EncoderBody> make_distilbert(const ModelConfig& c, const HfWeights& w,
                                             const LinearQuantizer* quant) {
  return std::make_unique<DistilBert>(c, w, quant);
}

}  // namespace lowspec
