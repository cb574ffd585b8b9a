#include "bench/runner.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "bench/child_process.h"
#include "bench/progress.h"
#include "core/error.h"

namespace lowspec {

namespace fs = std::filesystem;

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The last line of the worker's output that parses as a JSON object.
Json last_json_line(const std::string& out) {
  size_t end = out.size();
  while (end > 0) {
    size_t begin = out.rfind('\n', end - 1);
    begin = begin == std::string::npos ? 0 : begin + 1;
    std::string line = out.substr(begin, end - begin);
    if (!line.empty() && line[0] == '{') {
      Json j = Json::parse(line, nullptr, false);
      if (!j.is_discarded()) return j;
    }
    if (begin == 0) break;
    end = begin - 1;
  }
  return Json();
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Synthetic weights are written in the benchmarked float format; quantized formats are made at
// load from BF16 (the dtype the decoders are published in).
std::string synthetic_dtype(const std::string& format) {
  return format == "f32" || format == "f16" || format == "bf16" ? format : "bf16";
}

bool is_block_format(const std::string& format) {
  return format != "file" && synthetic_dtype(format) != format;
}

bool is_synthetic_decoder(const BenchModel& model) {
  const Json config = Json::parse(model.config, nullptr, false);
  const std::string type = config.is_object() ? config.value("model_type", "") : "";
  return type == "llama" || type == "phi" || type == "gemma";
}

// Quantized decoders run from a GGUF file that `lowspec quantize` wrote from the BF16 synthetic
// folder, memory-mapped as a user's downloaded file would be (no copy made at load).
std::string ensure_quantized_gguf(const BenchModel& model, const std::string& bf16_dir,
                                  const std::string& format) {
  const fs::path file = fs::path(cache_dir()) / "synth" / (model.name + "-" + format + ".gguf");
  if (fs::exists(file)) return file.string();
  std::fprintf(stderr, "writing %s ...\n", file.c_str());
  const fs::path partial = file.string() + ".partial.gguf";
  ChildResult r = run_child({self_executable(), "quantize", bf16_dir, "--to", format, "--out",
                             partial.string(), "--quiet"});
  if (r.exit_status != 0)
    throw Error(model.name, "quantizing the synthetic model failed: " + last_line(r.err));
  fs::rename(partial, file);
  return file.string();
}

Json probe(int threads) {
  ChildResult r =
      run_child({self_executable(), "bench-worker", "--probe", std::to_string(threads)}, 120);
  return r.exit_status == 0 ? last_json_line(r.out) : Json();
}

// Speed as a share of what the machine can do in the same minutes: decode against read
// bandwidth, prefill and encoders against the FP32 FMA peak, and where the worker ran int8
// kernels (block-quantized weights) also against the INT8 peak.
void add_ratios(Json& result, const Json& before, const Json& after) {
  const auto mean = [&](const char* key) {
    return (before.value(key, 0.0) + after.value(key, 0.0)) / 2;
  };
  const double bw = mean("read_gb_per_s"), peak = mean("fma_peak_gflops"),
               int8_peak = mean("int8_peak_gops");
  result["probe"] = {{"before", before},
                     {"after", after},
                     {"read_gb_per_s", bw},
                     {"fma_peak_gflops", peak},
                     {"int8_peak_gops", int8_peak}};
  const auto share = [&](const char* key, double of, const char* name) {
    if (of > 0 && result.contains(key)) result[name] = result[key].get<double>() / of;
  };
  share("decode_gb_per_s", bw, "decode_bandwidth_fraction");
  share("prefill_gflops", peak, "prefill_peak_fraction");
  share("gflops", peak, "peak_fraction");
  if (result.value("int8_kernels", false)) {
    share("prefill_gflops", int8_peak, "prefill_int8_fraction");
    share("gflops", int8_peak, "int8_fraction");
  }
}

}  // namespace

std::string ensure_synthetic_model(const BenchModel& model, const std::string& dtype) {
  fs::path dir = fs::path(cache_dir()) / "synth" / (model.name + "-" + dtype);
  if (fs::exists(dir / ".complete")) return dir.string();
  fs::create_directories(dir.parent_path());
  fs::path config = fs::path(cache_dir()) / "synth" / (model.name + ".config.json");
  {
    std::ofstream out(config);
    out << model.config;
    if (!out) throw Error(config.string(), "cannot write");
  }
  std::fprintf(stderr, "generating synthetic %s (%s) in %s ...\n", model.name.c_str(),
               dtype.c_str(), dir.c_str());
  fs::path partial = dir.string() + ".partial";
  fs::remove_all(partial);
  ChildResult r = run_child({self_executable(), "synth", config.string(), "--out", partial.string(),
                             "--dtype", dtype, "--seed", "0"});
  if (r.exit_status != 0)
    throw Error(model.name, "generating the synthetic model failed: " + last_line(r.err));
  std::ofstream(partial / ".complete") << utc_now() << "\n";
  fs::remove_all(dir);
  fs::rename(partial, dir);
  return dir.string();
}

StudySummary run_study(std::vector<BenchConfig> configs, ResultsStore& store,
                       const StudyOptions& options) {
  StudySummary summary;
  std::vector<BenchConfig*> todo;
  for (auto& c : configs) {
    if (store.has_run(c.key()))
      ++summary.skipped;
    else
      todo.push_back(&c);
  }
  if (summary.skipped > 0)
    std::fprintf(stderr, "%d of %zu configurations already in the results database: skipped\n",
                 summary.skipped, configs.size());
  Progress progress("bench", todo.size());
  for (size_t i = 0; i < todo.size(); ++i) {
    BenchConfig& c = *todo[i];
    std::string what = cat(c.model.name, " ", c.task, " ", c.weight_format, " t", c.threads, " b",
                           c.batch, c.round > 1 ? cat(" round ", c.round) : std::string());
    progress.update(i, what);
    try {
      if (c.model.synthetic && c.model.path.empty()) {
        c.model.path = ensure_synthetic_model(c.model, synthetic_dtype(c.weight_format));
        if (is_block_format(c.weight_format) && is_synthetic_decoder(c.model))
          c.model.path = ensure_quantized_gguf(c.model, c.model.path, c.weight_format);
      }
    } catch (const Error& e) {
      std::fprintf(stderr, "\n%s: %s\n", what.c_str(), e.what());
      ++summary.failed;
      continue;
    }
    // Bandwidth and peak drift with other tenants: probe right before and after each speed run.
    const bool probed = options.probe && c.task == "speed";
    Json probe_before = probed ? probe(c.threads) : Json();
    ChildResult r = run_child({self_executable(), "bench-worker", "--spec", c.to_json().dump()},
                              options.timeout_s);
    Json probe_after = probed ? probe(c.threads) : Json();
    Json result = last_json_line(r.out);
    if (r.exit_status != 0 || !result.is_object()) {
      std::fprintf(stderr, "\n%s: failed (exit %d): %s\n", what.c_str(), r.exit_status,
                   last_line(r.err).c_str());
      ++summary.failed;
      continue;
    }
    if (probe_before.is_object() && probe_after.is_object())
      add_ratios(result, probe_before, probe_after);
    result["config"] = c.to_json();
    result["peak_rss_bytes"] = r.peak_rss_bytes;  // the whole child, load included
    result["wall_ms"] = r.wall_ms;
    result["finished_at"] = utc_now();
    store.insert_run({c.key(), c.model.name, c.task, c.weight_format, c.threads, c.batch,
                      result["finished_at"], result});
    ++summary.ran;
    if (options.verbose) std::fprintf(stderr, "\n%s\n", result.dump().c_str());
  }
  progress.finish(
      cat(summary.ran, " ran, ", summary.skipped, " skipped, ", summary.failed, " failed"));
  return summary;
}

}  // namespace lowspec
