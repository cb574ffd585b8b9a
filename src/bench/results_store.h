// Where benchmark runs live. One interface, so a fleet of devices can share one study through a
// database server later; SQLite (one file, WAL) is the default.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json_util.h"

namespace lowspec {

// One finished run: `key` identifies the configuration (model, task, format, threads, batch...)
// so a resumed study skips what is done; `record` holds every measured field.
struct RunRecord {
  std::string key;
  std::string model;
  std::string task;
  std::string weight_format;
  int threads = 0;
  int batch = 0;
  std::string finished_at;  // ISO 8601 UTC
  Json record;
};

class ResultsStore {
 public:
  virtual ~ResultsStore() = default;
  virtual bool has_run(const std::string& key) = 0;
  // Stores the run atomically (one transaction); a run with the same key is replaced.
  virtual void insert_run(const RunRecord& run) = 0;
  virtual std::vector<RunRecord> all_runs() = 0;
  virtual int schema_version() = 0;
};

// Opens (creating and migrating as needed) an SQLite results database.
std::unique_ptr<ResultsStore> open_sqlite_store(const std::string& path);

}  // namespace lowspec
