// Typed access to JSON documents from user files, with errors that name the file and the field.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace lowspec {

using Json = nlohmann::json;

// Parses text as JSON; a syntax error becomes Error("<file>: invalid JSON: ...").
Json parse_json(const std::string& text, const std::string& file);
// Reads and parses a JSON file (bounded size).
Json load_json_file(const std::string& path, uint64_t max_bytes = 64ull << 20);

// Field getters: a missing key yields the fallback; a key of the wrong type is an Error.
int64_t json_int(const Json& j, const char* key, int64_t fallback, const std::string& file);
double json_number(const Json& j, const char* key, double fallback, const std::string& file);
bool json_bool(const Json& j, const char* key, bool fallback, const std::string& file);
std::string json_string(const Json& j, const char* key, const std::string& fallback,
                        const std::string& file);
// Required variants: a missing key is an Error too.
int64_t json_require_int(const Json& j, const char* key, const std::string& file);
std::string json_require_string(const Json& j, const char* key, const std::string& file);

}  // namespace lowspec
