#include "models/mobilebert.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/error.h"
#include "kernels/matmul.h"
#include "models/encoder_attention.h"
#include "models/encoder_layers.h"

namespace lowspec {
namespace {

struct Ffn {
  Linear intermediate;  // [I, T], then the activation
  Linear output;        // [T, I]
  Norm norm;            // [T], over output + residual
};

struct MobileBertLayer {
  std::optional<Linear> bottleneck_input;  // [T, H] (use_bottleneck)
  Norm bottleneck_input_norm;
  std::optional<Linear> bottleneck_attention;  // [T, H] (key_query_shared_bottleneck)
  Norm bottleneck_attention_norm;
  Linear query, key, value;  // [T, T], [T, T], [T, T or H]
  Linear attention_output;   // [T, T]
  Norm attention_norm;
  std::vector<Ffn> ffns;  // num_feedforward_networks (the last is the layer's own)
  std::optional<Linear> output_bottleneck;  // [H, T] (use_bottleneck)
  Norm output_bottleneck_norm;
};

class MobileBert : public EncoderBody {
 public:
  MobileBert(const ModelConfig& c, const HfWeights& w, const LinearQuantizer* quant) : c_(c) {
    const int64_t H = c.hidden_size, T = c.true_hidden_size, E = c.embedding_size;
    const int64_t I = c.intermediate_size;
    const double eps = c.norm_eps;
    const bool nn = c.no_norm;
    const std::string p = encoder_prefix(w, "mobilebert.");
    check(c.num_heads * c.head_dim == T, c.path,
          cat("true_hidden_size ", T, " is not a multiple of num_attention_heads ", c.num_heads));
    check(
        !c.use_bottleneck || c.use_bottleneck_attention || c.key_query_shared_bottleneck ||
            T == c.hidden_size,
        c.path,
        "use_bottleneck without a query/key bottleneck needs intra_bottleneck_size == hidden_size");

    word_ = load_matrix(w, p + "embeddings.word_embeddings.weight", c.vocab_size, E);
    position_ =
        load_matrix(w, p + "embeddings.position_embeddings.weight", c.max_position_embeddings, H);
    token_type_ =
        load_matrix(w, p + "embeddings.token_type_embeddings.weight", c.type_vocab_size, H);
    const int64_t input_width = c.trigram_input ? 3 * E : E;
    if (c.trigram_input || E != H)
      transformation_ = load_linear(w, p + "embeddings.embedding_transformation", H, input_width);
    embed_norm_ = load_norm(w, p + "embeddings.LayerNorm", H, eps, nn);

    for (int64_t i = 0; i < c.num_layers; ++i) {
      const std::string l = cat(p, "encoder.layer.", i, ".");
      MobileBertLayer layer;
      if (c.use_bottleneck) {
        layer.bottleneck_input = load_linear(w, l + "bottleneck.input.dense", T, H, quant);
        layer.bottleneck_input_norm = load_norm(w, l + "bottleneck.input.LayerNorm", T, eps, nn);
        if (c.key_query_shared_bottleneck && !c.use_bottleneck_attention) {
          layer.bottleneck_attention =
              load_linear(w, l + "bottleneck.attention.dense", T, H, quant);
          layer.bottleneck_attention_norm =
              load_norm(w, l + "bottleneck.attention.LayerNorm", T, eps, nn);
        }
        layer.output_bottleneck = load_linear(w, l + "output.bottleneck.dense", H, T, quant);
        layer.output_bottleneck_norm = load_norm(w, l + "output.bottleneck.LayerNorm", H, eps, nn);
      }
      layer.query = load_linear(w, l + "attention.self.query", T, T, quant);
      layer.key = load_linear(w, l + "attention.self.key", T, T, quant);
      layer.value =
          load_linear(w, l + "attention.self.value", T, c.use_bottleneck_attention ? T : H, quant);
      layer.attention_output = load_linear(w, l + "attention.output.dense", T, T, quant);
      layer.attention_norm = load_norm(w, l + "attention.output.LayerNorm", T, eps, nn);
      for (int64_t f = 0; f + 1 < c.num_feedforward_networks; ++f) {
        const std::string fp = cat(l, "ffn.", f, ".");
        layer.ffns.push_back({load_linear(w, fp + "intermediate.dense", I, T, quant),
                              load_linear(w, fp + "output.dense", T, I, quant),
                              load_norm(w, fp + "output.LayerNorm", T, eps, nn)});
      }
      layer.ffns.push_back({load_linear(w, l + "intermediate.dense", I, T, quant),
                            load_linear(w, l + "output.dense", T, I, quant),
                            load_norm(w, l + "output.LayerNorm", T, eps, nn)});
      layers_.push_back(std::move(layer));
    }
  }

