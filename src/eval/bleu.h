// BLEU as sacreBLEU 2.x computes it: corpus_score (exp smoothing) and sentence_score
// (effective order), with its 13a or `none` tokenizer and optional lowercasing.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lowspec::eval {

constexpr int kBleuMaxOrder = 4;

enum class BleuTokenizer { k13a, kNone };

// Parses "13a" or "none"; throws Error otherwise.
BleuTokenizer parse_bleu_tokenizer(const std::string& name);

struct BleuOptions {
  BleuTokenizer tokenizer = BleuTokenizer::k13a;
  bool lowercase = false;
};

// The mteval-v13a tokenization sacreBLEU's Tokenizer13a applies.
std::string tokenize_13a(std::string_view line);

// Sufficient statistics of one segment or a whole corpus.
struct BleuStats {
  int64_t sys_len = 0;
  int64_t ref_len = 0;
  std::array<int64_t, kBleuMaxOrder> correct{};
  std::array<int64_t, kBleuMaxOrder> total{};
  BleuStats& operator+=(const BleuStats& other);
};

struct BleuScore {
  double score = 0;  // 0..100
  std::array<int64_t, kBleuMaxOrder> counts{};
  std::array<int64_t, kBleuMaxOrder> totals{};
  std::array<double, kBleuMaxOrder> precisions{};  // percent
  double bp = 0;
  int64_t sys_len = 0;
  int64_t ref_len = 0;
};

// One hypothesis against its references. Empty references are skipped as sacreBLEU does; at
// least one must be non-empty (Error otherwise). The reference length is the closest one.
BleuStats bleu_segment_stats(std::string_view hypothesis, const std::vector<std::string>& references,
                             const BleuOptions& options);

// sacreBLEU's compute_bleu with exp smoothing.
BleuScore bleu_from_stats(const BleuStats& stats, bool effective_order);

// references[i] holds the references of hypotheses[i].
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, const BleuOptions& options);
BleuScore sentence_bleu(std::string_view hypothesis, const std::vector<std::string>& references,
                        const BleuOptions& options);

}  // namespace lowspec::eval
