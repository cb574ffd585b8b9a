#include "formats/synth_layout.h"

#include "core/error.h"

namespace lowspec {

int64_t TensorSpec::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {

// Layers beyond this are a broken or hostile config (published models have at most ~100), and
// would make the layout itself large.
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxFeedforwardNetworks = 64;  // MobileBERT stacks 4

// Appends tensors, checking that element counts (and their total) fit int64_t.
class LayoutBuilder {
 public:
  LayoutBuilder(std::vector<TensorSpec>& out, const std::string& path) : out_(out), path_(path) {}
  void tensor(const std::string& name, std::vector<int64_t> shape, TensorRole role) {
    int64_t numel = 1;
    for (int64_t d : shape)
      check(d >= 0 && !__builtin_mul_overflow(numel, d, &numel), path_, cat("tensor ", name, ": shape overflows"));
    check(!__builtin_add_overflow(total_, numel, &total_), path_, "the config describes more than 2^63 parameters");
    out_.push_back({name, std::move(shape), role});
  }
  // nn.Linear(in, out): weight [out, in] and, with a bias, bias [out].
  void linear(const std::string& name, int64_t in, int64_t out, bool bias,
              TensorRole role = TensorRole::Matrix) {
    tensor(name + ".weight", {out, in}, role);
    if (bias) tensor(name + ".bias", {out}, TensorRole::Bias);
  }
  void norm(const std::string& name, int64_t width, bool bias) {
    tensor(name + ".weight", {width}, TensorRole::NormWeight);
    if (bias) tensor(name + ".bias", {width}, TensorRole::Bias);
  }

 private:
  std::vector<TensorSpec>& out_;
  const std::string& path_;
  int64_t total_ = 0;
};

void llama_or_gemma(const ModelConfig& c, LayoutBuilder& b) {
  const int64_t H = c.hidden_size, q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
  const bool bias = c.attention_bias;
  b.tensor("model.embed_tokens.weight", {c.vocab_size, H}, TensorRole::Embedding);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = cat("model.layers.", l, ".");
    b.norm(p + "input_layernorm", H, false);
    b.linear(p + "self_attn.q_proj", H, q, bias);
    b.linear(p + "self_attn.k_proj", H, kv, bias);
    b.linear(p + "self_attn.v_proj", H, kv, bias);
    b.linear(p + "self_attn.o_proj", q, H, bias, TensorRole::ResidualOut);
    b.norm(p + "post_attention_layernorm", H, false);
    b.linear(p + "mlp.gate_proj", H, c.intermediate_size, false);
    b.linear(p + "mlp.up_proj", H, c.intermediate_size, false);
    b.linear(p + "mlp.down_proj", c.intermediate_size, H, false, TensorRole::ResidualOut);
  }
  b.norm("model.norm", H, false);
  if (!c.tie_word_embeddings) b.linear("lm_head", H, c.vocab_size, false);
}

void phi(const ModelConfig& c, LayoutBuilder& b) {
  const int64_t H = c.hidden_size, q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
  b.tensor("model.embed_tokens.weight", {c.vocab_size, H}, TensorRole::Embedding);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = cat("model.layers.", l, ".");
    b.norm(p + "input_layernorm", H, true);
    b.linear(p + "self_attn.q_proj", H, q, true);
    b.linear(p + "self_attn.k_proj", H, kv, true);
    b.linear(p + "self_attn.v_proj", H, kv, true);
    b.linear(p + "self_attn.dense", q, H, true, TensorRole::ResidualOut);
    b.linear(p + "mlp.fc1", H, c.intermediate_size, true);
    b.linear(p + "mlp.fc2", c.intermediate_size, H, true, TensorRole::ResidualOut);
  }
  b.norm("model.final_layernorm", H, true);
  if (!c.tie_word_embeddings) b.tensor("lm_head.weight", {c.vocab_size, H}, TensorRole::Matrix);
  b.tensor("lm_head.bias", {c.vocab_size}, TensorRole::Bias);
}

void distilbert(const ModelConfig& c, LayoutBuilder& b) {
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  b.tensor("distilbert.embeddings.word_embeddings.weight", {c.vocab_size, H}, TensorRole::Embedding);
  b.tensor("distilbert.embeddings.position_embeddings.weight", {c.max_position_embeddings, H},
           TensorRole::Embedding);
  b.norm("distilbert.embeddings.LayerNorm", H, true);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = cat("distilbert.transformer.layer.", l, ".");
    b.linear(p + "attention.q_lin", H, H, true);
    b.linear(p + "attention.k_lin", H, H, true);
    b.linear(p + "attention.v_lin", H, H, true);
    b.linear(p + "attention.out_lin", H, H, true, TensorRole::ResidualOut);
    b.norm(p + "sa_layer_norm", H, true);
    b.linear(p + "ffn.lin1", H, I, true);
    b.linear(p + "ffn.lin2", I, H, true, TensorRole::ResidualOut);
    b.norm(p + "output_layer_norm", H, true);
  }
  if (c.head == Head::QuestionAnswering) b.linear("qa_outputs", H, 2, true);
  if (c.head == Head::MaskedLM) {
    b.linear("vocab_transform", H, H, true);
    b.norm("vocab_layer_norm", H, true);
    b.tensor("vocab_projector.bias", {c.vocab_size}, TensorRole::Bias);  // weight tied
  }
}

