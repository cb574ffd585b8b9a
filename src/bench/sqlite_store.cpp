#include <sqlite3.h>

#include <functional>

#include "bench/results_store.h"
#include "core/error.h"

namespace lowspec {

namespace {

constexpr int kSchemaVersion = 1;

// Migrations, in order: migration i takes the schema from version i to i + 1.
const char* const kMigrations[] = {
    R"sql(
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      config_key TEXT NOT NULL UNIQUE,
      model TEXT NOT NULL,
      task TEXT NOT NULL,
      weight_format TEXT NOT NULL,
      threads INTEGER NOT NULL,
      batch INTEGER NOT NULL,
      finished_at TEXT NOT NULL,
      record TEXT NOT NULL
    );
    CREATE INDEX runs_by_model ON runs (model, task, weight_format);
    )sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);

class SqliteStore : public ResultsStore {
 public:
  explicit SqliteStore(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
      sqlite3_close(db_);
      db_ = nullptr;
      throw Error(path, "cannot open results database: " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    try {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");
      migrate();
    } catch (...) {
      sqlite3_close(db_);  // the destructor does not run for a constructor that throws
      throw;
    }
  }
  ~SqliteStore() override { sqlite3_close(db_); }

  int schema_version() override {
    int v = 0;
    query("PRAGMA user_version", {}, [&](sqlite3_stmt* s) { v = sqlite3_column_int(s, 0); });
    return v;
  }

  bool has_run(const std::string& key) override {
    bool found = false;
    query("SELECT 1 FROM runs WHERE config_key = ?1", {key}, [&](sqlite3_stmt*) { found = true; });
    return found;
  }

  void insert_run(const RunRecord& r) override {
    exec("BEGIN IMMEDIATE");
    try {
      Statement st(db_, path_,
                   "INSERT OR REPLACE INTO runs (config_key, model, task, weight_format, threads, "
                   "batch, finished_at, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      std::string record = r.record.dump();
      sqlite3_bind_text(st.s, 1, r.key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 2, r.model.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 3, r.task.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 4, r.weight_format.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(st.s, 5, r.threads);
      sqlite3_bind_int(st.s, 6, r.batch);
      sqlite3_bind_text(st.s, 7, r.finished_at.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 8, record.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(st.s) != SQLITE_DONE) fail("insert");
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::vector<RunRecord> all_runs() override {
    std::vector<RunRecord> runs;
    query(
        "SELECT config_key, model, task, weight_format, threads, batch, finished_at, record FROM "
        "runs ORDER BY id",
        {}, [&](sqlite3_stmt* s) {
          auto text = [&](int i) {
            const unsigned char* t = sqlite3_column_text(s, i);
            return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
          };
          RunRecord r{text(0), text(1), text(2), text(3), sqlite3_column_int(s, 4),
                      sqlite3_column_int(s, 5), text(6), parse_json(text(7), path_)};
          runs.push_back(std::move(r));
        });
    return runs;
  }

 private:
  struct Statement {
    Statement(sqlite3* db, const std::string& path, const char* sql) {
      if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
        throw Error(path, cat("results database: ", sqlite3_errmsg(db)));
    }
    ~Statement() { sqlite3_finalize(s); }
    sqlite3_stmt* s = nullptr;
  };

  [[noreturn]] void fail(const char* what) {
    throw Error(path_, cat("results database ", what, " failed: ", sqlite3_errmsg(db_)));
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "error";
      sqlite3_free(err);
      throw Error(path_, cat("results database: ", msg));
    }
  }

  void query(const char* sql, const std::vector<std::string>& params,
             const std::function<void(sqlite3_stmt*)>& row) {
    Statement st(db_, path_, sql);
    for (size_t i = 0; i < params.size(); ++i)
      sqlite3_bind_text(st.s, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) row(st.s);
    if (rc != SQLITE_DONE) fail("query");
  }

  void migrate() {
    int v = schema_version();
    if (v > kSchemaVersion)
      throw Error(path_, cat("results database has schema version ", v,
                             ", newer than this lowspec understands (", kSchemaVersion, ")"));
    for (; v < kSchemaVersion; ++v) {
      exec("BEGIN IMMEDIATE");
      try {
        exec(kMigrations[v]);
        exec(cat("PRAGMA user_version = ", v + 1).c_str());
        exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
  }

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<ResultsStore> open_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace lowspec
