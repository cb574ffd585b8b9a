#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bench/child_process.h"
#include "bench/results_store.h"
#include "core/error.h"
#include "test_util.h"

using namespace lowspec;

TEST(ResultsStore, StoresReopensAndReplacesByKey) {
  test::TempDir dir;
  std::string db = dir.file("results.db");
  {
    auto store = open_sqlite_store(db);
    EXPECT_EQ(store->schema_version(), 1);
    EXPECT_FALSE(store->has_run("a"));
    store->insert_run({"a", "tinyllama", "speed", "q8_0", 2, 1, "2026-01-01T00:00:00Z",
                       Json{{"decode_ms_per_token", {{"p50", 41.5}}}}});
    store->insert_run({"b", "phi-2", "speed", "f32", 1, 1, "2026-01-01T00:00:01Z", Json::object()});
  }
  auto store = open_sqlite_store(db);
  EXPECT_TRUE(store->has_run("a"));
  EXPECT_TRUE(store->has_run("b"));
  auto runs = store->all_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].model, "tinyllama");
  EXPECT_EQ(runs[0].threads, 2);
  EXPECT_DOUBLE_EQ(runs[0].record["decode_ms_per_token"]["p50"].get<double>(), 41.5);
  store->insert_run({"a", "tinyllama", "speed", "q8_0", 2, 1, "2026-01-02T00:00:00Z", Json::object()});
  EXPECT_EQ(store->all_runs().size(), 2u);
}

TEST(ResultsStore, RefusesANewerSchemaAndNonDatabases) {
  test::TempDir dir;
  std::string db = dir.file("future.db");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  EXPECT_THROW(open_sqlite_store(db), Error);

  std::string junk = dir.file("junk.db");
  FILE* f = std::fopen(junk.c_str(), "wb");
  std::fputs("this is not an SQLite database, just text that is long enough........", f);
  std::fclose(f);
  EXPECT_THROW(open_sqlite_store(junk), Error);
}

TEST(ChildProcess, CapturesOutputStatusAndPeakMemory) {
  auto r = run_child({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_GT(r.peak_rss_bytes, 0u);
  auto slow = run_child({"/bin/sleep", "5"}, 0.2);
  EXPECT_EQ(slow.exit_status, 128 + 9);
  EXPECT_LT(slow.wall_ms, 4000);
}