  const float* encode(const EncoderBatch& in, ThreadPool& pool) override {
    validate_encoder_batch(in, c_);
    const int64_t B = in.batch, L = in.seq, rows = B * L, T = c_.true_hidden_size;
    const AttentionShape shape{B, L, c_.num_heads, c_.head_dim,
                               1.0f / std::sqrt(static_cast<float>(c_.head_dim))};
    reserve(rows, encoder_attention_scratch(shape, pool.size()));
    const uint8_t* mask = key_mask(in, mask_);

    float* x = x_.data();          // [rows, H]: the layer input, then its output
    float* spare = spare_.data();  // [rows, H]
    embed(in, x, pool);

    for (const MobileBertLayer& layer : layers_) {
      // Where attention reads q, k, v from, and the residual of its output.
      const float *q_in = x, *k_in = x, *v_in = x, *residual = x;
      if (layer.bottleneck_input) {
        apply_linear(*layer.bottleneck_input, x, rows, layer_input_.data(), pool);  // [rows, T]
        add_and_norm(layer_input_.data(), nullptr, layer.bottleneck_input_norm, rows, pool);
        residual = layer_input_.data();
        if (c_.use_bottleneck_attention) {
          q_in = k_in = v_in = layer_input_.data();
        } else if (layer.bottleneck_attention) {
          apply_linear(*layer.bottleneck_attention, x, rows, shared_.data(), pool);  // [rows, T]
          add_and_norm(shared_.data(), nullptr, layer.bottleneck_attention_norm, rows, pool);
          q_in = k_in = shared_.data();
        }
      }
      apply_linear(layer.query, q_in, rows, q_.data(), pool);  // [rows, T] each
      apply_linear(layer.key, k_in, rows, k_.data(), pool);
      apply_linear(layer.value, v_in, rows, v_.data(), pool);
      encoder_attention(shape, q_.data(), k_.data(), v_.data(), mask, ctx_.data(),
                        attention_scratch_.data(), pool);
      // a[rows, T] = Norm(dense(ctx) + residual)
      float* a = a_.data();
      float* a_next = a_spare_.data();
      apply_linear(layer.attention_output, ctx_.data(), rows, a, pool);
      add_and_norm(a, residual, layer.attention_norm, rows, pool);
      // a = Norm(dense(act(dense(a))) + a), for each stacked FFN and then the layer's own
      for (const Ffn& ffn : layer.ffns) {
        apply_linear(ffn.intermediate, a, rows, intermediate_.data(), pool);  // [rows, I]
        activate(c_.activation, intermediate_.data(), rows * c_.intermediate_size, pool);
        apply_linear(ffn.output, intermediate_.data(), rows, a_next, pool);
        add_and_norm(a_next, a, ffn.norm, rows, pool);
        std::swap(a, a_next);
      }
      if (layer.output_bottleneck) {
        // x = Norm(dense(a) + x)   [rows, H]
        apply_linear(*layer.output_bottleneck, a, rows, spare, pool);
        add_and_norm(spare, x, layer.output_bottleneck_norm, rows, pool);
        std::swap(x, spare);
      } else {
        std::memcpy(x, a, sizeof(float) * static_cast<size_t>(rows * T));  // T == H here
      }
    }
    return x;
  }

