// lowspec tokenize: text on standard input -> token ids, tokens and byte offsets.
#include <cstdio>
#include <iostream>
#include <iterator>

#include "app/command.h"
#include "core/json_util.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  bool no_special = false;
  std::optional<std::string> pair;
  bool json = false;
};

Json offsets_json(const tokenizer::Encoding& e) {
  Json out = Json::array();
  for (const auto& o : e.offsets) out.push_back({o.begin, o.end});
  return out;
}

int run(const TokenizeOptions& opt) {
  const auto tok = tokenizer::load_tokenizer(opt.tokenizer);
  const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  const tokenizer::Encoding e = opt.pair ? tok->encode_pair(text, *opt.pair, !opt.no_special)
                                         : tok->encode(text, !opt.no_special);
  if (opt.json) {
    Json out = {{"ids", e.ids}, {"tokens", e.tokens}, {"offsets", offsets_json(e)}};
    if (opt.pair) out["type_ids"] = e.type_ids;
    std::printf("%s\n", out.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    return 0;
  }
  // One token per line: id, the token as a JSON string (whitespace visible), byte range.
  for (size_t i = 0; i < e.size(); ++i) {
    const std::string token = Json(e.tokens[i]).dump(-1, ' ', false, Json::error_handler_t::replace);
    std::printf("%d\t%s\t%zu..%zu%s\n", e.ids[i], token.c_str(), e.offsets[i].begin, e.offsets[i].end,
                opt.pair ? (e.type_ids[i] ? "\ttype 1" : "\ttype 0") : "");
  }
  std::printf("%zu tokens\n", e.size());
  return 0;
}

CommandRegistrar tokenize_command{{"tokenize",
                      "Tokenize standard input (taken whole) with a tokenizer.json, tokenizer.model, "
                      "vocab.txt, .gguf or model folder",
                      [](CLI::App& app) -> std::function<int()> {
                        auto opt = std::make_shared<TokenizeOptions>();
                        app.add_option("--tokenizer", opt->tokenizer, "Tokenizer file or model folder")
                            ->required();
                        app.add_flag("--no-special", opt->no_special, "Do not add special tokens (BOS, [CLS]...)");
                        app.add_option("--pair", opt->pair, "Second text of a pair (type id 1)");
                        app.add_flag("--json", opt->json,
                                     "Print {\"ids\",\"tokens\",\"offsets\"} (byte offsets; with --pair also \"type_ids\")");
                        return [opt] { return run(*opt); };
                      }}};

}  // namespace
}  // namespace lowspec::app
