#include "models/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "kernels/activations.h"
#include "kernels/attention.h"
#include "kernels/matmul.h"
#include "kernels/norms.h"
#include "kernels/rope.h"

namespace lowspec {
namespace {

// Elementwise work below this size runs on the calling thread: a decode step's MLP activation
// (5632 to 16384 values) costs less than waking the pool.
constexpr int64_t kElementwiseGrain = 16384;

const float* or_null(const std::vector<float>& v) { return v.empty() ? nullptr : v.data(); }

void activate(Activation a, float* x, int64_t n) {
  switch (a) {
    case Activation::Silu: return silu(x, n);
    case Activation::GeluTanh: return gelu_tanh(x, n);
    case Activation::Gelu: return gelu_erf(x, n);
    case Activation::Relu: return relu(x, n);
  }
}

void check_decoder_config(const ModelConfig& c) {
  check(is_decoder(c.family), c.path, cat("model_type \"", c.model_type, "\" is not a decoder (",
                                          "llama, phi or gemma)"));
  check(c.num_kv_heads > 0 && c.num_heads % c.num_kv_heads == 0, c.path,
        cat("num_attention_heads (", c.num_heads, ") must be a multiple of num_key_value_heads (",
            c.num_kv_heads, ")"));
  check(c.rotary_dims >= 2 && c.rotary_dims % 2 == 0 && c.rotary_dims <= c.head_dim, c.path,
        cat("rotary dimensions per head (", c.rotary_dims, ") must be even and within head_dim (",
            c.head_dim, ")"));
  check(c.vocab_size > 0 && c.hidden_size > 0 && c.intermediate_size > 0 && c.num_layers > 0 &&
            c.max_position_embeddings > 0,
        c.path, "vocab_size, hidden_size, intermediate_size, num_hidden_layers and "
                "max_position_embeddings must be positive");
}

}  // namespace

Decoder::Decoder(const std::string& model_path, std::optional<DType> quant)
    : Decoder(load_model_config(model_path), model_path, quant) {}

Decoder::Decoder(ModelConfig config, const std::string& model_path, std::optional<DType> quant)
    : config_((check_decoder_config(config), std::move(config))), path_(model_path) {
  if (std::filesystem::path(model_path).extension() == ".gguf") {
    gguf_file_ = GgufFile::open(model_path);
    w_ = load_decoder_weights(config_, GgufHfTensors(*gguf_file_, config_));
  } else {
    hf_file_.emplace(model_path);
    w_ = load_decoder_weights(config_, *hf_file_);
  }
  if (quant) {
    ThreadPool pool(physical_cores());
    quantize_decoder_matrices(w_, *quant, quantized_, pool);
  }
}

void Decoder::compute_rope_tables(DecoderState& s, const DecoderStep& step, int64_t rows) const {
  const ModelConfig& c = config_;
  const int64_t rot = c.rotary_dims, half = rot / 2;
  const float factor = static_cast<float>(c.rope_scaling_factor);
  float base = static_cast<float>(c.rope_theta);
  if (c.rope_scaling_type == "dynamic") {
    // NTK scaling as HF 4.40: the base grows once the sequence outgrows max_position_embeddings.
    // Llama/Gemma size it by the largest position of this call, Phi by the cached length.
    int64_t seq_len = s.length + step.tokens;
    if (c.family != Family::Phi)
      seq_len = *std::max_element(step.positions, step.positions + rows) + 1;
    if (seq_len > c.max_position_embeddings) {
      const float grown = factor * static_cast<float>(seq_len) /
                          static_cast<float>(c.max_position_embeddings) - (factor - 1.0f);
      base *= std::pow(grown, static_cast<float>(rot) / static_cast<float>(rot - 2));
    }
  }
  rope_inv_freq(base, rot, s.inv_freq.data());
  for (int64_t m = 0; m < rows; ++m) {
    float pos = static_cast<float>(step.positions[m]);
    if (c.rope_scaling_type == "linear") pos /= factor;
    rope_angles(pos, s.inv_freq.data(), half, s.rope_cos.data() + m * half, s.rope_sin.data() + m * half);
  }
}

// Rotates q and k, appends k and v to the cache at slots length..length+T-1, and attends:
// s.att[M, heads*hd]. Query head h reads kv head h / (heads / kv_heads).
void Decoder::attention(DecoderState& s, int64_t layer, const DecoderStep& step, ThreadPool& pool) const {
  const ModelConfig& c = config_;
  const int64_t B = s.batch, T = step.tokens, M = B * T, P = s.length;
  const int64_t hd = c.head_dim, nh = c.num_heads, nkv = c.num_kv_heads, half = c.rotary_dims / 2;
  const int64_t q_dim = nh * hd, kv_dim = nkv * hd, group = nh / nkv;
  const auto rotate = w_.rope_pairs_interleaved ? rope_rotate_pairs : rope_rotate;
  pool.parallel_for(M, 1, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      const int64_t b = m / T, slot = P + m % T;
      const float* cos = s.rope_cos.data() + m * half;
      const float* sin = s.rope_sin.data() + m * half;
      for (int64_t h = 0; h < nh; ++h) rotate(s.q.data() + m * q_dim + h * hd, half, cos, sin);
      for (int64_t g = 0; g < nkv; ++g) {
        float* k = s.k.data() + m * kv_dim + g * hd;
        rotate(k, half, cos, sin);
        store_key(s.keys(layer, b, g), slot, k, hd);
        std::memcpy(s.values(layer, b, g) + slot * hd, s.v.data() + m * kv_dim + g * hd, sizeof(float) * hd);
      }
    }
  });
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int64_t items = B * nh * T;  // (row, head, token), heads of one kv head adjacent
  pool.run([&](int thread, int threads) {
    float* scores = s.scores.data() + thread * s.scores_stride();
    for (int64_t i = items * thread / threads; i < items * (thread + 1) / threads; ++i) {
      const int64_t b = i / (nh * T), h = i / T % nh, t = i % T, m = b * T + t, g = h / group;
      const uint8_t* mask = step.key_mask ? step.key_mask + b * s.max_context : nullptr;
      attend_head(s.q.data() + m * q_dim + h * hd, s.keys(layer, b, g), s.values(layer, b, g),
                  P + t + 1, mask, hd, scale, scores, s.att.data() + m * q_dim + h * hd);
    }
  });
}

