#include "bench/report.h"

#include <cstdio>
#include <map>
#include <sstream>

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

struct Column {
  const char* title;
  std::string (*cell)(const RunRecord&);
};

const Column kColumns[] = {
    {"model", [](const RunRecord& r) { return r.model; }},
    {"task", [](const RunRecord& r) { return r.task; }},
    {"format", [](const RunRecord& r) { return r.weight_format; }},
    {"threads", [](const RunRecord& r) { return std::to_string(r.threads); }},
    {"batch", [](const RunRecord& r) { return std::to_string(r.batch); }},
    {"seq", [](const RunRecord& r) { return number(field(r.record, "config.prompt_tokens"), 0); }},
    {"load ms", [](const RunRecord& r) { return number(field(r.record, "load_ms"), 0); }},
    {"prefill ms/tok", [](const RunRecord& r) { return number(field(r.record, "prefill_ms_per_token.p50"), 2); }},
    {"decode ms/tok", [](const RunRecord& r) { return number(field(r.record, "decode_ms_per_token.p50"), 2); }},
    {"decode p90", [](const RunRecord& r) { return number(field(r.record, "decode_ms_per_token.p90"), 2); }},
    {"tok/s", [](const RunRecord& r) { return number(field(r.record, "decode_tokens_per_s"), 1); }},
    {"latency ms", [](const RunRecord& r) { return number(field(r.record, "latency_ms.p50"), 1); }},
    {"decode/BW", [](const RunRecord& r) { return number(field(r.record, "decode_bandwidth_fraction"), 2); }},
    {"prefill/peak", [](const RunRecord& r) { return number(field(r.record, "prefill_peak_fraction"), 2); }},
    {"prefill/INT8", [](const RunRecord& r) { return number(field(r.record, "prefill_int8_fraction"), 2); }},
    {"GFLOP/s", [](const RunRecord& r) { return number(field(r.record, "gflops"), 1); }},
    {"share of peak", [](const RunRecord& r) { return number(field(r.record, "peak_fraction"), 2); }},
    {"share of INT8", [](const RunRecord& r) { return number(field(r.record, "int8_fraction"), 2); }},
    {"BW GB/s", [](const RunRecord& r) { return number(field(r.record, "probe.read_gb_per_s"), 1); }},
    {"peak RSS MiB", [](const RunRecord& r) { return mib(field(r.record, "peak_rss_bytes")); }},
    {"weights MiB", [](const RunRecord& r) { return mib(field(r.record, "weight_bytes")); }},
    {"quality", [](const RunRecord& r) {
       Json q = field(r.record, "quality");
       if (!q.is_object() || q.empty()) return std::string("-");
       std::string s;
       for (auto it = q.begin(); it != q.end(); ++it) {
         if (it.key() == "meaningful") continue;
         if (!s.empty()) s += ", ";
         s += it.key() + " " + (it.value().is_number() ? number(it.value(), 3) : it.value().dump());
       }
       if (q.contains("meaningful") && q["meaningful"] == false) s += " (synthetic weights: not meaningful)";
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
    for (const auto& r : runs) {
      first = true;
      for (const auto& c : kColumns) out << (first ? "" : ",") << csv_escape(c.cell(r)), first = false;
      out << "\n";
    }
  } else if (format == "md") {
    // One table per task; columns that are empty for every run of the task are left out.
    std::map<std::string, std::vector<const RunRecord*>> by_task;
    for (const auto& r : runs) by_task[r.task].push_back(&r);
    for (const auto& [task, rows] : by_task) {
      std::vector<const Column*> cols;
      for (const auto& c : kColumns) {
        bool any = false;
        for (const auto* r : rows) any |= c.cell(*r) != "-";
        if (any && std::string(c.title) != "task") cols.push_back(&c);
      }
      out << "### " << task << "\n\n|";
      for (const auto* c : cols) out << " " << c->title << " |";
      out << "\n|";
      for (size_t i = 0; i < cols.size(); ++i) out << "---|";
      out << "\n";
      for (const auto* r : rows) {
        out << "|";
        for (const auto* c : cols) out << " " << c->cell(*r) << " |";
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
