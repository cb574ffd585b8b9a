// Post-processors: combine the encodings of one or two sequences and add special tokens
// ([CLS] A [SEP] B [SEP], <s> A, ...). Mirrors the Hugging Face tokenizers post-processors.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "tokenizer/encoding.h"

namespace lowspec::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // How many tokens process() adds with add_special_tokens (truncation keeps room for them).
  virtual size_t added_tokens(bool is_pair) const = 0;
  // Combines first and (optional) second; special tokens only when add_special_tokens.
  virtual Encoding process(Encoding first, const Encoding* second, bool add_special_tokens) const = 0;
  // Per-sequence adjustment done before combining (ByteLevel's offset trimming); processors that
  // only adjust are combined by concatenation, which lets a Sequence chain them.
  virtual void adjust(Encoding&) const {}
  virtual bool combines() const { return true; }
};

// Concatenation without special tokens: what a tokenizer without post-processor does.
Encoding concatenate(Encoding first, const Encoding* second);

// One piece of a template: a special token (its ids) or the A/B sequence, with a type id.
struct TemplatePiece {
  bool is_sequence = false;
  bool sequence_b = false;            // for sequences: B rather than A
  std::vector<int32_t> special_ids;   // for special tokens
  std::vector<std::string> special_tokens;
  int32_t type_id = 0;
};

// TemplateProcessing with explicit pieces (also used to build BOS/EOS templates for
// SentencePiece and GGUF vocabularies).
std::unique_ptr<PostProcessor> make_template_processor(std::vector<TemplatePiece> single,
                                                       std::vector<TemplatePiece> pair);

// Parses a tokenizer.json "post_processor" object; null JSON gives nullptr.
std::unique_ptr<PostProcessor> parse_post_processor(const Json& j, const std::string& file);

}  // namespace lowspec::tokenizer
