#include "tasks/eval_decoding.h"

#include <algorithm>

#include "runtime/generate.h"

namespace lowspec {

Completion complete_greedy(const Decoder& decoder, const tokenizer::Tokenizer& tok, const GenerationConfig& gen,
                           const std::vector<int64_t>& prompt, int64_t max_new_tokens,
                           const std::vector<std::string>& stops, ThreadPool& pool) {
  GenerateOptions options;
  options.max_new_tokens = max_new_tokens;
  options.sampling = SamplingParams{};  // greedy: argmax, no penalties
  options.eos_ids = gen.eos_token_ids;
  options.pad_id = gen.pad_token_id >= 0 ? gen.pad_token_id : (options.eos_ids.empty() ? 0 : options.eos_ids[0]);

  tokenizer::DecodeOptions decode;
  decode.skip_special_tokens = true;
  Completion c;
  std::vector<int32_t> new_ids;
  auto on_tokens = [&](const int64_t* ids) {
    new_ids.push_back(static_cast<int32_t>(ids[0]));
    c.text = tok.decode(new_ids, decode);
    const size_t start = c.text.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) return true;
    size_t cut = std::string::npos;
    for (const std::string& s : stops) cut = std::min(cut, c.text.find(s, start));
    if (cut == std::string::npos) return true;
    c.text.resize(cut);
    c.stopped = true;
    return false;
  };
  const GenerateResult r = generate(decoder, {prompt}, options, pool, on_tokens);
  c.prompt_tokens = static_cast<int64_t>(prompt.size());
  c.new_tokens = static_cast<int64_t>(r.new_ids[0].size());
  const auto& eos = options.eos_ids;
  if (!r.new_ids[0].empty() && std::find(eos.begin(), eos.end(), r.new_ids[0].back()) != eos.end())
    c.stopped = true;
  return c;
}

}  // namespace lowspec
