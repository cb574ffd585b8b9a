// lowspec compare: what quantization costs in quality. The model is loaded twice, as stored and
// quantized, both score the same token windows, and the per-position distributions are compared
// (runtime/quant_compare.h for decoders, tasks/masked_lm_compare.h for masked LMs).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/command.h"
#include "bench/progress.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/mapped_file.h"
#include "models/decoder.h"
#include "models/encoder.h"
#include "optimize/weight_quant.h"
#include "runtime/quant_compare.h"
#include "runtime/token_ids.h"
#include "tasks/masked_lm_compare.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

// Masked copies per encoder forward, as lowspec perplexity runs pseudo-perplexity.
constexpr int64_t kMaskedCopiesPerBatch = 16;

struct CompareArgs {
  std::string model, quant, text_file, ids_file;
  int64_t ctx = 0;     // 0: decoders min(max_position_embeddings, 1024), encoders their positions
  int64_t stride = 0;  // 0: ctx / 2 (decoders)
  int64_t max_tokens = 0;  // 0: the whole text
  int threads = 0;
  bool json = false;
};

std::vector<int64_t> read_ids(const CompareArgs& a, const tokenizer::Tokenizer* tok) {
  std::vector<int64_t> ids;
  if (!a.ids_file.empty()) {
    ids = parse_token_ids(read_text_file(a.ids_file), a.ids_file);
  } else {
    check(tok != nullptr, a.model, "--text needs the model's tokenizer (--ids takes token ids)");
    for (int32_t id : tok->encode(read_text_file(a.text_file)).ids) ids.push_back(id);
  }
  if (a.max_tokens > 0 && static_cast<int64_t>(ids.size()) > a.max_tokens)
    ids.resize(static_cast<size_t>(a.max_tokens));
  return ids;
}

std::unique_ptr<tokenizer::Tokenizer> load_tokenizer_if_needed(const CompareArgs& a, bool needed) {
  if (!needed) return nullptr;
  try {
    return tokenizer::load_tokenizer(a.model);
  } catch (const Error& e) {
    throw Error(cat(e.what(), " (--text needs the model's tokenizer; --ids takes token ids)"));
  }
}

