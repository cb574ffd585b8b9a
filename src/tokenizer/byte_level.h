// GPT-2's byte-level alphabet: every byte maps to a printable character, so byte-level BPE works
// on any input.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace lowspec::tokenizer {

// The UTF-8 encoding of the character standing for byte b.
const std::string& byte_level_char(uint8_t b);
// The byte a character stands for, if it belongs to the alphabet.
std::optional<uint8_t> byte_level_byte(char32_t c);

}  // namespace lowspec::tokenizer
