// The result of encoding text: ids with their vocabulary strings, byte offsets and sequence roles.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lowspec::tokenizer {

// A half-open byte range [begin, end) in the text a token came from.
struct Offset {
  size_t begin = 0;
  size_t end = 0;
  bool operator==(const Offset&) const = default;
};

// Which input a token belongs to: the first text, the second (pair) text, or neither (a special
// token added by post-processing, or padding).
enum class SequenceId : int8_t { kNone = -1, kFirst = 0, kSecond = 1 };

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  // Byte offsets into the text of the token's own sequence (first or second); {0,0} for tokens
  // added by post-processing.
  std::vector<Offset> offsets;
  std::vector<int32_t> type_ids;
  std::vector<SequenceId> sequence_ids;
  std::vector<uint8_t> special_tokens_mask;  // 1 for tokens added by post-processing or padding
  std::vector<uint8_t> attention_mask;       // 0 for padding

  size_t size() const { return ids.size(); }
  // Appends one token with all its per-token fields.
  void push(int32_t id, std::string token, Offset offset, int32_t type_id, SequenceId sequence,
            bool special);
  // Appends all tokens of other.
  void append(const Encoding& other);
  // The tokens [begin, end) as a new encoding.
  Encoding slice(size_t begin, size_t end) const;
};

}  // namespace lowspec::tokenizer
