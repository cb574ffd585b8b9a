// A token vocabulary: id <-> string, with lookups by string_view. The strings live back to back
// in one buffer and the lookup is an open-addressing table of ids, so a 256k-entry vocabulary
// costs a few allocations rather than one per token.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lowspec::tokenizer {

class Vocab {
 public:
  // Ids above this are refused, so a hostile file cannot make us allocate without bound.
  static constexpr int64_t kMaxId = 1 << 24;

  // Adds token with the given id; Error (naming file) on a duplicate id or an id out of range.
  // A string added twice keeps its first id for lookups (duplicate strings do occur).
  void add(std::string_view token, int64_t id, const std::string& file);
  // Like add, but does nothing and returns false when the string is already present.
  bool add_if_new(std::string_view token, int64_t id, const std::string& file);
  // Appends token with the next id.
  int32_t push_back(std::string_view token);
  // Room for `count` tokens of `bytes` bytes in all, so loading does not rehash.
  void reserve(size_t count, size_t bytes);

  std::optional<int32_t> find(std::string_view token) const {
    return find_hashed(token, hash(token));
  }
  std::optional<int32_t> find_hashed(std::string_view token, uint64_t h) const;
  bool contains_id(int64_t id) const { return id >= 0 && id < size() && entries_[id].present; }
  // The string of id (valid until the next add).
  std::string_view token(int32_t id) const {
    const Entry& e = entries_[static_cast<size_t>(id)];
    return {bytes_.data() + e.offset, e.length};
  }
  int32_t size() const { return static_cast<int32_t>(entries_.size()); }
  size_t max_token_bytes() const { return max_token_bytes_; }

  static uint64_t hash(std::string_view s);

 private:
  struct Entry {
    uint32_t offset = 0, length = 0;
    bool present = false;
  };
  struct Slot {
    uint32_t hash_bits;  // high bits of the hash, to skip most string compares
    int32_t id;          // -1: empty
  };
  // The slot holding token, or the empty slot where it would go.
  size_t probe(std::string_view token, uint64_t h) const;
  void grow_table(size_t min_slots);
  void insert(std::string_view token, int64_t id, uint64_t h, size_t slot, const std::string& file);

  std::string bytes_;
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;  // power-of-two size, at most half full
  size_t used_slots_ = 0;
  size_t max_token_bytes_ = 0;
};

}  // namespace lowspec::tokenizer
