// lowspec bench: runs the benchmark matrix (models x tasks x formats x threads x batch), each
// configuration in its own process, resumable, into the results database.
#include <filesystem>
#include <sstream>

#include "app/command.h"
#include "bench/results_store.h"
#include "bench/runner.h"
#include "bench/suite.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "formats/model_config.h"

namespace lowspec::app {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<int> split_ints(const std::string& s, const char* flag) {
  std::vector<int> out;
  for (const auto& item : split_list(s)) {
    try {
      size_t used = 0;
      int v = std::stoi(item, &used);
      if (used != item.size() || v < 1) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      throw Error(cat(flag, ": \"", item, "\" is not a positive integer"));
    }
  }
  return out;
}

struct BenchArgs {
  std::string models, formats, threads, batch = "1", tasks = "speed", db, data;
  int prompt_tokens = 128, gen_tokens = 64, repetitions = 2, warmup = 1, limit = 0, rounds = 1;
  double timeout_s = 1800;
  bool list = false, verbose = false, no_probe = false;
};

BenchModel resolve_model(const std::string& spec) {
  for (const auto& m : default_suite_models())
    if (m.name == spec) return m;
  std::error_code ec;
  if (!fs::exists(spec, ec))
    throw Error(spec, "no such model folder or file, and not a built-in suite model (tinyllama-1.1b, "
                      "phi-2, gemma-2b, distilbert-base-squad, mobilebert-squad)");
  fs::path p = fs::absolute(spec);
  std::string name = p.filename().string();
  if (name.empty()) name = p.parent_path().filename().string();
  return BenchModel{name, p.string(), "", false};
}

bool model_is_decoder(const BenchModel& m) {
  if (!m.config.empty()) return is_decoder(parse_model_config(Json::parse(m.config), m.name).family);
  if (fs::path(m.path).extension() == ".gguf") return true;
  return is_decoder(load_model_config(m.path).family);
}

int run(const BenchArgs& a) {
  std::vector<BenchModel> models;
  if (a.models.empty()) models = default_suite_models();
  for (const auto& spec : split_list(a.models)) models.push_back(resolve_model(spec));
  std::vector<int> threads = a.threads.empty() ? std::vector<int>{1, physical_cores()}
                                               : split_ints(a.threads, "--threads");
  if (threads.size() == 2 && threads[0] == threads[1]) threads.pop_back();
  std::vector<int> batches = split_ints(a.batch, "--batch");
  std::vector<BenchConfig> configs;
  for (const auto& m : models) {
    bool decoder = model_is_decoder(m);
    std::vector<std::string> formats = split_list(a.formats);
    if (formats.empty()) formats = {decoder ? (m.synthetic ? "bf16" : "file") : (m.synthetic ? "f32" : "file")};
    for (const auto& task : split_list(a.tasks)) {
      if (task != "speed" && task != "perplexity" && task != "qa" && task != "summarize")
        throw Error(cat("--tasks: unknown task \"", task, "\" (speed, perplexity, qa, summarize)"));
      if (task != "speed" && a.data.empty())
        throw Error(cat("--tasks ", task, " needs --data FILE (a dataset file)"));
      for (const auto& f : formats)
        for (int t : threads)
          for (int b : batches) {
            BenchConfig c;
            c.model = m;
            c.task = task;
            c.weight_format = f;
            c.threads = t;
            c.batch = b;
            c.prompt_tokens = a.prompt_tokens;
            c.gen_tokens = decoder ? a.gen_tokens : 0;
            c.repetitions = a.repetitions;
            c.warmup = a.warmup;
            c.data = task == "speed" ? "" : fs::absolute(a.data).string();
            c.limit = a.limit;
            configs.push_back(std::move(c));
          }
    }
  }
  // Each further round repeats the whole matrix after the one before, so a configuration's
  // repeats land minutes apart and the machine's drift shows in their spread.
  const size_t per_round = configs.size();
  for (int round = 2; round <= a.rounds; ++round) {
    for (size_t i = 0; i < per_round; ++i) {
      BenchConfig c = configs[i];
      c.round = round;
      configs.push_back(std::move(c));
    }
  }
  std::string db = a.db.empty() ? (fs::path(cache_dir()) / "results.db").string() : a.db;
  if (!a.db.empty() || !fs::exists(fs::path(db).parent_path()))
    fs::create_directories(fs::absolute(db).parent_path());
  auto store = open_sqlite_store(db);
  if (a.list) {
    for (const auto& c : configs)
      std::printf("%s  %s\n", store->has_run(c.key()) ? "done" : "todo", c.key().c_str());
    return 0;
  }
  std::fprintf(stderr, "results database: %s\n", db.c_str());
  StudySummary s = run_study(configs, *store, {a.timeout_s, a.verbose, !a.no_probe});
  return s.failed > 0 ? 1 : 0;
}

CommandRegistrar bench_command{{"bench",
                      "Run the benchmark study: speed, memory and quality of each model x format "
                      "x threads x batch, each in its own process; resumable (finished "
                      "configurations are not run again)",
                      [](CLI::App& app) -> std::function<int()> {
                        auto a = std::make_shared<BenchArgs>();
                        app.add_option("--models", a->models,
                                       "Comma-separated model folders/.gguf files or built-in suite "
                                       "names (default: the five families at real shapes with "
                                       "synthetic weights)");
                        app.add_option("--quant", a->formats,
                                       "Weight formats, comma-separated: file,f32,f16,bf16,q8_0,q4_0,q4_k,q4_k_m,q6_k "
                                       "(default: bf16 for decoders, f32 for encoders; built-in "
                                       "decoders in a block format run from a GGUF file written by "
                                       "lowspec quantize, other models quantize at load)");
                        app.add_option("--threads", a->threads,
                                       "Thread counts, comma-separated (default: 1 and the physical cores)");
                        app.add_option("--batch", a->batch, "Batch sizes, comma-separated")->capture_default_str();
                        app.add_option("--tasks", a->tasks, "speed,perplexity,qa,summarize")->capture_default_str();
                        app.add_option("--data", a->data, "Dataset file for quality tasks");
                        app.add_option("--limit", a->limit, "Examples of the dataset for quality tasks (0: all)");
                        app.add_option("--prompt-tokens", a->prompt_tokens,
                                       "Prefill length (decoders) or sequence length (encoders)")
                            ->capture_default_str()->check(CLI::Range(1, 1 << 20));
                        app.add_option("--gen-tokens", a->gen_tokens, "Tokens to decode (decoders)")
                            ->capture_default_str()->check(CLI::Range(1, 1 << 20));
                        app.add_option("--reps", a->repetitions, "Timed repetitions per configuration")
                            ->capture_default_str()->check(CLI::Range(1, 1000));
                        app.add_option("--rounds", a->rounds,
                                       "Run the whole matrix this many times, one round after "
                                       "another, so each configuration is measured at different "
                                       "times; lowspec report gives the median of the rounds")
                            ->capture_default_str()
                            ->check(CLI::Range(1, 100));
                        app.add_option("--warmup", a->warmup, "Untimed warm-up runs")
                            ->capture_default_str()->check(CLI::Range(0, 100));
                        app.add_option("--db", a->db, "Results database (default: ~/.cache/lowspec/results.db)");
                        app.add_option("--timeout", a->timeout_s, "Seconds per configuration")->capture_default_str();
                        app.add_flag("--list", a->list, "Print the matrix and what is done; run nothing");
                        app.add_flag("-v,--verbose", a->verbose, "Print each run's record");
                        app.add_flag("--no-probe", a->no_probe,
                                     "Skip the bandwidth/FMA-peak probes around each speed run "
                                     "(no ratios in the records)");
                        return [a] { return run(*a); };
                      }}};

}  // namespace
}  // namespace lowspec::app