void Decoder::forward(DecoderState& s, const DecoderStep& step, ThreadPool& pool) const {
  const ModelConfig& c = config_;
  const int64_t B = s.batch, T = step.tokens, M = B * T, S = s.length + T;
  const int64_t V = c.vocab_size, H = c.hidden_size, I = c.intermediate_size;
  const int64_t q_dim = c.num_heads * c.head_dim;
  const bool phi = c.family == Family::Phi;
  const float eps = static_cast<float>(c.norm_eps);
  if (T < 1 || T > s.max_step_tokens || pool.size() > s.threads || s.layers != c.num_layers)
    throw InternalError(cat("Decoder::forward: step of ", T, " tokens, ", pool.size(),
                            " threads does not fit the state"));
  check(S <= s.max_context, path_,
        cat("context of ", S, " tokens does not fit the ", s.max_context, "-token KV cache"));
  float *x = s.x.data(), *xn = s.xn.data(), *proj = s.proj.data();
  auto record = [&](int64_t index, const float* src) {
    if (step.hidden_states) std::memcpy(step.hidden_states + index * M * H, src, sizeof(float) * M * H);
  };
  auto norm_rows = [&](const std::vector<float>& w, const std::vector<float>& b, const float* in, float* out) {
    pool.parallel_for(M, 1, [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        if (phi)
          layer_norm(in + m * H, w.data(), b.data(), eps, H, out + m * H);
        else
          rms_norm(in + m * H, w.data(), eps, H, out + m * H);
      }
    });
  };

  // x[M, H] = embed(ids); Gemma scales by sqrt(H) rounded to float32.
  const float embed_scale = c.family == Family::Gemma ? static_cast<float>(std::sqrt(static_cast<double>(H))) : 1.0f;
  for (int64_t m = 0; m < M; ++m) {
    const int64_t id = step.ids[m];
    check(id >= 0 && id < V, path_, cat("token id ", id, " is outside the vocabulary [0, ", V, ")"));
    dequantize_row(w_.embed, id, x + m * H);
    if (embed_scale != 1.0f)
      for (int64_t i = 0; i < H; ++i) x[m * H + i] *= embed_scale;
  }
  record(0, x);
  compute_rope_tables(s, step, M);

  for (int64_t l = 0; l < c.num_layers; ++l) {
    const DecoderLayerWeights& L = w_.layers[l];
    norm_rows(L.attn_norm_w, L.attn_norm_b, x, xn);
    const MatmulOutput q{&L.q, or_null(L.q_bias), s.q.data()};  // [M, heads*hd]
    const MatmulOutput k{&L.k, or_null(L.k_bias), s.k.data()};  // [M, kv*hd]
    const MatmulOutput v{&L.v, or_null(L.v_bias), s.v.data()};  // [M, kv*hd]
    if (phi) {  // the MLP's up projection reads the same LayerNorm output: one dispatch for all
      matmul_shared_input(xn, M, H, {q, k, v, {&L.up, or_null(L.up_bias), s.up.data()}}, pool);
    } else {
      matmul_shared_input(xn, M, H, {q, k, v}, pool);
    }
    attention(s, l, step, pool);                                  // att [M, heads*hd]
    matmul(s.att.data(), M, q_dim, L.o, or_null(L.o_bias), proj, pool);  // [M, H]
    if (phi) {
      // Parallel block: both branches read the same LayerNorm output.
      float *up = s.up.data(), *mlp = s.mlp_out.data();  // up [M, I] from above
      pool.parallel_for(M * I, kElementwiseGrain, [&](int64_t i0, int64_t i1) { activate(c.activation, up + i0, i1 - i0); });
      matmul(up, M, I, L.down, or_null(L.down_bias), mlp, pool);  // [M, H]
      for (int64_t i = 0; i < M * H; ++i) x[i] = (proj[i] + mlp[i]) + x[i];
    } else {
      for (int64_t i = 0; i < M * H; ++i) x[i] += proj[i];
      norm_rows(L.mlp_norm_w, {}, x, xn);
      float *gate = s.gate.data(), *up = s.up.data();
      matmul_shared_input(xn, M, H, {{&L.gate, nullptr, gate}, {&L.up, nullptr, up}},
                          pool);  // [M, I] each
      pool.parallel_for(M * I, kElementwiseGrain, [&](int64_t i0, int64_t i1) {
        activate(c.activation, gate + i0, i1 - i0);
        for (int64_t i = i0; i < i1; ++i) gate[i] *= up[i];
      });
      matmul(gate, M, I, L.down, nullptr, proj, pool);  // [M, H]
      for (int64_t i = 0; i < M * H; ++i) x[i] += proj[i];
    }
    if (l + 1 < c.num_layers) record(l + 1, x);
  }
  norm_rows(w_.final_norm_w, w_.final_norm_b, x, xn);
  record(c.num_layers, xn);
  s.length = S;
}

void Decoder::logits(const float* hidden, int64_t rows, float* out, ThreadPool& pool) const {
  matmul(hidden, rows, config_.hidden_size, w_.lm_head, or_null(w_.lm_head_bias), out, pool);
}

std::vector<int64_t> positions_from_mask(const std::vector<int64_t>& mask, int64_t batch, int64_t seq) {
  std::vector<int64_t> pos(static_cast<size_t>(batch * seq));
  for (int64_t b = 0; b < batch; ++b) {
    int64_t seen = 0;
    for (int64_t t = 0; t < seq; ++t) {
      const size_t i = static_cast<size_t>(b * seq + t);
      pos[i] = mask[i] != 0 ? seen++ : 1;
    }
  }
  return pos;
}

}  // namespace lowspec
