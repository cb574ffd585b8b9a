// lowspec summarize: one article summarized by a causal LM with the family's prompt (greedy).
#include <cstdio>
#include <memory>
#include <string>

#include "app/command.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/mapped_file.h"
#include "core/process_memory.h"
#include "models/decoder.h"
#include "tasks/summarize.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

struct SummarizeArgs {
  std::string model, text, file;
  int64_t max_new_tokens = 128;
  int threads = 0;
  bool json = false;
};

int run(const SummarizeArgs& a) {
  check(a.text.empty() != a.file.empty(), "", "give exactly one of --text and --file");
  const std::string article = a.file.empty() ? a.text : read_text_file(a.file);
  check(!trim_whitespace(article).empty(), a.file.empty() ? "--text" : a.file, "the article is empty");
  const ModelConfig config = load_model_config(a.model);
  check(is_decoder(config.family), a.model,
        cat("summarization needs a decoder (causal LM); ", family_name(config.family), " is an encoder"));
  const std::unique_ptr<tokenizer::Tokenizer> tok = tokenizer::load_tokenizer(a.model);
  const Decoder decoder(a.model);
  const GenerationConfig gen = load_generation_config(a.model, decoder.config());
  ThreadPool pool(a.threads > 0 ? a.threads : physical_cores());
  const Summary s = summarize(decoder, *tok, gen, article, a.max_new_tokens, pool);
  const uint64_t peak_rss = process_memory().peak_rss_bytes;
  if (a.json) {
    const Json j = {{"summary", s.text},
                    {"prompt_tokens", s.prompt_tokens},
                    {"article_tokens", s.article_tokens},
                    {"article_tokens_kept", s.article_tokens_kept},
                    {"new_tokens", s.new_tokens},
                    {"peak_rss_bytes", peak_rss}};
    std::printf("%s\n", j.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s\n", s.text.c_str());
    if (s.article_tokens_kept < s.article_tokens)
      std::fprintf(stderr, "the article was cut to %lld of its %lld tokens to fit the model\n",
                   static_cast<long long>(s.article_tokens_kept), static_cast<long long>(s.article_tokens));
  }
  return 0;
}

CommandRegistrar summarize_command{{"summarize", "Summarize one article with a causal LM (greedy, the family's prompt)",
                      [](CLI::App& app) -> std::function<int()> {
                        auto a = std::make_shared<SummarizeArgs>();
                        app.add_option("--model", a->model, "Hugging Face model folder (with its tokenizer)")->required();
                        app.add_option("--text", a->text, "the article");
                        app.add_option("--file", a->file, "a UTF-8 file holding the article");
                        app.add_option("--max-new-tokens", a->max_new_tokens, "tokens the summary may take")
                            ->capture_default_str()
                            ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
                        app.add_option("--threads", a->threads, "threads (default: physical cores)")->check(CLI::Range(1, 4096));
                        app.add_flag("--json", a->json,
                                     "print {summary, prompt_tokens, article_tokens, article_tokens_kept, new_tokens, peak_rss_bytes}");
                        return [a] { return run(*a); };
                      }}};

}  // namespace
}  // namespace lowspec::app
