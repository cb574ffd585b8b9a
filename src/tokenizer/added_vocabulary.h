// Added tokens (special or not) that are found in the text before the model runs: those with
// normalized=false in the raw text, the others in the normalized text (Hugging Face
// AddedVocabulary: leftmost-longest matching, lstrip/rstrip/single_word).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"

namespace lowspec::tokenizer {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = true;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // normalizer (may be null) is applied to the content of normalized tokens.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Splits text (whose byte 0 is at `base` in the input) into added tokens and normalized text.
  std::vector<TextPiece> split_and_normalize(std::string_view text, const Normalizer* normalizer) const;

  const AddedToken* find_id(int32_t id) const;
  std::optional<int32_t> find_content(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // A byte trie for leftmost-longest matching.
  struct Trie {
    struct Node {
      std::vector<std::pair<uint8_t, int32_t>> children;  // sorted by byte
      int32_t token = -1;                                 // index into tokens_
    };
    std::vector<Node> nodes{Node{}};
    bool first_byte[256] = {};
    void insert(std::string_view key, int32_t token);
    // The longest key starting at text[pos]: (token index, length), or token -1.
    std::pair<int32_t, size_t> longest_at(std::string_view text, size_t pos) const;
    bool empty() const { return nodes.size() == 1; }
  };
  // Splits piece at the matches of trie; matched tokens become pieces with their id.
  void split_matches(const Trie& trie, TextPiece piece, std::vector<TextPiece>& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> index_by_id_;
  Trie raw_trie_, normalized_trie_;
};

}  // namespace lowspec::tokenizer
