// Perplexity over a text corpus: WikiText raw files (.raw, .tokens) give one item per article,
// other text files one per paragraph. Decoders: the runtime's sliding window per item; masked LMs:
// pseudo-perplexity per item. The corpus figure weighs every scored token alike:
// exp(sum of NLL / tokens scored).
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "eval/text_dataset.h"
#include "models/decoder.h"
#include "models/encoder.h"
#include "runtime/perplexity.h"
#include "tasks/eval_runners.h"
#include "tasks/pseudo_perplexity.h"

namespace lowspec {
namespace {

constexpr int64_t kMaxWindow = 1024;     // as lowspec perplexity's default --ctx
constexpr int64_t kMaskedCopiesPerBatch = 16;

struct TextItem {
  std::string id, text;
};

// " = Title = \n" -> "Title"
std::string article_title(const std::string& article) {
  std::string line = article.substr(0, article.find('\n'));
  const size_t begin = line.find_first_not_of(" =");
  const size_t end = line.find_last_not_of(" =");
  return begin == std::string::npos ? line : line.substr(begin, end + 1 - begin);
}

std::vector<TextItem> load_texts(const EvalOptions& options) {
  const std::string ext = std::filesystem::path(options.data).extension().string();
  std::vector<TextItem> items;
  if (ext == ".raw" || ext == ".tokens") {
    for (std::string& a : eval::wikitext_articles(eval::load_wikitext_rows(options.data), options.sampling))
      items.push_back({article_title(a), std::move(a)});
  } else {
    for (std::string& p : eval::load_paragraphs(options.data, options.sampling))
      items.push_back({cat("paragraph ", items.size() + 1), std::move(p)});
  }
  check(!items.empty(), options.data,
        ext == ".raw" || ext == ".tokens" ? "holds no article (a \" = Title = \" heading line starts one)"
                                          : "holds no text");
  return items;
}

std::vector<int64_t> encode_ids(const tokenizer::Tokenizer& tok, const std::string& text, bool special) {
  std::vector<int64_t> ids;
  for (int32_t id : tok.encode(text, special).ids) ids.push_back(id);
  return ids;
}

// Items too short to score anything (one token) are left out and counted.
Json corpus_figures(const std::vector<EvalItem>& items, size_t skipped, const char* name) {
  double nll = 0;
  int64_t tokens = 0;
  for (const EvalItem& item : items) {
    nll += item.total_nll;
    tokens += item.tokens_scored;
  }
  const double mean = tokens > 0 ? nll / static_cast<double>(tokens) : 0.0;
  return {{name, std::exp(mean)}, {"mean_nll", mean}, {"tokens_scored", tokens}, {"items_skipped", skipped}};
}

}  // namespace

EvalReport run_perplexity_eval(const EvalOptions& options, const ModelConfig& config, ThreadPool& pool,
                               const EvalProgress& progress) {
  const bool decoder = is_decoder(config.family);
  check(decoder || config.head == Head::MaskedLM, options.model,
        cat(config.architecture, " has no language-model head: pseudo-perplexity needs a ...ForMaskedLM encoder"));
  std::vector<TextItem> texts = load_texts(options);
  const std::unique_ptr<tokenizer::Tokenizer> tok = load_model_tokenizer(options.model, config);
  const int64_t window = std::min(config.max_position_embeddings, decoder ? kMaxWindow : int64_t{512});

  // Tokenize first: items with fewer than 2 tokens (decoders) or none (encoders) score nothing.
  std::vector<std::pair<TextItem, std::vector<int64_t>>> inputs;
  size_t skipped = 0;
  for (TextItem& t : texts) {
    std::vector<int64_t> ids = encode_ids(*tok, t.text, /*special=*/decoder);  // BOS as HF's recipe
    if (static_cast<int64_t>(ids.size()) < (decoder ? 2 : 1)) {
      ++skipped;
      continue;
    }
    inputs.emplace_back(std::move(t), std::move(ids));
  }
  check(!inputs.empty(), options.data, "no item has enough tokens to score");
  auto id_of = [](const auto& input, size_t) { return input.first.id; };

  EvalReport report;
  if (decoder) {
    const Decoder model(options.model, options.quant);
    const int64_t stride = std::max<int64_t>(window / 2, 1);
    report.method = "causal-sliding-window";
    report.settings = {{"ctx", window}, {"stride", stride}, {"bos", true}};
    report.items = evaluate_each(inputs, options.data, progress, id_of, [&](const auto& input) {
      const PerplexityResult r = perplexity(model, input.second, window, stride, pool);
      EvalItem item;
      item.input_tokens = static_cast<int64_t>(input.second.size());
      item.total_nll = r.total_nll;
      item.tokens_scored = r.tokens_scored;
      return item;
    });
    report.figures = corpus_figures(report.items, skipped, "perplexity");
  } else {
    const tokenizer::SpecialTokenIds& special = tok->settings().special;
    check(special.cls && special.sep && special.mask, options.model,
          "the tokenizer defines no [CLS], [SEP] and [MASK] tokens, which pseudo-perplexity needs");
    EncoderModel model(options.model, options.quant);
    const MaskedLmSpecials specials{*special.cls, *special.sep, *special.mask};
    report.method = "pseudo-perplexity";
    report.settings = {{"window", window}, {"masked_copies_per_batch", kMaskedCopiesPerBatch}};
    report.items = evaluate_each(inputs, options.data, progress, id_of, [&](const auto& input) {
      const PseudoPerplexity r =
          pseudo_perplexity(model, input.second, specials, window, kMaskedCopiesPerBatch, pool);
      EvalItem item;
      item.input_tokens = static_cast<int64_t>(input.second.size());
      item.total_nll = r.total_nll;
      item.tokens_scored = r.tokens_scored;
      return item;
    });
    report.figures = corpus_figures(report.items, skipped, "pseudo_perplexity");
  }
  return report;
}

}  // namespace lowspec
