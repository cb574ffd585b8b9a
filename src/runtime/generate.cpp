#include "runtime/generate.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/aligned_buffer.h"
#include "core/error.h"

namespace lowspec {
namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

GenerateResult generate(const Decoder& decoder, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerateOptions& options, ThreadPool& pool, const TokenObserver& on_tokens,
                        const LogitsObserver& on_logits) {
  const ModelConfig& c = decoder.config();
  const int64_t B = static_cast<int64_t>(prompts.size()), V = c.vocab_size, H = c.hidden_size;
  check(B > 0, decoder.path(), "no prompt to generate from");
  int64_t P = 0;
  for (const auto& p : prompts) {
    check(!p.empty(), decoder.path(), "the prompt is empty: give at least one token");
    for (int64_t id : p)
      check(id >= 0 && id < V, decoder.path(), cat("prompt token id ", id, " is outside the vocabulary [0, ", V, ")"));
    P = std::max<int64_t>(P, static_cast<int64_t>(p.size()));
  }
  check(options.max_new_tokens >= 1, "", "--max-new-tokens must be at least 1");
  const int64_t total = P + options.max_new_tokens;
  check(total <= c.max_position_embeddings, decoder.path(),
        cat("prompt of ", P, " tokens + ", options.max_new_tokens, " new tokens exceeds the model's context (",
            "max_position_embeddings = ", c.max_position_embeddings, ")"));

  // Everything the loop needs, allocated before it.
  DecoderState state(c, B, total, P, pool.size());
  Sampler sampler(options.sampling, V, options.seed);
  std::vector<int64_t> sequence(static_cast<size_t>(B * total), options.pad_id);  // [B, total]
  std::vector<uint8_t> mask(static_cast<size_t>(B * total), 0);                   // [B, total]
  std::vector<int64_t> step_ids(static_cast<size_t>(B * P)), positions(static_cast<size_t>(B * P));
  std::vector<int64_t> real_tokens(static_cast<size_t>(B), 0), chosen(static_cast<size_t>(B));
  std::vector<bool> finished(static_cast<size_t>(B), false);
  AlignedBuffer<float> last_hidden(static_cast<size_t>(B * H)), logits(static_cast<size_t>(B * V));
  GenerateResult result;
  result.new_ids.resize(static_cast<size_t>(B));
  for (auto& row : result.new_ids) row.reserve(static_cast<size_t>(options.max_new_tokens));

  // Left padding: row b's prompt ends at slot P-1.
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[b];
    const int64_t pad = P - static_cast<int64_t>(p.size());
    for (int64_t t = 0; t < P; ++t) {
      const bool real = t >= pad;
      const int64_t id = real ? p[t - pad] : options.pad_id;
      sequence[b * total + t] = step_ids[b * P + t] = id;
      mask[b * total + t] = real;
      positions[b * P + t] = real ? real_tokens[b]++ : 1;
    }
  }

  // Logits [B, V] of each row's last new token.
  auto last_logits = [&](int64_t tokens) {
    for (int64_t b = 0; b < B; ++b)
      std::memcpy(last_hidden.data() + b * H, state.hidden() + ((b + 1) * tokens - 1) * H, sizeof(float) * H);
    decoder.logits(last_hidden.data(), B, logits.data(), pool);
  };

  auto t0 = std::chrono::steady_clock::now();
  decoder.forward(state, DecoderStep{P, step_ids.data(), positions.data(), mask.data(), nullptr}, pool);
  last_logits(P);
  result.prefill_tokens = B * P;
  result.prefill_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    const int64_t slot = P + step;
    if (on_logits) on_logits(logits.data());
    bool all_finished = true;
    for (int64_t b = 0; b < B; ++b) {
      int64_t id = options.pad_id;
      if (!finished[b]) {
        id = sampler.choose(logits.data() + b * V, sequence.data() + b * total, slot);
        result.new_ids[b].push_back(id);
        finished[b] = std::find(options.eos_ids.begin(), options.eos_ids.end(), id) != options.eos_ids.end();
      }
      all_finished &= finished[b];
      chosen[b] = sequence[b * total + slot] = id;
    }
    const bool go_on = on_tokens ? on_tokens(chosen.data()) : true;
    if (all_finished || !go_on || step + 1 == options.max_new_tokens) break;
    // The mask grows by one 1 per row (finished rows too, as generate() does).
    for (int64_t b = 0; b < B; ++b) {
      mask[b * total + slot] = 1;
      positions[b] = real_tokens[b]++;
    }
    decoder.forward(state, DecoderStep{1, chosen.data(), positions.data(), mask.data(), nullptr}, pool);
    last_logits(1);
    ++result.decode_steps;
  }
  result.decode_ms = ms_since(t0);
  return result;
}

}  // namespace lowspec
