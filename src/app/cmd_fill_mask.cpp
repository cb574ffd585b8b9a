// lowspec fill-mask: the most likely tokens for every [MASK] in a text, with a masked-LM
// encoder, as Hugging Face's fill-mask pipeline reports them.
#include <cstdio>
#include <memory>
#include <string>

#include "app/command.h"
#include "app/quant_option.h"
#include "optimize/weight_quant.h"
#include "core/json_util.h"
#include "tasks/fill_mask.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

struct FillMaskArgs {
  std::string model, tokenizer, text;
  int64_t top_k = 5;
  std::string quant;  // --quant: "" or a block format
  int threads = 0;
  bool json = false;
};

int run(const FillMaskArgs& args) {
  EncoderModel model(args.model, parse_weight_quant(args.quant));
  const auto tok = tokenizer::load_tokenizer(args.tokenizer.empty() ? args.model : args.tokenizer);
  ThreadPool pool(args.threads > 0 ? args.threads : physical_cores());
  const std::vector<MaskFill> fills = fill_mask(model, *tok, args.text, args.top_k, pool);
  if (args.json) {
    // HF's pipeline: a list of candidates for one mask, a list of such lists for several.
    Json out = Json::array();
    for (const MaskFill& f : fills) {
      Json candidates = Json::array();
      for (const MaskCandidate& c : f.candidates)
        candidates.push_back({{"score", c.score}, {"token", c.token_id}, {"token_str", c.token},
                              {"sequence", c.sequence}});
      out.push_back(std::move(candidates));
    }
    if (out.size() == 1) out = out[0];
    std::printf("%s\n", out.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    return 0;
  }
  for (const MaskFill& f : fills) {
    std::printf("mask at token %lld:\n", static_cast<long long>(f.position));
    for (const MaskCandidate& c : f.candidates)
      std::printf("  %.4f\t%s\t%s\n", c.score, c.token.c_str(), c.sequence.c_str());
  }
  return 0;
}

CommandRegistrar fill_mask_command{{"fill-mask", "Predict the tokens behind [MASK] with a masked-LM encoder (DistilBERT, MobileBERT)",
                      [](CLI::App& app) -> std::function<int()> {
                        auto args = std::make_shared<FillMaskArgs>();
                        app.add_option("--model", args->model, "Hugging Face model folder")->required();
                        app.add_option("--text", args->text, "text with one or more [MASK] tokens")->required();
                        app.add_option("--tokenizer", args->tokenizer, "tokenizer file or folder (default: the model folder)");
                        app.add_option("--top-k", args->top_k, "candidates per mask (default 5)")
                            ->check(CLI::Range(int64_t{1}, int64_t{1000}));
                        add_quant_option(app, args->quant);
                        app.add_option("--threads", args->threads, "threads (default: physical cores)")
                            ->check(CLI::Range(1, 4096));
                        app.add_flag("--json", args->json, "print [{\"score\",\"token\",\"token_str\",\"sequence\"}, ...] per mask");
                        return [args] { return run(*args); };
                      }}};

}  // namespace
}  // namespace lowspec::app
