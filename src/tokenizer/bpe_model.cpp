// Byte-pair encoding (Hugging Face BPE model semantics). Merging a word uses a priority queue of
// candidate merges over a linked list of symbols, so it is O(n log n) in the word length.
#include <algorithm>
#include <bit>
#include <cstdio>
#include <queue>

#include "core/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"
#include "tokenizer/word_cache.h"

namespace lowspec::tokenizer {
namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// Open-addressing map from a pair of token ids to its merge: one flat array, no node per merge.
class MergeTable {
 public:
  struct Merge {
    uint64_t key;  // kEmpty: free slot
    double rank;
    int32_t new_id;
  };

  void reserve(size_t count) {
    size_t n = 16;
    while (n < 2 * count) n *= 2;
    if (n > slots_.size()) rehash(n);
  }
  // Keeps the first merge of a pair, as Hugging Face does.
  void insert(uint64_t key, double rank, int32_t new_id) {
    if (2 * (used_ + 1) > slots_.size()) rehash(std::max<size_t>(16, 2 * slots_.size()));
    Merge& slot = slots_[position(key)];
    if (slot.key != kEmpty) return;
    slot = {key, rank, new_id};
    ++used_;
  }
  const Merge* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    const Merge& slot = slots_[position(key)];
    return slot.key == kEmpty ? nullptr : &slot;
  }

 private:
  // Token ids are below 2^24, so no pair key has all bits set.
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  size_t position(uint64_t key) const {
    const size_t mask = slots_.size() - 1;
    // The top bits of the product depend on every bit of both ids.
    size_t i = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
    while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask;
    return i;
  }
  void rehash(size_t n) {
    std::vector<Merge> old = std::move(slots_);
    slots_.assign(n, Merge{kEmpty, 0, 0});
    shift_ = 64 - std::countr_zero(n);
    for (const Merge& m : old)
      if (m.key != kEmpty) slots_[position(m.key)] = m;
  }

