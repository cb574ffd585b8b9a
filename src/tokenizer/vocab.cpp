#include "tokenizer/vocab.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace lowspec::tokenizer {

uint64_t Vocab::hash(std::string_view s) {
  // Eight bytes per step with a multiply-xorshift mix: tokens are short, so speed beats quality.
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = s.size() * kMul;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  h *= kMul;
  return h ^ (h >> 32);
}

size_t Vocab::probe(std::string_view token, uint64_t h) const {
  const size_t mask = slots_.size() - 1;
  const auto bits = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.id < 0 || (s.hash_bits == bits && token == this->token(s.id))) return i;
  }
}

std::optional<int32_t> Vocab::find_hashed(std::string_view token, uint64_t h) const {
  if (slots_.empty()) return std::nullopt;
  const int32_t id = slots_[probe(token, h)].id;
  if (id < 0) return std::nullopt;
  return id;
}

void Vocab::grow_table(size_t min_slots) {
  size_t n = 16;
  while (n < min_slots) n *= 2;
  if (n <= slots_.size()) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(n, Slot{0, -1});
  for (const Slot& s : old)
    if (s.id >= 0) slots_[probe(token(s.id), hash(token(s.id)))] = s;
}

void Vocab::reserve(size_t count, size_t bytes) {
  bytes_.reserve(bytes);
  entries_.reserve(count);
  grow_table(2 * count);
}

void Vocab::insert(std::string_view token, int64_t id, uint64_t h, size_t slot,
                   const std::string& file) {
  if (id < 0 || id >= kMaxId)
    throw Error(file, cat("token id ", id, " of \"", token, "\" is out of range"));
  if (id >= size()) entries_.resize(static_cast<size_t>(id) + 1);
  Entry& e = entries_[static_cast<size_t>(id)];
  if (e.present) throw Error(file, cat("token id ", id, " is used twice"));
  if (bytes_.size() + token.size() > UINT32_MAX) throw Error(file, "the vocabulary exceeds 4 GB");
  e = {static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(token.size()), true};
  bytes_.append(token);
  max_token_bytes_ = std::max(max_token_bytes_, token.size());
  if (slots_[slot].id >= 0) return;  // a duplicate string: the first id keeps the lookup
  slots_[slot] = {static_cast<uint32_t>(h >> 32), static_cast<int32_t>(id)};
  if (++used_slots_ * 2 > slots_.size()) grow_table(slots_.size() * 2);
}

void Vocab::add(std::string_view token, int64_t id, const std::string& file) {
  if (slots_.empty()) grow_table(16);
  const uint64_t h = hash(token);
  insert(token, id, h, probe(token, h), file);
}

bool Vocab::add_if_new(std::string_view token, int64_t id, const std::string& file) {
  if (slots_.empty()) grow_table(16);
  const uint64_t h = hash(token);
  const size_t slot = probe(token, h);
  if (slots_[slot].id >= 0) return false;
  insert(token, id, h, slot, file);
  return true;
}

int32_t Vocab::push_back(std::string_view token) {
  const int32_t id = size();
  add(token, id, "");
  return id;
}

}  // namespace lowspec::tokenizer