void mobilebert(const ModelConfig& c, LayoutBuilder& b) {
  const int64_t H = c.hidden_size, I = c.intermediate_size, E = c.embedding_size, T = c.true_hidden_size;
  b.tensor("mobilebert.embeddings.word_embeddings.weight", {c.vocab_size, E}, TensorRole::Embedding);
  b.tensor("mobilebert.embeddings.position_embeddings.weight", {c.max_position_embeddings, H},
           TensorRole::Embedding);
  if (c.type_vocab_size > 0)
    b.tensor("mobilebert.embeddings.token_type_embeddings.weight", {c.type_vocab_size, H},
             TensorRole::Embedding);
  b.linear("mobilebert.embeddings.embedding_transformation", E * (c.trigram_input ? 3 : 1), H, true);
  b.norm("mobilebert.embeddings.LayerNorm", H, true);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = cat("mobilebert.encoder.layer.", l, ".");
    b.linear(p + "attention.self.query", T, T, true);
    b.linear(p + "attention.self.key", T, T, true);
    b.linear(p + "attention.self.value", c.use_bottleneck_attention ? T : H, T, true);
    b.linear(p + "attention.output.dense", T, T, true, TensorRole::ResidualOut);
    b.norm(p + "attention.output.LayerNorm", T, true);
    if (c.use_bottleneck) {
      b.linear(p + "bottleneck.input.dense", H, T, true);
      b.norm(p + "bottleneck.input.LayerNorm", T, true);
      if (c.key_query_shared_bottleneck) {
        b.linear(p + "bottleneck.attention.dense", H, T, true);
        b.norm(p + "bottleneck.attention.LayerNorm", T, true);
      }
    }
    for (int64_t f = 0; f + 1 < c.num_feedforward_networks; ++f) {
      const std::string q = cat(p, "ffn.", f, ".");
      b.linear(q + "intermediate.dense", T, I, true);
      b.linear(q + "output.dense", I, T, true, TensorRole::ResidualOut);
      b.norm(q + "output.LayerNorm", T, true);
    }
    b.linear(p + "intermediate.dense", T, I, true);
    b.linear(p + "output.dense", I, T, true, TensorRole::ResidualOut);
    b.norm(p + "output.LayerNorm", T, true);
    if (c.use_bottleneck) {
      b.linear(p + "output.bottleneck.dense", T, H, true, TensorRole::ResidualOut);
      b.norm(p + "output.bottleneck.LayerNorm", H, true);
    }
  }
  if (c.head == Head::QuestionAnswering) b.linear("qa_outputs", H, 2, true);
  if (c.head == Head::MaskedLM) {
    b.linear("cls.predictions.transform.dense", H, H, true);
    b.norm("cls.predictions.transform.LayerNorm", H, true);
    // The output matrix is [word_embeddings^T ; dense]: only the part beyond E is stored.
    b.tensor("cls.predictions.dense.weight", {H - E, c.vocab_size}, TensorRole::Matrix);
    b.tensor("cls.predictions.bias", {c.vocab_size}, TensorRole::Bias);
  }
}

}  // namespace

std::vector<TensorSpec> model_tensor_layout(const ModelConfig& c) {
  check(c.num_layers <= kMaxLayers, c.path,
        cat("num_hidden_layers ", c.num_layers, " is more than lowspec supports (", kMaxLayers, ")"));
  check(c.num_feedforward_networks <= kMaxFeedforwardNetworks, c.path,
        cat("num_feedforward_networks ", c.num_feedforward_networks, " is more than lowspec supports (",
            kMaxFeedforwardNetworks, ")"));
  std::vector<TensorSpec> out;
  LayoutBuilder b(out, c.path);
  switch (c.family) {
    case Family::Llama:
    case Family::Gemma: llama_or_gemma(c, b); break;
    case Family::Phi: phi(c, b); break;
    case Family::DistilBert: distilbert(c, b); break;
    case Family::MobileBert: mobilebert(c, b); break;
  }
  return out;
}

int64_t residual_branches_per_layer(const ModelConfig& c) {
  if (c.family == Family::MobileBert) return c.num_feedforward_networks + (c.use_bottleneck ? 2 : 1);
  return 2;
}

}  // namespace lowspec
