#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

// Hugging Face Encoding::truncate: the window [0, max_len) and, for the overflow, windows
// advancing by max_len - stride until the end is reached (mirrored for kLeft).
std::vector<Encoding> split_windows(const Encoding& e, size_t max_len, size_t stride, Side side) {
  const size_t n = e.size();
  if (max_len >= n) return {e};
  if (max_len == 0) return {Encoding{}, e};
  if (stride >= max_len)
    throw Error(cat("truncation stride ", stride, " must be smaller than the room left for text (",
                    max_len, " tokens after special tokens)"));
  const size_t step = max_len - stride;
  std::vector<Encoding> out;
  if (side == Side::kRight) {
    for (size_t start = 0;; start += step) {
      const size_t stop = std::min(start + max_len, n);
      out.push_back(e.slice(start, stop));
      if (stop == n) break;
    }
  } else {
    for (size_t stop = n;; stop -= std::min(step, stop)) {
      const size_t start = stop < max_len ? 0 : stop - max_len;
      out.push_back(e.slice(start, stop));
      if (start == 0) break;
    }
  }
  return out;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

std::string clean_up_tokenization(std::string text) {
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},     {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) replace_all(text, from, to);
  return text;
}

Encoding Tokenizer::encode_checked(std::string_view text, SequenceId sequence) const {
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos)
    throw Error(cat("input text is not valid UTF-8 (byte ", bad, ")"));
  Encoding e = encode_sequence(text);
  e.type_ids.assign(e.size(), 0);
  e.sequence_ids.assign(e.size(), sequence);
  e.special_tokens_mask.assign(e.size(), 0);
  e.attention_mask.assign(e.size(), 1);
  return e;
}

Encoding Tokenizer::post_process(Encoding first, const Encoding* second,
                                 bool add_special_tokens) const {
  if (post_processor_) return post_processor_->process(std::move(first), second, add_special_tokens);
  return concatenate(std::move(first), second);
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  return post_process(encode_checked(text, SequenceId::kFirst), nullptr, add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second,
                                bool add_special_tokens) const {
  Encoding b = encode_checked(second, SequenceId::kSecond);
  return post_process(encode_checked(first, SequenceId::kFirst), &b, add_special_tokens);
}

std::vector<Encoding> Tokenizer::encode_truncated(std::string_view first,
                                                  const std::string_view* second,
                                                  const TruncationOptions& options,
                                                  bool add_special_tokens) const {
  Encoding a = encode_checked(first, SequenceId::kFirst);
  std::optional<Encoding> b;
  if (second) b = encode_checked(*second, SequenceId::kSecond);

  size_t max_length = options.max_length;
  if (add_special_tokens && post_processor_) {
    const size_t added = post_processor_->added_tokens(b.has_value());
    if (added > max_length)
      throw Error(cat("max_length ", max_length, " leaves no room beside ", added,
                      " special tokens"));
    max_length -= added;
  }
  const size_t total = a.size() + (b ? b->size() : 0);
  std::vector<Encoding> a_windows{a}, b_windows;
  if (b) b_windows.push_back(*b);
  if (total > max_length) {
    const size_t to_remove = total - max_length;
    auto cut = [&](const Encoding& e, size_t keep) {
      return split_windows(e, keep, options.stride, options.direction);
    };
    switch (options.strategy) {
      case TruncationStrategy::kLongestFirst:
        if (b) {
          size_t n1 = a.size(), n2 = b->size();
          const bool swapped = n1 > n2;
          if (swapped) std::swap(n1, n2);
          n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
          if (n1 + n2 > max_length) {
            n1 = max_length / 2;
            n2 = n1 + max_length % 2;
          }
          if (swapped) std::swap(n1, n2);
          a_windows = cut(a, n1);
          b_windows = cut(*b, n2);
        } else {
          a_windows = cut(a, total - to_remove);
        }
        break;
      case TruncationStrategy::kOnlyFirst:
      case TruncationStrategy::kOnlySecond: {
        const bool on_first = options.strategy == TruncationStrategy::kOnlyFirst;
        if (!on_first && !b) throw Error("truncation only_second needs a second sequence");
        const Encoding& target = on_first ? a : *b;
        if (target.size() <= to_remove)
          throw Error(cat("truncation: the ", on_first ? "first" : "second", " sequence (",
                          target.size(), " tokens) is too short to remove ", to_remove));
        (on_first ? a_windows : b_windows) = cut(target, target.size() - to_remove);
        break;
      }
    }
  }

  // Hugging Face's order: the main window, then each overflow of the first side with the main and
  // overflowing second sides, then the main first side with each overflow of the second.
  std::vector<Encoding> out;
  auto combine = [&](const Encoding& x, const Encoding* y) {
    out.push_back(post_process(x, y, add_special_tokens));
  };
  const Encoding* b_main = b ? &b_windows[0] : nullptr;
  combine(a_windows[0], b_main);
  if (!options.return_overflowing) return out;
  for (size_t i = 1; i < a_windows.size(); ++i) {
    combine(a_windows[i], b_main);
    for (size_t j = 1; j < b_windows.size(); ++j) combine(a_windows[i], &b_windows[j]);
  }
  for (size_t j = 1; j < b_windows.size(); ++j) combine(a_windows[0], &b_windows[j]);
  return out;
}

void Tokenizer::pad(std::vector<Encoding>& batch, const PaddingOptions& options) const {
  size_t target = options.length.value_or(0);
  if (!options.length)
    for (const Encoding& e : batch) target = std::max(target, e.size());
  if (options.pad_to_multiple_of > 0 && target % options.pad_to_multiple_of != 0)
    target += options.pad_to_multiple_of - target % options.pad_to_multiple_of;
  bool needed = false;
  for (const Encoding& e : batch) needed |= e.size() < target;
  if (!needed) return;
  if (!settings_.special.pad) throw Error("padding needs a pad token, and this tokenizer has none");
  const int32_t pad_id = *settings_.special.pad;
  const std::string pad_token = id_to_token(pad_id);
  for (Encoding& e : batch) {
    if (e.size() >= target) continue;
    Encoding padding;
    for (size_t i = e.size(); i < target; ++i) {
      padding.push(pad_id, pad_token, {}, 0, SequenceId::kNone, true);
      padding.attention_mask.back() = 0;
    }
    if (options.side == Side::kRight) {
      e.append(padding);
    } else {
      padding.append(e);
      e = std::move(padding);
    }
  }
}

std::string Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  std::vector<int32_t> kept;
  kept.reserve(ids.size());
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= vocab_size())
      throw Error(cat("token id ", id, " is outside the vocabulary (size ", vocab_size(), ")"));
    if (options.skip_special_tokens && is_special(id)) continue;
    kept.push_back(id);
  }
  std::string text = decode_ids(kept);
  if (options.clean_up_tokenization_spaces.value_or(settings_.clean_up_tokenization_spaces))
    text = clean_up_tokenization(std::move(text));
  return text;
}

}  // namespace lowspec::tokenizer