 private:
  // x[rows, H] = Norm(transformation(trigram(word[ids])) + position[pos] + token_type[type])
  void embed(const EncoderBatch& in, float* x, ThreadPool& pool) {
    const int64_t B = in.batch, L = in.seq, rows = B * L;
    const int64_t H = c_.hidden_size, E = c_.embedding_size;
    float* words = words_.data();  // [rows, E]
    for (int64_t r = 0; r < rows; ++r) dequantize_row(word_, in.input_ids[r], words + r * E);
    const float* input = words;
    if (c_.trigram_input) {
      // trigram[b, t] = [word[b, t+1], word[b, t], word[b, t-1]], zeros beyond the padded row's
      // ends: the last real token of a padded row sees the padding token, as HF computes it.
      float* tri = trigram_.data();  // [rows, 3E]
      for (int64_t b = 0; b < B; ++b) {
        for (int64_t t = 0; t < L; ++t) {
          float* out = tri + (b * L + t) * 3 * E;
          const float* w = words + (b * L + t) * E;
          if (t + 1 < L)
            std::memcpy(out, w + E, sizeof(float) * E);
          else
            std::memset(out, 0, sizeof(float) * E);
          std::memcpy(out + E, w, sizeof(float) * E);
          if (t > 0)
            std::memcpy(out + 2 * E, w - E, sizeof(float) * E);
          else
            std::memset(out + 2 * E, 0, sizeof(float) * E);
        }
      }
      input = tri;
    }
    if (transformation_)
      apply_linear(*transformation_, input, rows, x, pool);
    else
      std::memcpy(x, input, sizeof(float) * static_cast<size_t>(rows * H));  // E == H
    float* row = row_.data();
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < L; ++t) {
        float* xr = x + (b * L + t) * H;
        dequantize_row(position_, in.position(b, t), row);
        for (int64_t i = 0; i < H; ++i) xr[i] += row[i];
        dequantize_row(token_type_, in.token_type(b, t), row);
        for (int64_t i = 0; i < H; ++i) xr[i] += row[i];
      }
    }
    add_and_norm(x, nullptr, embed_norm_, rows, pool);
  }

  void reserve(int64_t rows, int64_t attention_floats) {
    const auto n = [rows](int64_t width) { return static_cast<size_t>(rows * width); };
    const int64_t H = c_.hidden_size, T = c_.true_hidden_size, E = c_.embedding_size;
    x_.resize(n(H));
    spare_.resize(n(H));
    for (AlignedBuffer<float>* buf :
         {&layer_input_, &shared_, &q_, &k_, &v_, &ctx_, &a_, &a_spare_})
      buf->resize(n(T));
    intermediate_.resize(n(c_.intermediate_size));
    words_.resize(n(E));
    trigram_.resize(c_.trigram_input ? n(3 * E) : 0);
    row_.resize(static_cast<size_t>(H));
    attention_scratch_.resize(static_cast<size_t>(attention_floats));
  }

  ModelConfig c_;
  TensorView word_, position_, token_type_;  // [V, E], [P, H], [types, H]
  std::optional<Linear> transformation_;     // [H, 3E or E]
  Norm embed_norm_;
  std::vector<MobileBertLayer> layers_;
  AlignedBuffer<float> x_, spare_, layer_input_, shared_, q_, k_, v_, ctx_, a_, a_spare_;
  AlignedBuffer<float> intermediate_, words_, trigram_, row_, attention_scratch_;
  std::vector<uint8_t> mask_;
};

}  // namespace

std::unique_ptr<EncoderBody> make_mobilebert(const ModelConfig& c, const HfWeights& w,
                                             const LinearQuantizer* quant) {
  return std::make_unique<MobileBert>(c, w, quant);
}

}  // namespace lowspec
