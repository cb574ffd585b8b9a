// A bounded, thread-safe memo of word -> tokens for the models: running text repeats its words,
// and a lookup is much cheaper than merging or matching the word again. Like Hugging Face's
// cache it stops taking words once full, so memory stays bounded and hits stay lock-cheap.
#pragma once
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/model.h"

namespace lowspec::tokenizer {

class WordCache {
 public:
  static constexpr size_t kMaxWordBytes = 64;  // longer words rarely repeat
  static constexpr size_t kCapacity = 16384;

  // Appends the cached tokens of word to out, their byte ranges moved by offset; false if word
  // is not cached.
  bool find(std::string_view word, size_t offset, std::vector<ModelToken>& out) const {
    if (word.size() > kMaxWordBytes) return false;
    std::lock_guard lock(mutex_);
    auto it = map_.find(word);
    if (it == map_.end()) return false;
    for (const ModelToken& t : it->second) out.push_back({t.id, t.begin + offset, t.end + offset});
    return true;
  }
  // Remembers the tokens of word (byte ranges of word itself).
  void insert(std::string_view word, const ModelToken* begin, const ModelToken* end) {
    if (word.size() > kMaxWordBytes) return;
    std::lock_guard lock(mutex_);
    if (map_.size() < kCapacity) map_.try_emplace(std::string(word), begin, end);
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return Vocab::hash(s); }
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<ModelToken>, Hash, std::equal_to<>> map_;
};

}  // namespace lowspec::tokenizer
