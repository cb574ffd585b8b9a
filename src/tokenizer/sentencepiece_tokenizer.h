// A SentencePiece model (tokenizer.model) run by libsentencepiece: special-token strings in the
// text are plain text, as in SentencePiece itself.
#pragma once
#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {

std::unique_ptr<Tokenizer> load_sentencepiece(const std::string& path);

}  // namespace lowspec::tokenizer