  std::vector<Merge> slots_;  // power-of-two size, at most half full
  size_t used_ = 0;
  int shift_ = 64;
};

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
    const std::string& prefix = options_.continuing_subword_prefix;
    bool joins_metaspace = false;  // some merge joins a character to a following metaspace
    std::string merged;
    for (const BpeMerge& m : merges) {
      joins_metaspace |= m.right.starts_with(kMetaspace) && !m.left.ends_with(kMetaspace);
      const auto left = vocab_.find(m.left);
      const auto right = vocab_.find(m.right);
      if (!left || !right)
        throw Error(file, cat("BPE merge \"", m.left, " ", m.right,
                              "\" names a token not in the vocabulary"));
      // With a continuing-subword prefix, the right part's prefix is dropped in the result.
      merged.assign(m.left);
      if (!prefix.empty() && m.right.starts_with(prefix))
        merged.append(m.right, prefix.size());
      else
        merged += m.right;
      const auto new_id = vocab_.find(merged);
      if (!new_id)
        throw Error(file, cat("BPE merge \"", m.left, " ", m.right, "\" makes \"", merged,
                              "\", which is not in the vocabulary"));
      merges_.insert(pair_key(*left, *right), m.rank, *new_id);
    }
    cut_at_metaspace_ = !joins_metaspace && prefix.empty() && options_.end_of_word_suffix.empty() &&
                        vocab_.find(kMetaspace).has_value();
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
    if (!cut_at_metaspace_) return tokenize_part(word, 0, out);
    // Cut before every metaspace that follows another character: no merge crosses such a cut.
    size_t start = 0;
    for (size_t cut = word.find(kMetaspace, 1); cut != std::string_view::npos;
         cut = word.find(kMetaspace, cut + kMetaspace.size())) {
      if (word.substr(cut - std::min(cut, kMetaspace.size()), kMetaspace.size()) == kMetaspace)
        continue;  // inside a run of metaspaces, which merge together
      tokenize_part(word.substr(start, cut - start), start, out);
      start = cut;
    }
    tokenize_part(word.substr(start), start, out);
  }

 private:
  // SentencePiece's word-start mark.
  static constexpr std::string_view kMetaspace = "\u2581";

  // Tokenizes word[offset, offset + part.size()).
  void tokenize_part(std::string_view part, size_t offset, std::vector<ModelToken>& out) const {
    if (cache_.find(part, offset, out)) return;
    std::vector<Symbol> symbols = initial_symbols(part);
    merge_all(symbols);
    const size_t first = out.size();
    size_t pos = 0;
    for (const Symbol& s : symbols) {
      if (s.len == 0) continue;
      out.push_back({s.id, pos, pos + s.len});
      pos += s.len;
    }
    cache_.insert(part, out.data() + first, out.data() + out.size());
    for (size_t i = first; i < out.size(); ++i) out[i].begin += offset, out[i].end += offset;
  }

  struct Symbol {
    int32_t id;
    int32_t prev, next;
    size_t len;  // bytes of the word; 0 once merged into its left neighbour
  };

  std::vector<Symbol> initial_symbols(std::string_view word) const {
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    auto add = [&](int32_t id, size_t len) {
      const auto n = static_cast<int32_t>(symbols.size());
      symbols.push_back({id, n - 1, n + 1, len});
    };
    // Without prefix or suffix a character is its own piece: look it up in place.
    const bool bare = options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty();
    size_t unk_len = 0;  // bytes of the pending run of unknown characters (0: none)
    std::string buffer;
    for (size_t pos = 0; pos < word.size();) {
      const size_t start = pos;
      pos += std::min(utf8_length(static_cast<uint8_t>(word[pos])), word.size() - pos);
      const size_t byte_len = pos - start;
      std::string_view piece = word.substr(start, byte_len);
      if (!bare) {
        buffer.clear();
        if (start > 0) buffer += options_.continuing_subword_prefix;
        buffer += piece;
        if (pos == word.size()) buffer += options_.end_of_word_suffix;
        piece = buffer;
      }
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
  bool add_bytes(std::string_view piece, Add& add) const {
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
      uint64_t pair;  // the ids merged; if the symbols at pos changed since, it is stale
      bool operator>(const Candidate& o) const {
        return rank != o.rank ? rank > o.rank : pos > o.pos;
      }
    };
    std::vector<Candidate> heap;
    heap.reserve(symbols.size());
    std::priority_queue queue(std::greater<Candidate>{}, std::move(heap));
    auto consider = [&](int32_t pos) {
      const int32_t next = symbols[pos].next;
      if (next < 0) return;
      const uint64_t pair = pair_key(symbols[pos].id, symbols[next].id);
      if (const MergeTable::Merge* m = merges_.find(pair)) queue.push({m->rank, pos, m->new_id, pair});
    };
    for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i);
    while (!queue.empty()) {
      const Candidate top = queue.top();
      queue.pop();
      Symbol& left = symbols[top.pos];
      if (left.len == 0 || left.next < 0) continue;
      Symbol& right = symbols[left.next];
      if (pair_key(left.id, right.id) != top.pair) continue;
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
  MergeTable merges_;
  int32_t byte_ids_[256] = {};
  // Words may be cut before a metaspace (SentencePiece vocabularies with no merge across one).
  bool cut_at_metaspace_ = false;
  mutable WordCache cache_;
};

}  // namespace

std::unique_ptr<Model> make_bpe(Vocab vocab, const std::vector<BpeMerge>& merges,
                                const BpeOptions& options, const std::string& file) {
  return std::make_unique<BpeModel>(std::move(vocab), merges, options, file);
}

std::vector<BpeMerge> merges_from_scores(const Vocab& vocab, const std::vector<float>& scores) {
  std::vector<BpeMerge> merges;
  for (int32_t id = 0; id < vocab.size(); ++id) {
    const std::string_view t = vocab.token(id);
    const double rank = id < static_cast<int32_t>(scores.size()) ? -scores[id] : 0.0;
    for (size_t cut = 1; cut < t.size(); ++cut) {
      if ((static_cast<uint8_t>(t[cut]) & 0xC0) == 0x80) continue;  // keep characters whole
      const std::string_view left = t.substr(0, cut), right = t.substr(cut);
      if (vocab.find(left) && vocab.find(right))
        merges.push_back({std::string(left), std::string(right), rank});
    }
  }
  return merges;
}

}  // namespace lowspec::tokenizer
