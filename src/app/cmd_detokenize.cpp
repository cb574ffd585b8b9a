// lowspec detokenize: token ids -> text (written exactly, without an added newline).
#include <cstdio>
#include <iostream>
#include <iterator>

#include "app/command.h"
#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::app {
namespace {

struct DetokenizeOptions {
  std::string tokenizer;
  bool skip_special = false;
  std::optional<std::string> ids;
};

// Ids separated by commas and/or whitespace.
std::vector<int32_t> parse_ids(const std::string& text, const char* source) {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = text.find_first_not_of(", \t\r\n", pos);
    if (start == std::string::npos) break;
    size_t end = text.find_first_of(", \t\r\n", start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || value < 0 || value > INT32_MAX)
      throw Error(cat(source, ": \"", item.substr(0, 40), "\" is not a token id"));
    ids.push_back(static_cast<int32_t>(value));
    pos = end;
  }
  return ids;
}

int run(const DetokenizeOptions& opt) {
  const auto tok = tokenizer::load_tokenizer(opt.tokenizer);
  const std::vector<int32_t> ids =
      opt.ids ? parse_ids(*opt.ids, "--ids")
              : parse_ids({std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()},
                          "standard input");
  const std::string text = tok->decode(ids, {.skip_special_tokens = opt.skip_special, .clean_up_tokenization_spaces = std::nullopt});
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

CommandRegistrar detokenize_command{{"detokenize", "Turn token ids (--ids or standard input) back into text",
                      [](CLI::App& app) -> std::function<int()> {
                        auto opt = std::make_shared<DetokenizeOptions>();
                        app.add_option("--tokenizer", opt->tokenizer, "Tokenizer file or model folder")
                            ->required();
                        app.add_flag("--skip-special", opt->skip_special, "Leave out special tokens");
                        app.add_option("--ids", opt->ids, "Ids separated by commas (else read standard input)");
                        return [opt] { return run(*opt); };
                      }}};

}  // namespace
}  // namespace lowspec::app
