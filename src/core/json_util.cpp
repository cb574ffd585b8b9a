#include "core/json_util.h"

#include "core/mapped_file.h"

namespace lowspec {

Json parse_json(const std::string& text, const std::string& file) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] "; keep the readable part.
    size_t close = what.find("] ");
    throw Error(file, "invalid JSON: " + (close == std::string::npos ? what : what.substr(close + 2)));
  }
}

Json load_json_file(const std::string& path, uint64_t max_bytes) {
  return parse_json(read_text_file(path, max_bytes), path);
}

namespace {
const Json* find(const Json& j, const char* key, const std::string& file) {
  if (!j.is_object()) throw Error(file, cat("expected a JSON object holding \"", key, "\""));
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}
}  // namespace

int64_t json_int(const Json& j, const char* key, int64_t fallback, const std::string& file) {
  const Json* v = find(j, key, file);
  if (!v) return fallback;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    // Range check first: casting a double outside int64_t is undefined (found by fuzz_config).
    if (d >= -0x1p63 && d < 0x1p63 && d == static_cast<double>(static_cast<int64_t>(d)))
      return static_cast<int64_t>(d);
  }
  throw Error(file, cat("field \"", key, "\" must be an integer, got ", v->dump()));
}

double json_number(const Json& j, const char* key, double fallback, const std::string& file) {
  const Json* v = find(j, key, file);
  if (!v) return fallback;
  if (v->is_number()) return v->get<double>();
  throw Error(file, cat("field \"", key, "\" must be a number, got ", v->dump()));
}

bool json_bool(const Json& j, const char* key, bool fallback, const std::string& file) {
  const Json* v = find(j, key, file);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  throw Error(file, cat("field \"", key, "\" must be true or false, got ", v->dump()));
}

std::string json_string(const Json& j, const char* key, const std::string& fallback,
                        const std::string& file) {
  const Json* v = find(j, key, file);
  if (!v) return fallback;
  if (v->is_string()) return v->get<std::string>();
  throw Error(file, cat("field \"", key, "\" must be a string, got ", v->dump()));
}

int64_t json_require_int(const Json& j, const char* key, const std::string& file) {
  if (!find(j, key, file)) throw Error(file, cat("missing field \"", key, "\""));
  return json_int(j, key, 0, file);
}

std::string json_require_string(const Json& j, const char* key, const std::string& file) {
  if (!find(j, key, file)) throw Error(file, cat("missing field \"", key, "\""));
  return json_string(j, key, "", file);
}

}  // namespace lowspec
