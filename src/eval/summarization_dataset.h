// CNN/DailyMail-style summarization data: records with id, article and highlights, as CSV (a
// header row naming the columns; other columns such as a leading unnamed index are ignored) or
// as JSON lines (.jsonl / .json). Both are streamed record by record.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "eval/sampling.h"

namespace lowspec::eval {

struct SummaryExample {
  std::string id;
  std::string article;
  std::string highlights;  // reference summary; highlight sentences separated by "\n"
};

// Calls `visit` for each record in file order. The format follows the extension (.csv, .jsonl,
// .json). A missing column or field, a record with the wrong number of fields or malformed
// CSV/JSON is an Error naming the file and line.
void for_each_summary_example(const std::string& path, const std::function<void(SummaryExample&&)>& visit);

std::vector<SummaryExample> load_summary_examples(const std::string& path, const Sampling& sampling = {});

}  // namespace lowspec::eval
