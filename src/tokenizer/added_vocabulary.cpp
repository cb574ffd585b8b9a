#include "tokenizer/added_vocabulary.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

bool is_word_char(char32_t c) { return c == '_' || is_alphanumeric(c); }

char32_t last_char(std::string_view s) {
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
  return next_codepoint(s, start);
}

}  // namespace

void AddedVocabulary::Trie::insert(std::string_view key, int32_t token) {
  if (key.empty()) return;
  first_byte[static_cast<uint8_t>(key[0])] = true;
  int32_t node = 0;
  for (char ch : key) {
    const auto b = static_cast<uint8_t>(ch);
    auto& children = nodes[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(b, int32_t{-1}));
    if (it != children.end() && it->first == b) {
      node = it->second;
    } else {
      const auto child = static_cast<int32_t>(nodes.size());
      children.insert(it, {b, child});
      nodes.emplace_back();
      node = child;
    }
  }
  if (nodes[node].token < 0) nodes[node].token = token;  // the first token with a content wins
}

std::pair<int32_t, size_t> AddedVocabulary::Trie::longest_at(std::string_view text, size_t pos) const {
  std::pair<int32_t, size_t> best{-1, 0};
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto b = static_cast<uint8_t>(text[i]);
    const auto& children = nodes[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(b, int32_t{-1}));
    if (it == children.end() || it->first != b) break;
    node = it->second;
    if (nodes[node].token >= 0) best = {nodes[node].token, i + 1 - pos};
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    index_by_id_.emplace(t.id, i);
    if (!t.normalized) {
      raw_trie_.insert(t.content, static_cast<int32_t>(i));
      continue;
    }
    NormalizedString key(t.content, 0);
    if (normalizer) normalizer->normalize(key);
    normalized_trie_.insert(key.text(), static_cast<int32_t>(i));
  }
}

void AddedVocabulary::split_matches(const Trie& trie, TextPiece piece, std::vector<TextPiece>& out) const {
  const std::string& text = piece.text.text();
  if (trie.empty()) {
    out.push_back(std::move(piece));
    return;
  }
  size_t emitted = 0;  // end of the last piece pushed
  for (size_t pos = 0; pos < text.size();) {
    if (!trie.first_byte[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    auto [index, length] = trie.longest_at(text, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[index];
    size_t start = pos, stop = pos + length;
    pos = stop;
    if (start < emitted) continue;  // swallowed by the previous token's rstrip
    if (token.single_word) {
      size_t after = stop;
      const bool space_before = start == 0 || !is_word_char(last_char(std::string_view(text).substr(0, start)));
      const bool space_after = stop == text.size() || !is_word_char(next_codepoint(text, after));
      if (!space_before || !space_after) continue;
    }
    if (token.lstrip) {
      size_t s = start;
      while (s > emitted) {
        size_t prev = s - 1;
        while (prev > 0 && (static_cast<uint8_t>(text[prev]) & 0xC0) == 0x80) --prev;
        size_t probe = prev;
        if (!is_whitespace(next_codepoint(text, probe))) break;
        s = prev;
      }
      start = s;
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t next = stop;
        if (!is_whitespace(next_codepoint(text, next))) break;
        stop = next;
      }
    }
    if (start > emitted) out.push_back({piece.text.slice(emitted, start), std::nullopt});
    out.push_back({piece.text.slice(start, stop), token.id});
    emitted = stop;
    pos = std::max(pos, stop);
  }
  if (emitted < text.size()) out.push_back({piece.text.slice(emitted, text.size()), std::nullopt});
}

std::vector<TextPiece> AddedVocabulary::split_and_normalize(std::string_view text,
                                                            const Normalizer* normalizer) const {
  std::vector<TextPiece> raw;
  split_matches(raw_trie_, {NormalizedString(text, 0), std::nullopt}, raw);
  std::vector<TextPiece> out;
  for (TextPiece& p : raw) {
    if (p.added_token_id) {
      out.push_back(std::move(p));
      continue;
    }
    if (normalizer) normalizer->normalize(p.text);
    split_matches(normalized_trie_, std::move(p), out);
  }
  return out;
}

const AddedToken* AddedVocabulary::find_id(int32_t id) const {
  auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::find_content(std::string_view content) const {
  for (const AddedToken& t : tokens_)
    if (t.content == content) return t.id;
  return std::nullopt;
}

}  // namespace lowspec::tokenizer
