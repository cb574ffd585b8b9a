// lowspec generate: text (or token ids) in, new tokens out, with the speed of prefill and decode
// and the peak memory of the run.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/command.h"
#include "app/quant_option.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/process_memory.h"
#include "formats/gguf.h"
#include "models/decoder.h"
#include "optimize/weight_quant.h"
#include "runtime/generate.h"
#include "runtime/token_ids.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

struct GenerateArgs {
  std::string model, prompt, prompt_ids;
  std::string quant;  // --quant: "" or a block format
  std::vector<std::string> stop;
  int64_t max_new_tokens = 0;  // 0: generation_config.json's, else 64 (within the context)
  std::optional<double> temperature, top_p, min_p, repetition_penalty;
  std::optional<int64_t> top_k;
  uint64_t seed = 0;
  int threads = 0;
  bool json = false;
};

bool has_tokenizer(const std::string& model) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::path(model).extension() == ".gguf") {
    return tokenizer::gguf_has_vocab(GgufFile::open(model));
  }
  if (!fs::is_directory(model, ec)) return false;
  for (const char* f : {"tokenizer.json", "tokenizer.model"})
    if (fs::exists(fs::path(model) / f, ec)) return true;
  return false;
}

// Sampling as transformers' generate(): greedy unless a temperature > 0 is given (or the model's
// generation_config.json asks for sampling); unset knobs come from generation_config.json.
SamplingParams sampling_params(const GenerateArgs& a, const GenerationConfig& g) {
  SamplingParams p;
  const bool sample = a.temperature ? *a.temperature > 0 : g.do_sample;
  p.temperature = sample ? a.temperature.value_or(g.temperature) : 0.0;
  p.top_k = a.top_k.value_or(g.top_k);
  p.top_p = a.top_p.value_or(g.top_p);
  p.min_p = a.min_p.value_or(0.0);
  p.repetition_penalty = a.repetition_penalty.value_or(g.repetition_penalty);
  return p;
}

