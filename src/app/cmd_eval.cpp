// lowspec eval: a quality task (qa, summarize, perplexity) over a dataset file, with the figures,
// every prediction, the time per example and the peak memory of the run.
#include <cstdio>
#include <memory>
#include <string>

#include "app/command.h"
#include "bench/progress.h"
#include "core/error.h"
#include "core/json_util.h"
#include "optimize/weight_quant.h"
#include "tasks/eval_task.h"

namespace lowspec::app {
namespace {

struct EvalArgs {
  std::string model, task, data, quant = "file";
  size_t limit = 0;
  uint64_t seed = 0;
  int threads = 0;
  int64_t max_new_tokens = 0;
  bool json = false;
};

std::string figures_line(const EvalReport& r) {
  const Json& f = r.figures;
  char buf[512];
  if (r.task == "qa") {
    std::snprintf(buf, sizeof buf, "exact_match = %.2f  f1 = %.2f", f["exact_match"].get<double>(),
                  f["f1"].get<double>());
  } else if (r.task == "summarize") {
    std::snprintf(buf, sizeof buf, "ROUGE F1: rouge1 = %.4f  rouge2 = %.4f  rougeL = %.4f  rougeLsum = %.4f;  BLEU = %.2f",
                  f["rouge1"]["fmeasure"].get<double>(), f["rouge2"]["fmeasure"].get<double>(),
                  f["rougeL"]["fmeasure"].get<double>(), f["rougeLsum"]["fmeasure"].get<double>(),
                  f["bleu"]["score"].get<double>());
  } else {
    const char* name = f.contains("perplexity") ? "perplexity" : "pseudo_perplexity";
    std::snprintf(buf, sizeof buf, "%s = %.4f  (mean NLL %.6f over %lld tokens)", name, f[name].get<double>(),
                  f["mean_nll"].get<double>(), static_cast<long long>(f["tokens_scored"].get<int64_t>()));
  }
  return buf;
}

int run(const EvalArgs& a) {
  EvalOptions options;
  if (a.quant != "file") options.quant = parse_weight_quant(a.quant);
  options.model = a.model;
  options.task = parse_eval_task(a.task);
  options.data = a.data;
  options.sampling = {a.limit, a.seed};
  options.threads = a.threads;
  options.max_new_tokens = a.max_new_tokens;

  std::unique_ptr<Progress> bar;  // made on the first report, when the number of examples is known
  auto progress = [&](size_t done, size_t total, const std::string& what) {
    if (!bar) bar = std::make_unique<Progress>(cat("eval ", a.task), total);
    bar->update(done, what);
  };
  const EvalReport report = run_eval(options, progress);
  const Json j = eval_report_json(report);
  if (bar) bar->finish(figures_line(report));
  if (a.json) {
    std::printf("%s\n", j.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s\n", figures_line(report).c_str());
    std::printf("%zu examples (%s), %.1f ms per example, %d threads, peak RSS %.1f MiB\n", report.items.size(),
                report.method.c_str(), j["ms_per_example"].get<double>(), report.threads,
                static_cast<double>(j["peak_rss_bytes"].get<uint64_t>()) / (1024.0 * 1024.0));
  }
  return 0;
}

CommandRegistrar eval_command{{"eval", "Evaluate a model's quality on a dataset: qa (SQuAD), summarize (CNN/DailyMail), perplexity",
                      [](CLI::App& app) -> std::function<int()> {
                        auto a = std::make_shared<EvalArgs>();
                        app.add_option("--model", a->model, "Hugging Face model folder (with its tokenizer)")->required();
                        app.add_option("--task", a->task, "qa, summarize or perplexity")->required();
                        app.add_option("--data", a->data,
                                       "dataset: SQuAD .json/.jsonl (qa), CNN/DailyMail .csv/.jsonl (summarize), "
                                       "WikiText .raw or a text file (perplexity)")
                            ->required();
                        app.add_option("--limit", a->limit, "examples to sample from the dataset (0: all)");
                        app.add_option("--seed", a->seed, "seed choosing the sampled examples");
                        app.add_option("--quant", a->quant, "weight format: file (as stored), or q8_0 / q4_0 / q4_k / q5_k / q6_k quantized at load")
                            ->capture_default_str();
                        app.add_option("--threads", a->threads, "threads (default: physical cores)")->check(CLI::Range(1, 4096));
                        app.add_option("--max-new-tokens", a->max_new_tokens,
                                       "tokens a decoder may generate per example (default: qa 32, summarize 128)")
                            ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
                        app.add_flag("--json", a->json,
                                     "print {figures, settings, examples, predictions, ms_per_example, peak_rss_bytes, items, ...}");
                        return [a] { return run(*a); };
                      }}};

}  // namespace
}  // namespace lowspec::app
