#include "tokenizer/tokenizer_config.h"

#include <filesystem>

#include "core/error.h"
#include "core/json_util.h"

namespace lowspec::tokenizer {
namespace {

std::optional<bool> optional_bool(const Json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return json_bool(j, key, false, file);
}

// A special token is a string or an AddedToken object {"content": ...}.
std::optional<std::string> special_token(const Json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  check(v.is_object(), file, cat("\"", key, "\" must be a string or an object"));
  return json_require_string(v, "content", file);
}

}  // namespace

TokenizerConfig read_tokenizer_config(const std::string& dir) {
  TokenizerConfig c;
  const std::string file = (std::filesystem::path(dir) / "tokenizer_config.json").string();
  if (!std::filesystem::exists(file)) return c;
  const Json j = load_json_file(file);
  check(j.is_object(), file, "must hold a JSON object");
  c.add_bos_token = optional_bool(j, "add_bos_token", file);
  c.add_eos_token = optional_bool(j, "add_eos_token", file);
  c.do_lower_case = optional_bool(j, "do_lower_case", file);
  c.clean_up_tokenization_spaces = optional_bool(j, "clean_up_tokenization_spaces", file);
  c.bos_token = special_token(j, "bos_token", file);
  c.eos_token = special_token(j, "eos_token", file);
  c.unk_token = special_token(j, "unk_token", file);
  c.sep_token = special_token(j, "sep_token", file);
  c.pad_token = special_token(j, "pad_token", file);
  c.cls_token = special_token(j, "cls_token", file);
  c.mask_token = special_token(j, "mask_token", file);
  if (j.contains("model_max_length") && j["model_max_length"].is_number()) {
    const double n = j["model_max_length"].get<double>();
    // transformers writes a huge number (1e30) for "no limit".
    if (n > 0 && n < 1e9) c.model_max_length = static_cast<size_t>(n);
  }
  if (j.contains("padding_side") && j["padding_side"].is_string())
    c.padding_side = j["padding_side"] == "left" ? Side::kLeft : Side::kRight;
  if (j.contains("added_tokens_decoder") && j["added_tokens_decoder"].is_object()) {
    for (const auto& [key, t] : j["added_tokens_decoder"].items()) {
      AddedToken a;
      size_t used = 0;
      int64_t id = -1;
      try {
        id = std::stoll(key, &used);
      } catch (const std::exception&) {
      }
      check(used == key.size() && id >= 0 && id < (1 << 24), file,
            cat("added_tokens_decoder key \"", key, "\" is not a token id"));
      check(t.is_object(), file, "added_tokens_decoder entries must be objects");
      a.id = static_cast<int32_t>(id);
      a.content = json_require_string(t, "content", file);
      a.special = json_bool(t, "special", false, file);
      a.lstrip = json_bool(t, "lstrip", false, file);
      a.rstrip = json_bool(t, "rstrip", false, file);
      a.single_word = json_bool(t, "single_word", false, file);
      a.normalized = json_bool(t, "normalized", !a.special, file);
      c.added_tokens.push_back(std::move(a));
    }
  }
  return c;
}

std::unique_ptr<PostProcessor> make_bos_eos_processor(const Tokenizer& t, bool add_bos, bool add_eos) {
  const auto& s = t.settings().special;
  auto special = [&](const std::optional<int32_t>& id, int32_t type_id) {
    TemplatePiece p;
    p.special_ids = {*id};
    p.special_tokens = {t.id_to_token(*id)};
    p.type_id = type_id;
    return p;
  };
  auto sequence = [](bool b, int32_t type_id) {
    TemplatePiece p;
    p.is_sequence = true;
    p.sequence_b = b;
    p.type_id = type_id;
    return p;
  };
  const bool bos = add_bos && s.bos.has_value();
  const bool eos = add_eos && s.eos.has_value();
  std::vector<TemplatePiece> single, pair;
  if (bos) single.push_back(special(s.bos, 0));
  single.push_back(sequence(false, 0));
  if (eos) single.push_back(special(s.eos, 0));
  pair = single;
  if (bos) pair.push_back(special(s.bos, 1));
  pair.push_back(sequence(true, 1));
  if (eos) pair.push_back(special(s.eos, 1));
  return make_template_processor(std::move(single), std::move(pair));
}

void apply_tokenizer_config(Tokenizer& t, const TokenizerConfig& config) {
  auto& s = t.mutable_settings();
  auto resolve = [&](const std::optional<std::string>& name, std::optional<int32_t>& id) {
    if (!name) return;
    if (auto found = t.token_to_id(*name)) id = found;
  };
  resolve(config.bos_token, s.special.bos);
  resolve(config.eos_token, s.special.eos);
  resolve(config.unk_token, s.special.unk);
  resolve(config.sep_token, s.special.sep);
  resolve(config.pad_token, s.special.pad);
  resolve(config.cls_token, s.special.cls);
  resolve(config.mask_token, s.special.mask);
  if (config.clean_up_tokenization_spaces) s.clean_up_tokenization_spaces = *config.clean_up_tokenization_spaces;
  if (config.model_max_length) s.model_max_length = *config.model_max_length;
  if (config.padding_side) s.padding_side = *config.padding_side;
  if (config.add_bos_token || config.add_eos_token) {
    // An unstated add_bos_token keeps what the existing template does.
    const bool template_adds = t.post_processor() && t.post_processor()->added_tokens(false) > 0;
    t.set_post_processor(make_bos_eos_processor(t, config.add_bos_token.value_or(template_adds),
                                                config.add_eos_token.value_or(false)));
  }
}

}  // namespace lowspec::tokenizer
