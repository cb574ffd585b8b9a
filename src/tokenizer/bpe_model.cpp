// Byte-pair encoding (Hugging Face BPE model semantics). Merging a word uses a priority queue of
// candidate merges over a linked list of symbols, so it is O(n log n) in the word length.
#include <cstdio>
#include <queue>
#include <unordered_map>

#include "core/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

struct MergeResult {
  double rank;
  int32_t new_id;
};

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

class BpeModel : public Model {
 public:
  BpeModel(Vocab vocab, const std::vector<BpeMerge>& merges, BpeOptions options,
           const std::string& file)
      : Model(std::move(vocab)), options_(std::move(options)) {
    if (options_.unk_token) {
      unk_id_ = vocab_.find(*options_.unk_token);
      check(unk_id_.has_value(), file,
            cat("BPE unk_token \"", *options_.unk_token, "\" is not in the vocabulary"));
    }
    merges_.reserve(merges.size());
    const size_t prefix_len = options_.continuing_subword_prefix.size();
    for (const BpeMerge& m : merges) {
      const auto left = vocab_.find(m.left);
      const auto right = vocab_.find(m.right);
      check(left && right, file,
            cat("BPE merge \"", m.left, " ", m.right, "\" names a token not in the vocabulary"));
      // With a continuing-subword prefix, the right part's prefix is dropped in the result.
      std::string merged = m.left;
      if (prefix_len > 0 && m.right.compare(0, prefix_len, options_.continuing_subword_prefix) == 0)
        merged.append(m.right, prefix_len);
      else
        merged += m.right;
      const auto new_id = vocab_.find(merged);
      check(new_id.has_value(), file,
            cat("BPE merge \"", m.left, " ", m.right, "\" makes \"", merged,
                "\", which is not in the vocabulary"));
      merges_.emplace(pair_key(*left, *right), MergeResult{m.rank, *new_id});  // first one wins
    }
    if (options_.byte_fallback)
      for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_ids_[b] = vocab_.find(name).value_or(-1);
      }
  }

  void tokenize(std::string_view word, std::vector<ModelToken>& out) const override {
    if (word.empty()) return;
    if (options_.ignore_merges)
      if (auto id = vocab_.find(word)) {
        out.push_back({*id, 0, word.size()});
        return;
      }
    std::vector<Symbol> symbols = initial_symbols(word);
    merge_all(symbols);
    size_t pos = 0;
    for (const Symbol& s : symbols) {
      if (s.len == 0) continue;
      out.push_back({s.id, pos, pos + s.len});
      pos += s.len;
    }
  }

 private:
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    size_t len;  // bytes of the word; 0 once merged into its left neighbour
  };

  std::vector<Symbol> initial_symbols(std::string_view word) const {
    std::vector<Symbol> symbols;
    auto add = [&](int32_t id, size_t len) {
      const auto n = static_cast<int32_t>(symbols.size());
      symbols.push_back({id, n - 1, n + 1, len});
    };
    size_t unk_len = 0;  // bytes of the pending run of unknown characters (0: none)
    std::string piece;
    for (size_t pos = 0; pos < word.size();) {
      const size_t start = pos;
      next_codepoint(word, pos);
      const size_t byte_len = pos - start;
      piece.clear();
      if (start > 0) piece += options_.continuing_subword_prefix;
      piece += word.substr(start, byte_len);
      if (pos == word.size()) piece += options_.end_of_word_suffix;
      if (auto id = vocab_.find(piece)) {
        if (unk_len > 0) add(*unk_id_, unk_len), unk_len = 0;
        add(*id, byte_len);
        continue;
      }
      if (options_.byte_fallback && add_bytes(piece, add)) continue;
      if (unk_id_) {
        if (unk_len > 0 && !options_.fuse_unk) add(*unk_id_, unk_len), unk_len = 0;
        unk_len += byte_len;
      }
    }
    if (unk_len > 0) add(*unk_id_, unk_len);
    if (!symbols.empty()) symbols.back().next = -1;
    return symbols;
  }

  // Adds one <0xXX> symbol per byte of piece if all of them exist.
  template <typename Add>
  bool add_bytes(const std::string& piece, Add& add) const {
    for (char c : piece)
      if (byte_ids_[static_cast<uint8_t>(c)] < 0) return false;
    for (char c : piece) add(byte_ids_[static_cast<uint8_t>(c)], 1);
    return true;
  }

  void merge_all(std::vector<Symbol>& symbols) const {
    struct Candidate {
      double rank;
      int32_t pos;
      int32_t new_id;
      bool operator>(const Candidate& o) const {
        return rank != o.rank ? rank > o.rank : pos > o.pos;
      }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    auto consider = [&](int32_t pos) {
      const int32_t next = symbols[pos].next;
      if (next < 0) return;
      auto it = merges_.find(pair_key(symbols[pos].id, symbols[next].id));
      if (it != merges_.end()) queue.push({it->second.rank, pos, it->second.new_id});
    };
    for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i);
    while (!queue.empty()) {
      const Candidate top = queue.top();
      queue.pop();
      Symbol& left = symbols[top.pos];
      if (left.len == 0 || left.next < 0) continue;
      Symbol& right = symbols[left.next];
      // Skip stale candidates: one side has changed since this merge was queued.
      auto it = merges_.find(pair_key(left.id, right.id));
      if (it == merges_.end() || it->second.new_id != top.new_id || it->second.rank != top.rank)
        continue;
      left.id = top.new_id;
      left.len += right.len;
      right.len = 0;
      left.next = right.next;
      if (left.next >= 0) symbols[left.next].prev = top.pos;
      if (left.prev >= 0) consider(left.prev);
      consider(top.pos);
    }
  }

  BpeOptions options_;
  std::optional<int32_t> unk_id_;
  std::unordered_map<uint64_t, MergeResult> merges_;
  int32_t byte_ids_[256] = {};
};

}  // namespace

std::unique_ptr<Model> make_bpe(Vocab vocab, const std::vector<BpeMerge>& merges,
                                const BpeOptions& options, const std::string& file) {
  return std::make_unique<BpeModel>(std::move(vocab), merges, options, file);
}

std::vector<BpeMerge> merges_from_scores(const Vocab& vocab, const std::vector<float>& scores) {
  std::vector<BpeMerge> merges;
  for (int32_t id = 0; id < vocab.size(); ++id) {
    const std::string& t = vocab.token(id);
    const double rank = id < static_cast<int32_t>(scores.size()) ? -scores[id] : 0.0;
    for (size_t cut = 1; cut < t.size(); ++cut) {
      if ((static_cast<uint8_t>(t[cut]) & 0xC0) == 0x80) continue;  // keep characters whole
      std::string_view left(t.data(), cut), right(t.data() + cut, t.size() - cut);
      if (vocab.find(left) && vocab.find(right))
        merges.push_back({std::string(left), std::string(right), rank});
    }
  }
  return merges;
}

}  // namespace lowspec::tokenizer
