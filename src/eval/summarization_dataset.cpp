#include "eval/summarization_dataset.h"

#include <filesystem>

#include "core/error.h"
#include "core/json_util.h"
#include "eval/csv_reader.h"
#include "eval/line_reader.h"

namespace lowspec::eval {
namespace {

constexpr const char* kFields[] = {"id", "article", "highlights"};

void read_csv(const std::string& path, const std::function<void(SummaryExample&&)>& visit) {
  CsvReader reader(path);
  std::vector<std::string> header, record;
  if (!reader.next(header)) throw Error(path, "empty CSV file, expected a header row with id, article, highlights");
  size_t column[3];
  for (int f = 0; f < 3; ++f) {
    size_t c = 0;
    while (c < header.size() && header[c] != kFields[f]) ++c;
    if (c == header.size()) throw Error(cat(path, ":", reader.record_line()), cat("header has no column \"", kFields[f], "\""));
    column[f] = c;
  }
  while (reader.next(record)) {
    if (record.size() != header.size())
      throw Error(cat(path, ":", reader.record_line()),
                  cat("record has ", record.size(), " fields, the header has ", header.size()));
    visit({std::move(record[column[0]]), std::move(record[column[1]]), std::move(record[column[2]])});
  }
}

void read_jsonl(const std::string& path, const std::function<void(SummaryExample&&)>& visit) {
  LineReader reader(path);
  std::string line;
  while (reader.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string where = reader.where();
    Json record = parse_json(line, where);
    if (!record.is_object()) throw Error(where, "expected a JSON object with id, article, highlights");
    SummaryExample ex;
    std::string* targets[] = {&ex.id, &ex.article, &ex.highlights};
    for (int f = 0; f < 3; ++f) {
      auto it = record.find(kFields[f]);
      if (it == record.end()) throw Error(where, cat("field \"", kFields[f], "\" is missing"));
      if (!it->is_string()) throw Error(where, cat("field \"", kFields[f], "\" must be a string"));
      *targets[f] = it->get<std::string>();
    }
    visit(std::move(ex));
  }
}

}  // namespace

void for_each_summary_example(const std::string& path, const std::function<void(SummaryExample&&)>& visit) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".csv") {
    read_csv(path, visit);
  } else if (ext == ".jsonl" || ext == ".json") {
    read_jsonl(path, visit);
  } else {
    throw Error(path, "unknown summarization data format; expected a .csv or .jsonl file");
  }
}

std::vector<SummaryExample> load_summary_examples(const std::string& path, const Sampling& sampling) {
  Reservoir<SummaryExample> examples(sampling);
  for_each_summary_example(path, [&](SummaryExample&& ex) { examples.offer(std::move(ex)); });
  return examples.take();
}

}  // namespace lowspec::eval
