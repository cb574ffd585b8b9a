// Unigram: the most probable segmentation by Viterbi over token log-probabilities (Hugging
// Face Unigram semantics: unknown characters score min_score - 10, unknown runs are fused).
#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

constexpr double kUnknownPenalty = 10.0;

class UnigramModel : public Model {
 public:
  UnigramModel(Vocab vocab, std::vector<double> scores, std::optional<int32_t> unk_id,
               bool byte_fallback, const std::string& file)
      : Model(std::move(vocab)), scores_(std::move(scores)), unk_id_(unk_id),
        byte_fallback_(byte_fallback) {
    check(!unk_id_ || vocab_.contains_id(*unk_id_), file, "Unigram unk_id is outside the vocabulary");
    min_score_ = scores_.empty() ? 0.0 : *std::min_element(scores_.begin(), scores_.end());
  }

  void tokenize(std::string_view word, std::vector<ModelToken>& out) const override {
    if (word.empty()) return;
    struct Node {
      double score = 0;
      size_t start = 0;
      int32_t id = -1;
      bool reached = false;
    };
    const double unk_score = min_score_ - kUnknownPenalty;
    std::vector<Node> best(word.size() + 1);
    best[0].reached = true;
    const size_t longest = vocab_.max_token_bytes();
    for (size_t start = 0; start < word.size();) {
      size_t next = start;
      next_codepoint(word, next);
      const size_t char_len = next - start;
      const double here = best[start].score;
      bool single_char = false;
      for (size_t end = next; end <= word.size() && end - start <= longest;) {
        if (auto id = vocab_.find(word.substr(start, end - start))) {
          const double candidate = here + scores_[*id];
          if (!best[end].reached || candidate > best[end].score) best[end] = {candidate, start, *id, true};
          single_char |= end - start == char_len;
        }
        if (end == word.size()) break;
        next_codepoint(word, end);
      }
      if (!single_char) {
        const double candidate = here + unk_score;
        if (!best[next].reached || candidate > best[next].score)
          best[next] = {candidate, start, unk_id_.value_or(-1), true};
      }
      start = next;
    }
    // Walk back, fusing consecutive unknown pieces.
    std::vector<ModelToken> pieces;
    for (size_t end = word.size(); end > 0;) {
      const Node& n = best[end];
      const bool unknown = n.id < 0 || (unk_id_ && n.id == *unk_id_);
      if (unknown && !pieces.empty() && pieces.back().id == -1) pieces.back().begin = n.start;
      else pieces.push_back({unknown ? -1 : n.id, n.start, end});
      end = n.start;
    }
    std::reverse(pieces.begin(), pieces.end());
    for (const ModelToken& p : pieces) {
      if (p.id >= 0) {
        out.push_back(p);
        continue;
      }
      if (byte_fallback_ && add_bytes(word, p, out)) continue;
      check(unk_id_.has_value(), "", "Unigram model has no unk_id for an unknown character");
      out.push_back({*unk_id_, p.begin, p.end});
    }
  }

 private:
  bool add_bytes(std::string_view word, const ModelToken& p, std::vector<ModelToken>& out) const {
    std::vector<int32_t> ids;
    for (size_t i = p.begin; i < p.end; ++i) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", static_cast<uint8_t>(word[i]));
      auto id = vocab_.find(name);
      if (!id) return false;
      ids.push_back(*id);
    }
    for (int32_t id : ids) out.push_back({id, p.begin, p.end});
    return true;
  }

  std::vector<double> scores_;
  std::optional<int32_t> unk_id_;
  bool byte_fallback_;
  double min_score_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_unigram(Vocab vocab, std::vector<double> scores,
                                    std::optional<int32_t> unk_id, bool byte_fallback,
                                    const std::string& file) {
  check(scores.size() == static_cast<size_t>(vocab.size()), file,
        "Unigram: one score per vocabulary entry is needed");
  return std::make_unique<UnigramModel>(std::move(vocab), std::move(scores), unk_id, byte_fallback, file);
}

}  // namespace lowspec::tokenizer
