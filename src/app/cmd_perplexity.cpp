// lowspec perplexity: sliding-window perplexity of a causal LM over a text or a list of token ids,
// as the transformers docs compute it (runtime/perplexity.h).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/command.h"
#include "app/quant_option.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/mapped_file.h"
#include "models/decoder.h"
#include "optimize/weight_quant.h"
#include "models/encoder.h"
#include "runtime/perplexity.h"
#include "runtime/token_ids.h"
#include "tasks/pseudo_perplexity.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

struct PerplexityArgs {
  std::string model, text_file, ids_file;
  std::string quant;  // --quant: "" or a block format
  int64_t ctx = 0;     // 0: min(max_position_embeddings, 1024)
  int64_t stride = 0;  // 0: ctx / 2
  int threads = 0;
  bool json = false;
};

std::vector<int64_t> read_ids(const PerplexityArgs& a) {
  if (!a.ids_file.empty()) return parse_token_ids(read_text_file(a.ids_file), a.ids_file);
  const std::string text = read_text_file(a.text_file);
  std::unique_ptr<tokenizer::Tokenizer> tok;
  try {
    tok = tokenizer::load_tokenizer(a.model);
  } catch (const Error& e) {
    throw Error(cat(e.what(), " (--text needs the model's tokenizer; --ids takes token ids)"));
  }
  std::vector<int64_t> ids;
  for (int32_t id : tok->encode(text).ids) ids.push_back(id);  // with BOS, as the docs' tokenizer call
  return ids;
}

// Masked LMs (DistilBERT, MobileBERT): pseudo-perplexity, every token masked in turn, in
// consecutive windows of --ctx tokens (default: the model's positions).
int run_pseudo_perplexity(const PerplexityArgs& a) {
  EncoderModel model(a.model, parse_weight_quant(a.quant));
  const std::vector<int64_t> ids = read_ids(a);
  const auto tok = tokenizer::load_tokenizer(a.model);
  const int64_t ctx = a.ctx > 0 ? a.ctx : model.config().max_position_embeddings;
  ThreadPool pool(a.threads > 0 ? a.threads : physical_cores());
  const PseudoPerplexity r = pseudo_perplexity(model, *tok, ids, ctx, 16, pool);
  if (a.json) {
    Json j = {{"perplexity", r.pseudo_perplexity}, {"mean_nll", r.mean_nll},
              {"tokens_scored", r.tokens_scored},  {"windows", r.windows},
              {"method", "pseudo-perplexity"},     {"ctx", ctx}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("pseudo-perplexity %.4f (mean NLL %.6f over %lld tokens, %lld windows of %lld)\n",
                r.pseudo_perplexity, r.mean_nll, static_cast<long long>(r.tokens_scored),
                static_cast<long long>(r.windows), static_cast<long long>(ctx));
  }
  return 0;
}

int run(const PerplexityArgs& a) {
  check(a.text_file.empty() != a.ids_file.empty(), "", "give exactly one of --text and --ids");
  if (!is_decoder(load_model_config(a.model).family)) return run_pseudo_perplexity(a);
  Decoder decoder(a.model, parse_weight_quant(a.quant));
  const std::vector<int64_t> ids = read_ids(a);
  check(ids.size() >= 2, a.ids_file.empty() ? a.text_file : a.ids_file,
        cat("perplexity needs at least 2 tokens, got ", ids.size()));
  const int64_t ctx = a.ctx > 0 ? a.ctx : std::min<int64_t>(decoder.config().max_position_embeddings, 1024);
  const int64_t stride = a.stride > 0 ? a.stride : std::max<int64_t>(ctx / 2, 1);
  ThreadPool pool(a.threads > 0 ? a.threads : physical_cores());
  const PerplexityResult r = perplexity(decoder, ids, ctx, stride, pool);
  if (a.json) {
    Json j = {{"perplexity", r.perplexity},     {"mean_nll", r.mean_nll},
              {"tokens_scored", r.tokens_scored}, {"windows", r.windows},
              {"perplexity_hf_docs", r.perplexity_hf_docs}, {"tokens", ids.size()},
              {"ctx", ctx},                       {"stride", stride}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("perplexity %.4f (mean NLL %.6f over %lld tokens, %lld windows of %lld, stride %lld); "
                "HF docs' unweighted window mean: %.4f\n",
                r.perplexity, r.mean_nll, static_cast<long long>(r.tokens_scored),
                static_cast<long long>(r.windows), static_cast<long long>(ctx),
                static_cast<long long>(stride), r.perplexity_hf_docs);
  }
  return 0;
}

CommandRegistrar perplexity_command{{"perplexity", "Sliding-window perplexity of a causal LM (transformers docs' method); pseudo-perplexity of a masked LM",
                      [](CLI::App& app) -> std::function<int()> {
                        auto a = std::make_shared<PerplexityArgs>();
                        app.add_option("--model", a->model, "Hugging Face model folder")->required();
                        app.add_option("--text", a->text_file, "UTF-8 text file (needs the model's tokenizer)");
                        app.add_option("--ids", a->ids_file, "file of token ids separated by commas or whitespace");
                        app.add_option("--ctx", a->ctx, "window length (default: min(max_position_embeddings, 1024))")
                            ->check(CLI::Range(int64_t{2}, int64_t{1} << 30));
                        app.add_option("--stride", a->stride, "window step (default: ctx / 2)")
                            ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
                        app.add_option("--threads", a->threads, "threads (default: physical cores)")->check(CLI::Range(1, 4096));
                        add_quant_option(app, a->quant);
                        app.add_flag("--json", a->json, "print {perplexity, mean_nll, tokens_scored, windows, perplexity_hf_docs}");
                        return [a] { return run(*a); };
                      }}};

}  // namespace
}  // namespace lowspec::app
