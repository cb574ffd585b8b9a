#include "bench/worker.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "bench/stats.h"
#include "core/cpu_features.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/process_memory.h"
#include "core/thread_pool.h"
#include "core/version.h"
#include "kernels/machine_probe.h"
#include "models/decoder.h"
#include "models/encoder.h"
#include "optimize/weight_quant.h"
#include "tasks/eval_scoring.h"
#include "tasks/eval_task.h"

namespace lowspec {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

Json machine_json(int threads) {
  utsname u{};
  uname(&u);
  const CpuFeatures& f = cpu_features();
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return Json{{"cpu_model", f.model_name},
              {"cpu_features", f.summary()},
              {"logical_cores", sysconf(_SC_NPROCESSORS_ONLN)},
              {"physical_cores", physical_cores()},
              {"ram_bytes", static_cast<uint64_t>(pages) * static_cast<uint64_t>(page)},
              {"os", cat(u.sysname, " ", u.release, " ", u.machine)},
              {"threads", threads},
              {"lowspec_version", version()},
              {"git_commit", git_commit()}};
}

int64_t argmax(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (x[i] > x[best]) best = i;
  return best;
}

// The weight format of a run: the file as stored ("file", or a float dtype the synthetic model
// was written in), a .gguf file already in its format, or a block format applied at load.
std::optional<DType> load_time_quant(const BenchConfig& cfg, const char* what) {
  const std::string& f = cfg.weight_format;
  if (f == "file" || f == "f32" || f == "f16" || f == "bf16") return std::nullopt;
  if (std::filesystem::path(cfg.model.path).extension() == ".gguf") return std::nullopt;
  const std::optional<DType> quant = parse_weight_quant(f);
  if (!quant) throw Error(cat("weight format ", f, " is not available for ", what));
  return quant;
}

// Decoder speed: prefill `prompt_tokens` random ids, then decode `gen_tokens` greedily, per row
// of the batch; warm-up runs first, then the timed repetitions.
Json decoder_speed(const BenchConfig& cfg) {
  const std::optional<DType> quant = load_time_quant(cfg, "decoders");
  auto t_load = Clock::now();
  Decoder dec(cfg.model.path, quant);
  const ModelConfig& c = dec.config();
  ThreadPool pool(cfg.threads);
  const int64_t B = cfg.batch, P = cfg.prompt_tokens, G = cfg.gen_tokens;
  DecoderState state(c, B, P + G, P, cfg.threads);
  double load_ms = ms_since(t_load);

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> token(3, c.vocab_size - 1);
  std::vector<int64_t> prompt(static_cast<size_t>(B * P)), positions(static_cast<size_t>(B * P));
  for (auto& id : prompt) id = token(rng);
  for (int64_t i = 0; i < B * P; ++i) positions[i] = i % P;
  std::vector<float> logits(static_cast<size_t>(B * c.vocab_size));
  std::vector<int64_t> next(static_cast<size_t>(B)), next_pos(static_cast<size_t>(B));

  std::vector<double> prefill_ms, decode_ms;
  double ttft_ms = 0;
  for (int rep = 0; rep < cfg.warmup + cfg.repetitions; ++rep) {
    const bool timed = rep >= cfg.warmup;
    state.reset();
    auto t0 = Clock::now();
    dec.forward(state, {P, prompt.data(), positions.data(), nullptr, nullptr}, pool);
    for (int64_t b = 0; b < B; ++b)
      dec.logits(state.hidden() + ((b + 1) * P - 1) * c.hidden_size, 1,
                 logits.data() + b * c.vocab_size, pool);
    double prefill = ms_since(t0);
    if (rep == 0) ttft_ms = load_ms + prefill;
    if (timed) prefill_ms.push_back(prefill / static_cast<double>(P));
    for (int64_t g = 1; g < G; ++g) {
      for (int64_t b = 0; b < B; ++b) {
        next[b] = argmax(logits.data() + b * c.vocab_size, c.vocab_size);
        next_pos[b] = P + g - 1;
      }
      auto t1 = Clock::now();
      dec.forward(state, {1, next.data(), next_pos.data(), nullptr, nullptr}, pool);
      dec.logits(state.hidden(), B, logits.data(), pool);
      if (timed) decode_ms.push_back(ms_since(t1));
    }
  }
  SampleStats decode = sample_stats(decode_ms);
  SampleStats prefill = sample_stats(prefill_ms);
  // Prefill work per row: every layer matrix on every token, causal attention (QK^T and PV over
  // half the P x P square), and the lm_head on the last token.
  const double layer_params = static_cast<double>(
      count_parameters(c) - c.vocab_size * c.hidden_size * (c.tie_word_embeddings ? 1 : 2));
  const double prefill_flops =
      static_cast<double>(B) *
      (2.0 * layer_params * static_cast<double>(P) +
       2.0 * static_cast<double>(P * P * c.num_heads * c.head_dim * c.num_layers) +
       2.0 * static_cast<double>(c.vocab_size * c.hidden_size));
  // Every matrix and the lm_head once, as held (the embedding table only when it is the head).
  const uint64_t bytes = decode_matrix_bytes(dec.weights());
  // Block-quantized layer matrices run int8 kernels, whether the file held them or load made them.
  const bool int8_kernels =
      !dec.weights().layers.empty() && dtype_is_quantized(dec.weights().layers.front().q.dtype);
  ProcessMemory mem = process_memory();
  Json r{
      {"kind", "decoder"},
      {"int8_kernels", int8_kernels},
      {"family", family_name(c.family)},
      {"parameters", count_parameters(c)},
      {"load_ms", load_ms},
      {"ttft_ms", ttft_ms},
      {"prefill_ms_per_token", prefill.to_json()},
      {"decode_ms_per_token", decode.to_json()},
      {"decode_tokens_per_s",
       decode.mean > 0 ? 1000.0 * static_cast<double>(B) / decode.mean : 0.0},
      {"prefill_tokens_per_s",
       prefill.mean > 0 ? 1000.0 * static_cast<double>(B) / prefill.mean : 0.0},
      {"prefill_gflop", prefill_flops / 1e9},
      {"prefill_gflops",
       prefill.p50 > 0 ? prefill_flops / (prefill.p50 * static_cast<double>(P) * 1e6) : 0.0},
      {"weight_bytes", dec.file_bytes()},
      {"decode_bytes_per_token", bytes},
      {"decode_gb_per_s", decode.p50 > 0 ? static_cast<double>(bytes) / (decode.p50 * 1e6) : 0.0},
      {"kv_cache_and_scratch_bytes", state.bytes()},
      {"rss_file_bytes", mem.rss_file_bytes},
      {"rss_anon_bytes", mem.rss_anon_bytes},
      {"self_peak_rss_bytes", mem.peak_rss_bytes}};
  return r;
}

// Multiply-adds of one encoder forward, counted as 2 FLOPs: every matrix applied to every token
// (the parameters outside the embedding tables), plus attention's QK^T and PV.
double encoder_forward_flops(const ModelConfig& c, int64_t batch, int64_t seq) {
  const double tokens = static_cast<double>(batch * seq);
  int64_t tables =
      c.vocab_size * (c.family == Family::MobileBert ? c.embedding_size : c.hidden_size) +
      c.max_position_embeddings * c.hidden_size + c.type_vocab_size * c.hidden_size;
  double matrices = static_cast<double>(count_parameters(c) - tables);
  int64_t attn_width = c.family == Family::MobileBert ? c.true_hidden_size : c.hidden_size;
  double attention = 4.0 * static_cast<double>(batch) * static_cast<double>(seq * seq) *
                     static_cast<double>(attn_width) * static_cast<double>(c.num_layers);
  return 2.0 * matrices * tokens + attention;
}

// Encoder speed: forward + head over a batch of `prompt_tokens`-long sequences of random ids.
Json encoder_speed(const BenchConfig& cfg) {
  const std::optional<DType> quant = load_time_quant(cfg, "encoders");
  auto t_load = Clock::now();
  EncoderModel model(cfg.model.path, quant);
  const ModelConfig& c = model.config();
  double load_ms = ms_since(t_load);
  if (cfg.prompt_tokens > c.max_position_embeddings)
    throw Error(cat("sequence length ", cfg.prompt_tokens, " exceeds the model's ",
                    c.max_position_embeddings, " positions"));
  ThreadPool pool(cfg.threads);
  const int64_t B = cfg.batch, S = cfg.prompt_tokens;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> token(1000 < c.vocab_size ? 1000 : 1, c.vocab_size - 1);
  std::vector<int64_t> ids(static_cast<size_t>(B * S));
  for (auto& id : ids) id = token(rng);
  EncoderBatch batch{B, S, ids.data(), nullptr, nullptr, nullptr};
  std::vector<float> start(static_cast<size_t>(B * S)), end(static_cast<size_t>(B * S));
  std::vector<float> mlm(c.head == Head::MaskedLM ? static_cast<size_t>(S * c.vocab_size) : 0);
  std::vector<double> latency;
  for (int rep = 0; rep < cfg.warmup + cfg.repetitions; ++rep) {
    auto t0 = Clock::now();
    const float* hidden = model.encode(batch, pool);
    if (c.head == Head::QuestionAnswering)
      model.qa_logits(hidden, B * S, start.data(), end.data(), pool);
    if (c.head == Head::MaskedLM)
      model.mlm_logits(hidden, S, mlm.data(), pool);  // one row's tokens
    if (rep >= cfg.warmup) latency.push_back(ms_since(t0));
  }
  SampleStats lat = sample_stats(latency);
  HfWeights weights(cfg.model.path);
  double flops = encoder_forward_flops(c, B, S);
  ProcessMemory mem = process_memory();
  return Json{{"kind", "encoder"},
              {"int8_kernels", quant.has_value()},  // encoders are stored in float
              {"family", family_name(c.family)},
              {"parameters", count_parameters(c)},
              {"load_ms", load_ms},
              {"latency_ms", lat.to_json()},
              {"sequences_per_s", lat.p50 > 0 ? 1000.0 * static_cast<double>(B) / lat.p50 : 0.0},
              {"forward_gflop", flops / 1e9},
              {"gflops", lat.p50 > 0 ? flops / (lat.p50 * 1e6) : 0.0},
              {"weight_bytes", weights.file_bytes()},
              {"rss_file_bytes", mem.rss_file_bytes},
              {"rss_anon_bytes", mem.rss_anon_bytes},
              {"self_peak_rss_bytes", mem.peak_rss_bytes}};
}

// Quality (perplexity, qa, summarize over cfg.data, cfg.limit examples; 0: all) as lowspec eval
// runs it, with the task's own generation budget. Random weights give figures computed the same
// way, but they say nothing about a model: their quality carries "meaningful": false. `quality`
// holds one number per figure (ROUGE F-measures, BLEU score), `figures` the full set.
Json quality(const BenchConfig& cfg) {
  const std::optional<DType> quant = load_time_quant(cfg, "quality tasks");
  if (cfg.data.empty())
    throw Error(cat("bench spec: task \"", cfg.task, "\" needs a dataset file (data)"));
  EvalOptions options;
  options.model = cfg.model.path;
  options.task = parse_eval_task(cfg.task);
  options.data = cfg.data;
  options.sampling = {static_cast<size_t>(std::max(cfg.limit, 0)), 0};
  options.threads = cfg.threads;
  options.quant = quant;
  const Json report = eval_report_json(run_eval(options));
  const ProcessMemory mem = process_memory();
  Json r{{"kind", is_decoder(load_model_config(cfg.model.path).family) ? "decoder" : "encoder"},
         {"family", report["family"]},
         {"quality", headline_figures(report["figures"])},
         {"figures", report["figures"]},
         {"method", report["method"]},
         {"settings", report["settings"]},
         {"examples", report["examples"]},
         {"ms_per_example", report["ms_per_example"]},
         {"total_ms", report["total_ms"]},
         {"rss_file_bytes", mem.rss_file_bytes},
         {"rss_anon_bytes", mem.rss_anon_bytes},
         {"self_peak_rss_bytes", mem.peak_rss_bytes}};
  if (cfg.model.synthetic) r["quality"]["meaningful"] = false;
  return r;
}

}  // namespace

Json run_machine_probe(int threads, size_t buffer_bytes) {
  ThreadPool pool(threads);
  ReadBandwidthProbe bandwidth(buffer_bytes, pool);
  return Json{{"threads", threads},
              {"read_gb_per_s", bandwidth.measure(pool)},
              {"fma_peak_gflops", measure_fma_peak(pool)},
              {"int8_peak_gops", measure_int8_peak(pool)}};
}

Json run_bench_worker(const BenchConfig& cfg) {
  if (cfg.threads < 1 || cfg.batch < 1 || cfg.prompt_tokens < 1)
    throw Error("bench spec: threads, batch and prompt_tokens must be >= 1");
  Json r;
  if (cfg.task == "speed") {
    ModelConfig c = load_model_config(cfg.model.path);
    r = is_decoder(c.family) ? decoder_speed(cfg) : encoder_speed(cfg);
  } else if (cfg.task == "perplexity" || cfg.task == "qa" || cfg.task == "summarize") {
    r = quality(cfg);
  } else {
    throw Error(cat("task \"", cfg.task, "\" is not wired into lowspec bench yet"));
  }
  r["machine"] = machine_json(cfg.threads);
  r["synthetic_weights"] = cfg.model.synthetic;
  return r;
}

}  // namespace lowspec
