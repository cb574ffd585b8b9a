// lowspec qa: extractive question answering with an encoder QA checkpoint, as Hugging Face's
// question-answering pipeline computes it (windows of 384 tokens, stride 128, spans <= 30).
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "app/command.h"
#include "app/quant_option.h"
#include "optimize/weight_quant.h"
#include "core/error.h"
#include "core/json_util.h"
#include "tasks/qa.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

struct QaArgs {
  std::string model, tokenizer, question, context, context_file;
  int64_t top_k = 1;
  std::string quant;  // --quant: "" or a block format
  int threads = 0;
  bool json = false;
};

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  check(in.good(), path, "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json answer_json(const QaAnswer& a) {
  return {{"score", a.score}, {"start", a.start}, {"end", a.end}, {"answer", a.text}};
}

int run(const QaArgs& args) {
  check(args.context.empty() != args.context_file.empty(), "",
        "give the context with exactly one of --context and --context-file");
  const std::string context = args.context_file.empty() ? args.context : read_text_file(args.context_file);
  EncoderModel model(args.model, parse_weight_quant(args.quant));
  const auto tok = tokenizer::load_tokenizer(args.tokenizer.empty() ? args.model : args.tokenizer);
  ThreadPool pool(args.threads > 0 ? args.threads : physical_cores());
  QaOptions options;
  options.top_k = args.top_k;
  const std::vector<QaAnswer> answers = answer_question(model, *tok, args.question, context, options, pool);
  if (args.json) {
    // HF's pipeline: one object for top_k 1, a list otherwise.
    Json out = Json::array();
    for (const QaAnswer& a : answers) out.push_back(answer_json(a));
    if (args.top_k == 1 && out.size() == 1) out = out[0];
    std::printf("%s\n", out.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    return 0;
  }
  for (const QaAnswer& a : answers)
    std::printf("%.4f\t[%lld, %lld)\t%s\n", a.score, static_cast<long long>(a.start),
                static_cast<long long>(a.end), a.text.c_str());
  return 0;
}

CommandRegistrar qa_command{{"qa", "Answer a question from a context with an encoder QA model (DistilBERT, MobileBERT)",
                      [](CLI::App& app) -> std::function<int()> {
                        auto args = std::make_shared<QaArgs>();
                        app.add_option("--model", args->model, "Hugging Face model folder")->required();
                        app.add_option("--question", args->question, "the question")->required();
                        app.add_option("--context", args->context, "the text to find the answer in");
                        app.add_option("--context-file", args->context_file, "a UTF-8 file holding the context");
                        app.add_option("--tokenizer", args->tokenizer, "tokenizer file or folder (default: the model folder)");
                        app.add_option("--top-k", args->top_k, "answers to return (default 1)")
                            ->check(CLI::Range(int64_t{1}, int64_t{1000}));
                        add_quant_option(app, args->quant);
                        app.add_option("--threads", args->threads, "threads (default: physical cores)")
                            ->check(CLI::Range(1, 4096));
                        app.add_flag("--json", args->json, "print {\"score\",\"start\",\"end\",\"answer\"} (a list with --top-k > 1)");
                        return [args] { return run(*args); };
                      }}};

}  // namespace
}  // namespace lowspec::app
