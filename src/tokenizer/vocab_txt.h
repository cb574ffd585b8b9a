// BERT vocab.txt loading.
#pragma once
#include <memory>
#include <string>

#include "tokenizer/pipeline_tokenizer.h"
#include "tokenizer/tokenizer_config.h"

namespace lowspec::tokenizer {

// do_lower_case (default true), special-token names and added tokens come from config.
std::unique_ptr<PipelineTokenizer> load_vocab_txt(const std::string& path, const TokenizerConfig& config);

}  // namespace lowspec::tokenizer