void print(const CompareArgs& a, const DistributionComparison& r, const Json& settings) {
  const double ref = r.ref_perplexity(), quant = r.quant_perplexity();
  const std::string ppl =
      settings["method"] == "pseudo-perplexity" ? "pseudo-perplexity" : "perplexity";
  if (a.json) {
    Json j = {{"reference_perplexity", ref},
              {"quant_perplexity", quant},
              {"perplexity_ratio", quant / ref},
              {"perplexity_delta", quant - ref},
              {"mean_kl", r.mean_kl()},
              {"max_kl", r.kl_max},
              {"top1_agreement", r.top1_agreement()},
              {"positions", r.positions},
              {"windows", r.windows},
              {"quant", a.quant}};
    j.update(settings);
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%-22s %14s %14s\n", "", "reference", a.quant.c_str());
  std::printf("%-22s %14.4f %14.4f\n", ppl.c_str(), ref, quant);
  std::printf("%-22s %14s %14.6f  (delta %+.4f)\n", "perplexity ratio", "", quant / ref,
              quant - ref);
  std::printf("%-22s %14s %14.6g\n", "mean KL(ref||quant)", "", r.mean_kl());
  std::printf("%-22s %14s %14.6g\n", "max KL(ref||quant)", "", r.kl_max);
  std::printf("%-22s %14s %14.4f\n", "top-1 agreement", "", r.top1_agreement());
  std::printf("%-22s %14s %14lld  (%lld windows, %s)\n", "positions", "",
              static_cast<long long>(r.positions), static_cast<long long>(r.windows),
              settings["positions_compared"].get<std::string>().c_str());
}

int run(const CompareArgs& a) {
  check(a.text_file.empty() != a.ids_file.empty(), "", "give exactly one of --text and --ids");
  const std::optional<DType> quant = parse_weight_quant(a.quant);
  const bool decoder = is_decoder(load_model_config(a.model).family);
  const auto tok = load_tokenizer_if_needed(a, !decoder || !a.text_file.empty());
  const std::vector<int64_t> ids = read_ids(a, tok.get());
  const std::string& input = a.ids_file.empty() ? a.text_file : a.ids_file;
  check(ids.size() >= 2, input, cat("compare needs at least 2 tokens, got ", ids.size()));
  ThreadPool pool(a.threads > 0 ? a.threads : physical_cores());
  std::unique_ptr<Progress> bar;  // made on the first report, when the windows are known
  const CompareProgress progress = [&](int64_t done, int64_t total) {
    if (!bar) bar = std::make_unique<Progress>("compare", static_cast<uint64_t>(total));
    bar->update(static_cast<uint64_t>(done));
  };

  DistributionComparison r;
  Json settings;
  if (decoder) {
    const Decoder ref(a.model);
    const Decoder quantized(a.model, quant);
    const int64_t ctx =
        a.ctx > 0 ? a.ctx : std::min<int64_t>(ref.config().max_position_embeddings, 1024);
    const int64_t stride = a.stride > 0 ? a.stride : std::max<int64_t>(ctx / 2, 1);
    r = compare_decoders(ref, quantized, ids, ctx, stride, pool, progress);
    settings = {{"method", "perplexity"},
                {"positions_compared", "every scored next-token position"},
                {"ctx", ctx},
                {"stride", stride}};
  } else {
    EncoderModel ref(a.model);
    EncoderModel quantized(a.model, quant);
    const MaskedLmSpecials specials = masked_lm_specials(*tok);
    const int64_t window = a.ctx > 0 ? a.ctx : ref.config().max_position_embeddings;
    r = compare_masked_lms(ref, quantized, strip_specials(ids, specials), specials, window,
                           kMaskedCopiesPerBatch, pool, progress);
    settings = {{"method", "pseudo-perplexity"},
                {"positions_compared", "each token masked in turn"},
                {"ctx", std::min(window, ref.config().max_position_embeddings)}};
  }
  if (bar) bar->finish();
  print(a, r, settings);
  return 0;
}

CommandRegistrar compare_command{
    {"compare",
     "Quality cost of a weight quantization: perplexity, KL divergence and top-1 agreement of the "
     "quantized model against the model as stored",
     [](CLI::App& app) -> std::function<int()> {
       auto a = std::make_shared<CompareArgs>();
       app.add_option("--model", a->model, "Hugging Face model folder")->required();
       app.add_option("--quant", a->quant, "weight format to compare: q8_0, q4_0, q4_k, q5_k, q6_k (none: itself)")
           ->required();
       app.add_option("--text", a->text_file, "UTF-8 text file (needs the model's tokenizer)");
       app.add_option("--ids", a->ids_file, "file of token ids separated by commas or whitespace");
       app.add_option("--ctx", a->ctx,
                      "window length (decoders: min(max_position_embeddings, 1024); encoders: "
                      "their positions)")
           ->check(CLI::Range(int64_t{2}, int64_t{1} << 30));
       app.add_option("--stride", a->stride, "window step for decoders (default: ctx / 2)")
           ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
       app.add_option("--max-tokens", a->max_tokens, "compare only the first N tokens of the text")
           ->check(CLI::Range(int64_t{2}, int64_t{1} << 40));
       app.add_option("--threads", a->threads, "threads (default: physical cores)")
           ->check(CLI::Range(1, 4096));
       app.add_flag("--json", a->json,
                    "print {reference_perplexity, quant_perplexity, perplexity_ratio, mean_kl, "
                    "max_kl, top1_agreement, positions, ...}");
       return [a] { return run(*a); };
     }}};

}  // namespace
}  // namespace lowspec::app
