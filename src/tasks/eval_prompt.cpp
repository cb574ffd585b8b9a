#include "tasks/eval_prompt.h"

#include "core/error.h"

namespace lowspec {
namespace {

std::vector<int64_t> encode_ids(const tokenizer::Tokenizer& tok, const std::string& text) {
  std::vector<int64_t> ids;
  for (int32_t id : tok.encode(text).ids) ids.push_back(id);
  return ids;
}

}  // namespace

PromptParts family_prompt(Family family, const std::string& instruction_head, const std::string& body,
                          const std::string& instruction_tail, const std::string& cue) {
  switch (family) {
    case Family::Llama:
      return {"<|user|>\n" + instruction_head, body, instruction_tail + "</s>\n<|assistant|>\n"};
    case Family::Phi:
      return {"Instruct: " + instruction_head, body, instruction_tail + "\nOutput:"};
    case Family::Gemma:
      return {instruction_head, body, instruction_tail + "\n" + cue};
    case Family::DistilBert:
    case Family::MobileBert:
      break;
  }
  throw Error(cat(family_name(family), " is an encoder: it cannot generate text from a prompt"));
}

std::string trim_whitespace(const std::string& text) {
  constexpr const char* kSpace = " \t\r\n\v\f";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(kSpace) + 1 - begin);
}

int64_t prompt_budget(const ModelConfig& config, int64_t max_new_tokens) {
  check(max_new_tokens >= 1, "", "the number of new tokens must be at least 1");
  const int64_t budget = config.max_position_embeddings - max_new_tokens;
  check(budget > 0, config.path,
        cat(max_new_tokens, " new tokens leave no room for a prompt in the model's ", config.max_position_embeddings,
            " positions"));
  return budget;
}

FittedPrompt fit_prompt(const tokenizer::Tokenizer& tok, const PromptParts& parts, int64_t max_tokens) {
  FittedPrompt fitted;
  const tokenizer::Encoding body = tok.encode(parts.body, false);
  fitted.body_tokens_full = static_cast<int64_t>(body.size());
  fitted.ids = encode_ids(tok, parts.head + parts.body + parts.tail);
  fitted.body_tokens = fitted.body_tokens_full;
  auto excess = [&] { return static_cast<int64_t>(fitted.ids.size()) - max_tokens; };
  // Re-tokenizing the whole prompt after each cut keeps the boundary tokens as the model would
  // see them; a cut rarely needs a second round.
  while (excess() > 0) {
    fitted.body_tokens -= excess();
    if (fitted.body_tokens <= 0) {
      const int64_t fixed = static_cast<int64_t>(encode_ids(tok, parts.head + parts.tail).size());
      throw Error(cat("the prompt's instruction alone takes ", fixed, " tokens, leaving no room for the text in ",
                      max_tokens, " tokens (the model's positions minus the tokens to generate)"));
    }
    const size_t cut = body.offsets[static_cast<size_t>(fitted.body_tokens - 1)].end;
    fitted.ids = encode_ids(tok, parts.head + parts.body.substr(0, cut) + parts.tail);
  }
  return fitted;
}

}  // namespace lowspec
