// Token ids written by people: "1,2,3", "1 2 3" or one per line.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lowspec {

// Parses non-negative integers separated by commas and/or whitespace. `source` names the flag or
// file in errors (anything else than a number is one).
std::vector<int64_t> parse_token_ids(const std::string& text, const std::string& source);

}  // namespace lowspec
