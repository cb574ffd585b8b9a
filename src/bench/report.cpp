#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "bench/suite.h"
#include "core/error.h"

namespace lowspec {

namespace {

// A field of a run record by path ("decode_ms_per_token.p50"); null if absent.
Json field(const Json& record, const std::string& path) {
  const Json* j = &record;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (!j->is_object() || !j->contains(part)) return Json();
    j = &(*j)[part];
  }
  return *j;
}

std::string number(const Json& v, int decimals) {
  if (!v.is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

std::string mib(const Json& v) {
  if (!v.is_number()) return "-";
  return number(Json(v.get<double>() / (1024.0 * 1024.0)), 0);
}

// One configuration's runs (its rounds) and their median: every number in the records replaced
// by the median of that number over the runs that have it.
struct Row {
  RunRecord median;
  std::vector<const RunRecord*> runs;
};

Json median_of(const std::vector<const Json*>& values) {
  const Json& first = *values.front();
  if (first.is_object()) {
    Json out = Json::object();
    for (auto it = first.begin(); it != first.end(); ++it) {
      std::vector<const Json*> children;
      for (const Json* v : values)
        if (v->is_object() && v->contains(it.key())) children.push_back(&(*v)[it.key()]);
      out[it.key()] = median_of(children);
    }
    return out;
  }
  if (!first.is_number() || first.is_boolean()) return first;
  std::vector<double> xs;
  for (const Json* v : values)
    if (v->is_number()) xs.push_back(v->get<double>());
  std::sort(xs.begin(), xs.end());
  const size_t n = xs.size();
  return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

// Runs grouped by configuration, in the order each configuration first appears.
std::vector<Row> rows_of(const std::vector<RunRecord>& runs) {
  std::vector<Row> rows;
  std::map<std::string, size_t> index;
  for (const auto& r : runs) {
    const auto [it, added] = index.try_emplace(key_without_round(r.key), rows.size());
    if (added) rows.push_back({r, {}});
    rows[it->second].runs.push_back(&r);
  }
  for (Row& row : rows) {
    if (row.runs.size() == 1) continue;
    std::vector<const Json*> records;
    for (const RunRecord* r : row.runs) records.push_back(&r->record);
    row.median.record = median_of(records);
    row.median.key = key_without_round(row.median.key);
  }
  return rows;
}

// min-max of a field over a row's rounds ("-" with one round).
std::string spread(const Row& row, const std::string& path, int decimals) {
  if (row.runs.size() < 2) return "-";
  double lo = INFINITY, hi = -INFINITY;
  for (const RunRecord* r : row.runs) {
    const Json v = field(r->record, path);
    if (!v.is_number()) continue;
    lo = std::min(lo, v.get<double>());
    hi = std::max(hi, v.get<double>());
  }
  if (lo > hi) return "-";
  return number(Json(lo), decimals) + "-" + number(Json(hi), decimals);
}

// A column's cell comes from the row's median record, or for the rounds columns from the row.
struct Column {
  const char* title;
  std::string (*cell)(const RunRecord&);
  std::string (*row_cell)(const Row&) = nullptr;
  std::string of(const Row& row) const { return row_cell ? row_cell(row) : cell(row.median); }
};

const Column kColumns[] = {
    {"model", [](const RunRecord& r) { return r.model; }},
    {"task", [](const RunRecord& r) { return r.task; }},
    {"format", [](const RunRecord& r) { return r.weight_format; }},
    {"threads", [](const RunRecord& r) { return std::to_string(r.threads); }},
    {"batch", [](const RunRecord& r) { return std::to_string(r.batch); }},
    {"rounds", nullptr,
     [](const Row& row) {
       return row.runs.size() > 1 ? std::to_string(row.runs.size()) : std::string("-");
     }},
    {"seq", [](const RunRecord& r) { return number(field(r.record, "config.prompt_tokens"), 0); }},
    {"load ms", [](const RunRecord& r) { return number(field(r.record, "load_ms"), 0); }},
    {"prefill ms/tok",
     [](const RunRecord& r) { return number(field(r.record, "prefill_ms_per_token.p50"), 2); }},
    {"decode ms/tok",
     [](const RunRecord& r) { return number(field(r.record, "decode_ms_per_token.p50"), 2); }},
    {"decode p90",
     [](const RunRecord& r) { return number(field(r.record, "decode_ms_per_token.p90"), 2); }},
    {"tok/s", [](const RunRecord& r) { return number(field(r.record, "decode_tokens_per_s"), 1); }},
    {"latency ms", [](const RunRecord& r) { return number(field(r.record, "latency_ms.p50"), 1); }},
    {"decode/BW",
     [](const RunRecord& r) { return number(field(r.record, "decode_bandwidth_fraction"), 2); }},
    {"decode/BW range", nullptr,
     [](const Row& row) { return spread(row, "decode_bandwidth_fraction", 2); }},
    {"prefill/peak",
     [](const RunRecord& r) { return number(field(r.record, "prefill_peak_fraction"), 2); }},
    {"prefill/INT8",
     [](const RunRecord& r) { return number(field(r.record, "prefill_int8_fraction"), 2); }},
    {"GFLOP/s", [](const RunRecord& r) { return number(field(r.record, "gflops"), 1); }},
    {"share of peak",
     [](const RunRecord& r) { return number(field(r.record, "peak_fraction"), 2); }},
    {"share of INT8",
     [](const RunRecord& r) { return number(field(r.record, "int8_fraction"), 2); }},
    {"BW GB/s",
     [](const RunRecord& r) { return number(field(r.record, "probe.read_gb_per_s"), 1); }},
    {"peak RSS MiB", [](const RunRecord& r) { return mib(field(r.record, "peak_rss_bytes")); }},
    {"weights MiB", [](const RunRecord& r) { return mib(field(r.record, "weight_bytes")); }},
    {"quality",
     [](const RunRecord& r) {
       Json q = field(r.record, "quality");
       if (!q.is_object() || q.empty()) return std::string("-");
       std::string s;
       for (auto it = q.begin(); it != q.end(); ++it) {
         if (it.key() == "meaningful") continue;
         if (!s.empty()) s += ", ";
         s += it.key() + " " + (it.value().is_number() ? number(it.value(), 3) : it.value().dump());
       }
       if (q.contains("meaningful") && q["meaningful"] == false)
         s += " (synthetic weights: not meaningful)";
       return s;
     }},
};

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string format_report(const std::vector<RunRecord>& runs, const std::string& format) {
  std::ostringstream out;
  if (format == "json") {
    Json all = Json::array();
    for (const auto& r : runs) {
      Json j = r.record;
      j["key"] = r.key;
      j["model"] = r.model;
      j["task"] = r.task;
      j["weight_format"] = r.weight_format;
      j["threads"] = r.threads;
      j["batch"] = r.batch;
      j["finished_at"] = r.finished_at;
      all.push_back(std::move(j));
    }
    out << all.dump(2) << "\n";
  } else if (format == "csv") {
    bool first = true;
    for (const auto& c : kColumns) out << (first ? "" : ",") << csv_escape(c.title), first = false;
    out << "\n";
    for (const Row& row : rows_of(runs)) {
      first = true;
      for (const auto& c : kColumns)
        out << (first ? "" : ",") << csv_escape(c.of(row)), first = false;
      out << "\n";
    }
  } else if (format == "md") {
    // One table per task; columns that are empty in every row of the task are left out.
    const std::vector<Row> all_rows = rows_of(runs);
    std::map<std::string, std::vector<const Row*>> by_task;
    for (const Row& row : all_rows) by_task[row.median.task].push_back(&row);
    for (const auto& [task, rows] : by_task) {
      std::vector<const Column*> cols;
      for (const auto& c : kColumns) {
        bool any = false;
        for (const auto* r : rows) any |= c.of(*r) != "-";
        if (any && std::string(c.title) != "task") cols.push_back(&c);
      }
      out << "### " << task << "\n\n|";
      for (const auto* c : cols) out << " " << c->title << " |";
      out << "\n|";
      for (size_t i = 0; i < cols.size(); ++i) out << "---|";
      out << "\n";
      for (const auto* r : rows) {
        out << "|";
        for (const auto* c : cols) out << " " << c->of(*r) << " |";
        out << "\n";
      }
      out << "\n";
    }
    if (runs.empty()) out << "(no runs in the results database)\n";
  } else {
    throw Error(cat("unknown report format \"", format, "\" (md, csv, json)"));
  }
  return out.str();
}

}  // namespace lowspec
