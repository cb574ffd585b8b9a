// A token vocabulary: id <-> string, with lookups by string_view.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lowspec::tokenizer {

class Vocab {
 public:
  // Ids above this are refused, so a hostile file cannot make us allocate without bound.
  static constexpr int64_t kMaxId = 1 << 24;

  // Adds token with the given id; Error (naming file) on a duplicate id or an id out of range.
  void add(std::string token, int64_t id, const std::string& file);
  // Appends token with the next id.
  int32_t push_back(std::string token);

  std::optional<int32_t> find(std::string_view token) const {
    auto it = ids_.find(token);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  bool contains_id(int64_t id) const { return id >= 0 && id < size() && present_[id]; }
  const std::string& token(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  size_t max_token_bytes() const { return max_token_bytes_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> tokens_;
  std::vector<bool> present_;
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> ids_;
  size_t max_token_bytes_ = 0;
};

}  // namespace lowspec::tokenizer
