#include "eval/score_items.h"

#include "core/error.h"
#include "core/json_util.h"
#include "eval/line_reader.h"

namespace lowspec::eval {
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    if (tab == std::string::npos) {
      pieces.push_back(line.substr(start));
      return pieces;
    }
    pieces.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

}  // namespace

std::vector<ScoreItem> read_score_items(const std::string& pred_path, const std::string& ref_path) {
  LineReader predictions(pred_path), references(ref_path);
  std::vector<ScoreItem> items;
  std::string pred_line, ref_line;
  while (true) {
    bool has_pred = predictions.next(pred_line);
    bool has_ref = references.next(ref_line);
    if (!has_pred && !has_ref) break;
    if (has_pred != has_ref) {
      const LineReader& longer = has_pred ? predictions : references;
      const LineReader& shorter = has_pred ? references : predictions;
      throw Error(longer.where(), cat("has more lines than ", shorter.path(), " (", shorter.line_number(),
                                      " lines); predictions and references must pair line by line"));
    }
    items.push_back({pred_line, split_tabs(ref_line)});
  }
  return items;
}

std::vector<ScoreItem> read_score_items_jsonl(const std::string& path) {
  LineReader reader(path);
  std::vector<ScoreItem> items;
  std::string line;
  while (reader.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    Json item = parse_json(line, reader.where());
    if (!item.is_object()) throw Error(reader.where(), "expected a JSON object {\"prediction\", \"references\"}");
    auto prediction = item.find("prediction");
    if (prediction == item.end() || !prediction->is_string())
      throw Error(reader.where(), "field \"prediction\" must be a string");
    auto references = item.find("references");
    if (references == item.end() || !references->is_array())
      throw Error(reader.where(), "field \"references\" must be an array of strings");
    ScoreItem scored{prediction->get<std::string>(), {}};
    for (size_t i = 0; i < references->size(); ++i) {
      const Json& ref = (*references)[i];
      if (!ref.is_string()) throw Error(reader.where(), cat("references[", i, "] must be a string, got ", ref.dump()));
      scored.references.push_back(ref.get<std::string>());
    }
    items.push_back(std::move(scored));
  }
  return items;
}

}  // namespace lowspec::eval
