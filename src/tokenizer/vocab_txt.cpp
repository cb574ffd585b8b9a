// A BERT vocab.txt (one WordPiece token per line) as the pipeline BERT's tokenizer.json encodes:
// BertNormalizer, BertPreTokenizer, WordPiece, [CLS] A [SEP] (B [SEP]), WordPiece decoder.
#include "tokenizer/vocab_txt.h"

#include "core/error.h"
#include "core/mapped_file.h"

namespace lowspec::tokenizer {

std::unique_ptr<PipelineTokenizer> load_vocab_txt(const std::string& path, const TokenizerConfig& config) {
  const std::string text = read_text_file(path);
  Vocab vocab;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(std::move(line));
    pos = end + 1;
  }
  check(vocab.size() > 0, path, "the vocabulary is empty");

  const std::string unk = config.unk_token.value_or("[UNK]");
  const std::string cls = config.cls_token.value_or("[CLS]");
  const std::string sep = config.sep_token.value_or("[SEP]");
  const auto cls_id = vocab.find(cls), sep_id = vocab.find(sep);
  check(cls_id && sep_id, path, cat("the vocabulary lacks ", cls, " or ", sep));

  PipelineParts parts;
  // Special tokens are matched in the raw text, before lower-casing.
  for (const auto& name : {config.pad_token.value_or("[PAD]"), unk, cls, sep, config.mask_token.value_or("[MASK]")})
    if (auto id = vocab.find(name)) parts.added_tokens.push_back({*id, name, true, false, false, false, false});
  for (const AddedToken& t : config.added_tokens) parts.added_tokens.push_back(t);

  const bool lowercase = config.do_lower_case.value_or(true);
  parts.normalizer = make_bert_normalizer(true, true, std::nullopt, lowercase);
  parts.pre_tokenizer = make_bert_pre_tokenizer();
  WordPieceOptions options;
  options.unk_token = unk;
  parts.model = make_wordpiece(std::move(vocab), options, path);
  TemplatePiece cls_piece{false, false, {*cls_id}, {cls}, 0};
  TemplatePiece sep_a{false, false, {*sep_id}, {sep}, 0}, sep_b{false, false, {*sep_id}, {sep}, 1};
  TemplatePiece seq_a{true, false, {}, {}, 0}, seq_b{true, true, {}, {}, 1};
  parts.post_processor = make_template_processor({cls_piece, seq_a, sep_a}, {cls_piece, seq_a, sep_a, seq_b, sep_b});
  parts.decoder = make_wordpiece_decoder("##", true);
  return std::make_unique<PipelineTokenizer>(std::move(parts), path);
}

}  // namespace lowspec::tokenizer
