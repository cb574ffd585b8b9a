// lowspec quantize: a Hugging Face decoder folder written as a GGUF file (q8_0, q4_0, k-quants or
// float), with a summary of the types, sizes and cost of the conversion.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/command.h"
#include "bench/progress.h"
#include "core/error.h"
#include "core/process_memory.h"
#include "core/thread_pool.h"
#include "optimize/gguf_export.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/gguf_vocab_export.h"

namespace lowspec::app {
namespace {

struct QuantizeArgs {
  std::string model, to, out;
  int threads = 0;
  bool quiet = false;
  GgufExportOptions options;
};

bool write_tokenizer(GgufWriter& w, const ModelConfig& c, const std::string& model_dir) {
  auto id = [](int64_t v) { return v >= 0 ? std::optional<int32_t>(v) : std::nullopt; };
  const tokenizer::SpecialIds ids{id(c.bos_token_id),
                                  id(c.eos_token_ids.empty() ? -1 : c.eos_token_ids[0]),
                                  id(c.pad_token_id)};
  const auto vocab = tokenizer::gguf_vocab_from_folder(model_dir, ids, c.vocab_size);
  // Without one, say so: llama.cpp's loader requires the key and takes "none" as no vocabulary.
  if (vocab)
    tokenizer::add_gguf_vocab(w, *vocab);
  else
    w.add_string("tokenizer.ggml.model", std::string(tokenizer::kGgufNoVocab));
  return vocab.has_value();
}

void print_summary(const GgufExportSummary& s, const QuantizeArgs& a, double seconds) {
  std::fprintf(stderr, "wrote %s: %.1f MiB, %lld tensors%s%s\n", a.out.c_str(),
               static_cast<double>(s.file_bytes) / (1 << 20), static_cast<long long>([&] {
                 int64_t n = 0;
                 for (const auto& [type, t] : s.by_type) n += t.tensors;
                 return n;
               }()),
               s.tokenizer ? ", tokenizer"
                           : ", no tokenizer (the folder has no tokenizer.json or tokenizer.model)",
               s.tied_head ? ", tied head (output.weight omitted)" : "");
  for (const auto& [type, t] : s.by_type) {
    std::fprintf(stderr, "  %-5s %4lld tensors %12lld weights %10.1f MiB %6.2f bits/weight\n",
                 std::string(dtype_name(type)).c_str(), static_cast<long long>(t.tensors),
                 static_cast<long long>(t.elements), static_cast<double>(t.bytes) / (1 << 20),
                 8.0 * static_cast<double>(t.bytes) / static_cast<double>(t.elements));
  }
  if (s.shared > 0) {
    std::fprintf(stderr,
                 "  shared: %lld tensors identical to earlier ones stored once (%.1f MiB)\n",
                 static_cast<long long>(s.shared), static_cast<double>(s.shared_bytes) / (1 << 20));
  }
  for (const std::string& f : s.fallbacks) std::fprintf(stderr, "  fallback: %s\n", f.c_str());
  std::fprintf(stderr, "  all: %lld weights, %.2f bits/weight, %.1f s, peak RSS %.1f MiB\n",
               static_cast<long long>(s.elements),
               8.0 * static_cast<double>(s.tensor_bytes) / static_cast<double>(s.elements), seconds,
               static_cast<double>(process_memory().peak_rss_bytes) / (1 << 20));
}

int run(const QuantizeArgs& a) {
  const GgufTarget target = parse_gguf_target(a.to);
  // Every command tells a GGUF model from a folder by this suffix.
  check(std::filesystem::path(a.out).extension() == ".gguf", a.out,
        "the output file must end in .gguf");
  ThreadPool pool(a.threads > 0 ? a.threads : physical_cores());
  // A bar only for a person watching: not in logs, not when asked to be quiet.
  std::unique_ptr<Progress> bar;
  if (!a.quiet && isatty(STDERR_FILENO)) bar = std::make_unique<Progress>("quantize", 100);
  GgufExportProgress progress;
  if (bar) {
    progress = [&bar](uint64_t done, uint64_t total, const std::string& tensor) {
      bar->update(total ? done * 100 / total : 100, tensor);
    };
  }
  const auto start = std::chrono::steady_clock::now();
  const GgufExportSummary s = export_gguf(
      a.model, target, a.out, pool,
      [&a](GgufWriter& w, const ModelConfig& c) { return write_tokenizer(w, c, a.model); },
      a.options, progress);
  if (bar) bar->finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) print_summary(s, a, seconds);
  return 0;
}

CommandRegistrar quantize_command{
    {"quantize", "Write a Hugging Face decoder folder as a GGUF file (q8_0, q4_0, k-quants, float)",
     [](CLI::App& app) -> std::function<int()> {
       auto a = std::make_shared<QuantizeArgs>();
       app.add_option("MODEL", a->model, "Hugging Face model folder (llama, phi or gemma)")
           ->required();
       app.add_option("--to", a->to, std::string("weight format: ") + gguf_target_names())
           ->required();
       app.add_option("--out", a->out, "the .gguf file to write")->required();
       app.add_option("--threads", a->threads, "threads (default: physical cores)")
           ->check(CLI::Range(1, 4096));
       app.add_flag("--quiet", a->quiet, "no progress bar and no summary");
       app.add_flag("--share-identical", a->options.share_identical,
                    "store identical tensors once (two tensor infos, one data range; llama.cpp's "
                    "reader rejects such files)");
       return [a] { return run(*a); };
     }}};

}  // namespace
}  // namespace lowspec::app
