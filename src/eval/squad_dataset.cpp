#include "eval/squad_dataset.h"

#include "core/error.h"
#include "core/json_util.h"
#include "eval/line_reader.h"

namespace lowspec::eval {
namespace {

constexpr uint64_t kMaxSquadBytes = 1ull << 30;

// Typed access to one JSON value with its path for error messages.
struct Node {
  const Json& json;
  std::string path;
  const std::string& file;

  [[noreturn]] void fail(const std::string& problem) const { throw Error(file, cat(path, ": ", problem)); }

  Node field(const char* key) const {
    if (!json.is_object()) fail("expected a JSON object");
    auto it = json.find(key);
    std::string child = path.empty() ? key : cat(path, ".", key);
    if (it == json.end()) throw Error(file, cat(child, ": missing"));
    return {*it, child, file};
  }
  bool has(const char* key) const { return json.is_object() && json.contains(key) && !json.at(key).is_null(); }
  Node at(size_t i) const { return {json[i], cat(path, "[", i, "]"), file}; }

  std::string string() const {
    if (!json.is_string()) fail(cat("expected a string, got ", json.dump().substr(0, 40)));
    return json.get<std::string>();
  }
  int64_t integer() const {
    if (!json.is_number_integer()) fail(cat("expected an integer, got ", json.dump().substr(0, 40)));
    return json.get<int64_t>();
  }
  bool boolean() const {
    if (!json.is_boolean()) fail(cat("expected true or false, got ", json.dump().substr(0, 40)));
    return json.get<bool>();
  }
  size_t array_size() const {
    if (!json.is_array()) fail(cat("expected an array, got ", json.dump().substr(0, 40)));
    return json.size();
  }
};

// One flat-layout record (HF `datasets`): answers is {text: [...], answer_start: [...]}.
QaExample flat_example(const Node& record, const std::string& title_fallback) {
  QaExample ex;
  ex.id = record.field("id").string();
  ex.title = record.has("title") ? record.field("title").string() : title_fallback;
  ex.context = record.field("context").string();
  ex.question = record.field("question").string();
  Node answers = record.field("answers");
  Node texts = answers.field("text");
  Node starts = answers.field("answer_start");
  size_t n = texts.array_size();
  if (starts.array_size() != n) starts.fail(cat("has ", starts.json.size(), " entries but text has ", n));
  for (size_t i = 0; i < n; ++i) ex.answers.push_back({texts.at(i).string(), starts.at(i).integer()});
  ex.is_impossible = ex.answers.empty();
  return ex;
}

void nested_article(const Node& article, Reservoir<QaExample>& out) {
  std::string title = article.has("title") ? article.field("title").string() : "";
  Node paragraphs = article.field("paragraphs");
  for (size_t p = 0; p < paragraphs.array_size(); ++p) {
    Node paragraph = paragraphs.at(p);
    std::string context = paragraph.field("context").string();
    Node qas = paragraph.field("qas");
    for (size_t q = 0; q < qas.array_size(); ++q) {
      Node qa = qas.at(q);
      QaExample ex;
      ex.id = qa.field("id").string();
      ex.title = title;
      ex.context = context;
      ex.question = qa.field("question").string();
      Node answers = qa.field("answers");
      for (size_t a = 0; a < answers.array_size(); ++a) {
        Node answer = answers.at(a);
        ex.answers.push_back({answer.field("text").string(), answer.field("answer_start").integer()});
      }
      ex.is_impossible = qa.has("is_impossible") ? qa.field("is_impossible").boolean() : false;
      out.offer(std::move(ex));
    }
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<QaExample> load_squad(const std::string& path, const Sampling& sampling) {
  Reservoir<QaExample> examples(sampling);
  if (ends_with(path, ".jsonl")) {
    LineReader reader(path);
    std::string line;
    while (reader.next(line)) {
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::string where = reader.where();
      Json record = parse_json(line, where);
      examples.offer(flat_example({record, "", where}, ""));
    }
    return examples.take();
  }
  Json doc = load_json_file(path, kMaxSquadBytes);
  Node root{doc, "", path};
  Node data = doc.is_array() ? root : root.field("data");
  for (size_t i = 0; i < data.array_size(); ++i) {
    Node entry = data.at(i);
    if (entry.has("paragraphs")) {
      nested_article(entry, examples);
    } else {
      examples.offer(flat_example(entry, ""));
    }
  }
  return examples.take();
}

std::map<std::string, std::string> load_squad_predictions(const std::string& path) {
  Json doc = load_json_file(path, kMaxSquadBytes);
  if (!doc.is_object()) throw Error(path, "expected a JSON object {\"question id\": \"answer\", ...}");
  std::map<std::string, std::string> predictions;
  for (const auto& [id, answer] : doc.items()) {
    if (!answer.is_string()) throw Error(path, cat(id, ": expected the answer as a string"));
    predictions[id] = answer.get<std::string>();
  }
  return predictions;
}

SquadEvaluation evaluate_squad(const std::vector<QaExample>& questions,
                               const std::map<std::string, std::string>& predictions) {
  SquadEvaluation result;
  SquadAccumulator total;
  for (const QaExample& q : questions) {
    auto it = predictions.find(q.id);
    if (it == predictions.end()) {
      result.unanswered.push_back(q.id);
      total.add_unanswered();
      continue;
    }
    std::vector<std::string> truths;
    for (const auto& a : q.answers) truths.push_back(a.text);
    if (truths.empty()) truths.push_back("");
    total.add(squad_score(it->second, truths));
  }
  result.percent = total.percent();
  return result;
}

}  // namespace lowspec::eval
