// The inputs of `lowspec score`: predictions, each with its references.
#pragma once
#include <string>
#include <vector>

namespace lowspec::eval {

struct ScoreItem {
  std::string prediction;
  std::vector<std::string> references;
};

// Line form: line i of pred_path is the prediction of line i of ref_path, which holds its
// references separated by tabs. Both files must have the same number of lines.
std::vector<ScoreItem> read_score_items(const std::string& pred_path, const std::string& ref_path);

// JSONL form: one {"prediction": "...", "references": ["...", ...]} per line (blank lines
// skipped), so texts may hold newlines.
std::vector<ScoreItem> read_score_items_jsonl(const std::string& path);

}  // namespace lowspec::eval
