// Decoders of the Hugging Face pipeline: turn vocabulary strings back into text (ByteLevel,
// WordPiece, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/json_util.h"

namespace lowspec::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Transforms the token strings (decoders chain: each one's output is the next one's input).
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

std::unique_ptr<Decoder> make_wordpiece_decoder(std::string prefix, bool cleanup);
std::unique_ptr<Decoder> make_byte_level_decoder();
// Metaspace decoding: the replacement character becomes a space; strip_first drops the space
// the first token starts with.
std::unique_ptr<Decoder> make_metaspace_decoder(std::string replacement, bool strip_first);

// Parses a tokenizer.json "decoder" object; null gives nullptr (tokens joined by spaces).
std::unique_ptr<Decoder> parse_decoder(const Json& j, const std::string& file);

}  // namespace lowspec::tokenizer
