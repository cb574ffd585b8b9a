// WordPiece: greedy longest-match-first over the vocabulary (BERT).
#include <algorithm>

#include "core/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"
#include "tokenizer/word_cache.h"

namespace lowspec::tokenizer {
namespace {

class WordPieceModel : public Model {
 public:
  WordPieceModel(Vocab vocab, WordPieceOptions options, const std::string& file)
      : Model(std::move(vocab)), options_(std::move(options)) {
    auto unk = vocab_.find(options_.unk_token);
    check(unk.has_value(), file,
          cat("WordPiece unk_token \"", options_.unk_token, "\" is not in the vocabulary"));
    unk_id_ = *unk;
  }

  void tokenize(std::string_view word, std::vector<ModelToken>& out) const override {
    if (word.empty()) return;
    if (cache_.find(word, 0, out)) return;
    const size_t first = out.size();
    match(word, out);
    cache_.insert(word, out.data() + first, out.data() + out.size());
  }

 private:
  void match(std::string_view word, std::vector<ModelToken>& out) const {
    size_t chars = 0;
    for (size_t pos = 0; pos < word.size(); next_codepoint(word, pos)) ++chars;
    if (chars > options_.max_input_chars_per_word) {
      out.push_back({unk_id_, 0, word.size()});
      return;
    }
    const size_t first = out.size();
    // No token is longer than the longest vocabulary entry, so candidates start there.
    const size_t longest = vocab_.max_token_bytes();
    std::string candidate;
    for (size_t start = 0; start < word.size();) {
      size_t end = std::min(word.size(), start + longest);
      while (end < word.size() && end > start && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80)
        --end;
      std::optional<int32_t> found;
      while (end > start) {
        std::string_view piece = word.substr(start, end - start);
        if (start > 0) {  // a continuation: look up prefix + piece
          candidate.assign(options_.continuing_subword_prefix).append(piece);
          piece = candidate;
        }
        if ((found = vocab_.find(piece))) break;
        do --end;
        while (end > start && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80);
      }
      if (!found) {
        out.resize(first);
        out.push_back({unk_id_, 0, word.size()});
        return;
      }
      out.push_back({*found, start, end});
      start = end;
    }
  }

  WordPieceOptions options_;
  int32_t unk_id_ = 0;
  mutable WordCache cache_;
};

}  // namespace

std::unique_ptr<Model> make_wordpiece(Vocab vocab, const WordPieceOptions& options,
                                      const std::string& file) {
  return std::make_unique<WordPieceModel>(std::move(vocab), options, file);
}

}  // namespace lowspec::tokenizer
