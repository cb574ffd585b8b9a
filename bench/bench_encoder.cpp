// Encoder latency (DistilBERT, MobileBERT) for one batch at a sequence length, per thread count,
// as a share of the FP32 FMA peak measured in the same run; attention alone is timed too, at the
// same shapes, to show what it costs next to the matmuls.
//   bench_encoder MODEL [--seq 128] [--batch 1] [--threads 1,2] [--runs 10]
// MODEL: a Hugging Face folder, e.g. from `lowspec synth CONFIG --out DIR`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/machine_probe.h"
#include "models/encoder.h"
#include "models/encoder_attention.h"

using namespace lowspec;

namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Multiply-adds per token of every Linear in the stack plus attention (QK^T and PV), x2 FLOPs.
double forward_flops(const ModelConfig& c, int64_t batch, int64_t seq) {
  const double H = c.hidden_size, I = c.intermediate_size, L = seq;
  double per_token = 0;
  if (c.family == Family::DistilBert) {
    per_token = c.num_layers * (4 * H * H + 2 * H * I + 2 * L * H);
  } else {
    const double T = c.true_hidden_size, E = c.embedding_size;
    double layer = 2 * T * T + (c.use_bottleneck_attention ? T : H) * T + T * T;  // q, k, v, out
    if (c.use_bottleneck) layer += 2 * H * T + (c.key_query_shared_bottleneck ? H * T : 0);
    layer += c.num_feedforward_networks * 2 * T * I + 2 * L * T;
    per_token = c.num_layers * layer + (c.trigram_input ? 3 : 1) * E * H;
  }
  return 2 * per_token * batch * seq;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_encoder MODEL [--seq 128] [--batch 1] [--threads 1,2] [--runs 10]\n");
    return 2;
  }
  const std::string model_path = argv[1];
  int64_t seq = 128, batch = 1;
  int runs = 10;
  std::vector<int> thread_counts = {1, 2};
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seq")) seq = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) {
      thread_counts.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string t; std::getline(ss, t, ',');) thread_counts.push_back(std::atoi(t.c_str()));
    }
  }
  EncoderModel model(model_path);
  const ModelConfig& c = model.config();
  std::mt19937 rng(1);
  std::vector<int64_t> ids(batch * seq);
  for (int64_t& id : ids) id = 1000 + static_cast<int64_t>(rng() % (c.vocab_size - 1000));
  const double gflop = forward_flops(c, batch, seq) / 1e9;
  std::printf("%s %s: batch %lld, seq %lld, %.2f GFLOP per forward\n", c.architecture.c_str(),
              model_path.c_str(), static_cast<long long>(batch), static_cast<long long>(seq), gflop);

  // Attention alone at the model's shapes: q, k, v [batch * seq, heads * hd].
  const int64_t width = c.num_heads * c.head_dim;
  const AttentionShape shape{batch, seq, c.num_heads, c.head_dim, 1.0f};
  std::vector<float> qkv(3 * batch * seq * width), ctx(batch * seq * width);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  for (float& x : qkv) x = unit(rng);

  for (int threads : thread_counts) {
    ThreadPool pool(threads);
    const double peak = measure_fma_peak(pool);
    std::vector<float> start(batch * seq), end(batch * seq);
    std::vector<double> times, attention_times;
    for (int r = 0; r < runs + 2; ++r) {
      const double t0 = now_ms();
      const float* hidden = model.encode({batch, seq, ids.data()}, pool);
      if (model.head() == Head::QuestionAnswering)
        model.qa_logits(hidden, batch * seq, start.data(), end.data(), pool);
      if (r >= 2) times.push_back(now_ms() - t0);  // the first two warm up caches and pages
    }
    std::vector<float> scratch(encoder_attention_scratch(shape, threads));
    for (int r = 0; r < runs + 2; ++r) {
      const double t0 = now_ms();
      for (int64_t l = 0; l < c.num_layers; ++l)
        encoder_attention(shape, qkv.data(), qkv.data() + batch * seq * width,
                          qkv.data() + 2 * batch * seq * width, nullptr, ctx.data(), scratch.data(), pool);
      if (r >= 2) attention_times.push_back(now_ms() - t0);
    }
    const double ms = median(times), best = *std::min_element(times.begin(), times.end());
    std::printf("threads %d: median %.1f ms (best %.1f), %.1f GFLOP/s = %.0f %% of FP32 peak %.0f; "
                "attention (all layers) %.1f ms\n",
                threads, ms, best, gflop / ms * 1e3, 100 * gflop / ms * 1e3 / peak, peak,
                median(attention_times));
  }
  return 0;
}