int run(const GenerateArgs& a) {
  check(a.prompt.empty() != a.prompt_ids.empty(), "",
        "give exactly one of --prompt and --prompt-ids");
  Decoder decoder(a.model, parse_weight_quant(a.quant));
  const ModelConfig& c = decoder.config();
  const GenerationConfig gen = load_generation_config(a.model, c);

  std::unique_ptr<tokenizer::Tokenizer> tok;
  if (has_tokenizer(a.model)) tok = tokenizer::load_tokenizer(a.model);
  check(tok || (a.prompt.empty() && a.stop.empty()), a.model,
        "no tokenizer found for the model (tokenizer.json, tokenizer.model or GGUF "
        "tokenizer.ggml.*): "
        "--prompt and --stop "
        "need one; pass token ids with --prompt-ids");
  std::vector<int64_t> prompt;
  if (!a.prompt.empty()) {
    for (int32_t id : tok->encode(a.prompt).ids) prompt.push_back(id);
  } else {
    prompt = parse_token_ids(a.prompt_ids, "--prompt-ids");
  }
  check(!prompt.empty(), "", "the prompt is empty: give at least one token");

  GenerateOptions o;
  o.sampling = sampling_params(a, gen);
  o.seed = a.seed;
  o.eos_ids = gen.eos_token_ids;
  o.pad_id = gen.pad_token_id >= 0 ? gen.pad_token_id : (o.eos_ids.empty() ? 0 : o.eos_ids[0]);
  const int64_t room = c.max_position_embeddings - static_cast<int64_t>(prompt.size());
  check(room > 0, a.model,
        cat("the prompt of ", prompt.size(), " tokens fills the model's context (",
            "max_position_embeddings = ", c.max_position_embeddings, ")"));
  // An explicit --max-new-tokens beyond the context is an error (in generate); a default is fitted.
  o.max_new_tokens =
      a.max_new_tokens > 0
          ? a.max_new_tokens
          : std::min<int64_t>(gen.max_new_tokens > 0 ? gen.max_new_tokens : 64, room);

  ThreadPool pool(a.threads > 0 ? a.threads : physical_cores());
  // With a tokenizer: stream the text (unless --json) and stop at a stop string.
  std::vector<int32_t> new_ids;
  std::string text;
  size_t printed = 0;
  auto on_tokens = [&](const int64_t* ids) {
    if (!tok) return true;
    new_ids.push_back(static_cast<int32_t>(ids[0]));
    text = tok->decode(new_ids, {.skip_special_tokens = true, .clean_up_tokenization_spaces = {}});
    bool stop = false;
    for (const std::string& s : a.stop) {
      const size_t at = text.find(s);
      if (at != std::string::npos) {
        text.resize(at);
        stop = true;
      }
    }
    // Hold back a trailing U+FFFD: the next token may complete the character.
    const bool partial = text.size() >= 3 && text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") == 0;
    if (!a.json && (!partial || stop) && text.size() > printed) {
      std::fwrite(text.data() + printed, 1, text.size() - printed, stdout);
      std::fflush(stdout);
      printed = text.size();
    }
    return !stop;
  };
  const GenerateResult r = generate(decoder, {prompt}, o, pool, on_tokens);

  const double prefill_ms_per_token = r.prefill_ms / static_cast<double>(r.prefill_tokens);
  const double decode_ms_per_token =
      r.decode_steps > 0 ? r.decode_ms / static_cast<double>(r.decode_steps) : 0.0;
  const double peak_rss_mib =
      static_cast<double>(process_memory().peak_rss_bytes) / (1024.0 * 1024.0);
  if (a.json) {
    Json j = {{"ids", r.new_ids[0]},
              {"text", text},
              {"prefill_ms_per_token", prefill_ms_per_token},
              {"decode_ms_per_token", decode_ms_per_token},
              {"prompt_tokens", r.prefill_tokens},
              {"new_tokens", r.new_ids[0].size()},
              {"threads", pool.size()},
              {"peak_rss_mib", peak_rss_mib}};
    std::printf("%s\n", j.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    if (tok && text.size() > printed)
      std::fwrite(text.data() + printed, 1, text.size() - printed, stdout);
    if (!tok)
      for (size_t i = 0; i < r.new_ids[0].size(); ++i)
        std::printf(i ? " %lld" : "%lld", static_cast<long long>(r.new_ids[0][i]));
    std::printf("\n");
    std::fprintf(stderr,
                 "prefill %.2f ms/token (%lld tokens), decode %.2f ms/token (%lld tokens), %d "
                 "threads, peak RSS %.1f MiB\n",
                 prefill_ms_per_token, static_cast<long long>(r.prefill_tokens),
                 decode_ms_per_token, static_cast<long long>(r.decode_steps), pool.size(),
                 peak_rss_mib);
  }
  return 0;
}

CommandRegistrar generate_command{
    {"generate", "Generate tokens from a prompt with a causal LM (greedy with --temperature 0)",
     [](CLI::App& app) -> std::function<int()> {
       auto a = std::make_shared<GenerateArgs>();
       app.add_option("--model", a->model, "Hugging Face model folder or .gguf file")->required();
       app.add_option("--prompt", a->prompt, "prompt text (needs the model's tokenizer)");
       app.add_option("--prompt-ids", a->prompt_ids, "prompt token ids, e.g. 1,2,3");
       app.add_option("--max-new-tokens", a->max_new_tokens,
                      "tokens to generate (default: generation_config.json's, else 64)")
           ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
       app.add_option("--temperature", a->temperature,
                      "0: greedy (default unless generation_config.json samples)")
           ->check(CLI::NonNegativeNumber);
       app.add_option("--top-k", a->top_k,
                      "keep the k most likely tokens (0: off; default 50 as transformers)");
       app.add_option("--top-p", a->top_p, "nucleus sampling mass (1: off)");
       app.add_option("--min-p", a->min_p,
                      "drop tokens below min-p x the top probability (0: off)");
       app.add_option("--repetition-penalty", a->repetition_penalty,
                      "penalty for tokens already seen (1: off)");
       app.add_option("--stop", a->stop,
                      "stop when the text contains this (repeatable; needs the tokenizer)");
       app.add_option("--seed", a->seed, "random seed for sampling");
       app.add_option("--threads", a->threads, "threads (default: physical cores)")
           ->check(CLI::Range(1, 4096));
       add_quant_option(app, a->quant);
       app.add_flag("--json", a->json,
                    "print {ids, text, prefill_ms_per_token, decode_ms_per_token, ...}");
       return [a] { return run(*a); };
     }}};

}  // namespace
}  // namespace lowspec::app
