// lowspec bench end to end on a fixture model: resumable, and a kill -9 loses no finished run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "bench/results_store.h"
#include "core/json_util.h"
#include "test_util.h"

using namespace lowspec;

namespace {

int count_runs(const std::string& db) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    return -1;
  }
  sqlite3_busy_timeout(raw, 2000);
  int n = -1;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(raw, "SELECT count(*) FROM runs", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return n;
}

std::string integrity(const std::string& db) {
  sqlite3* raw = nullptr;
  sqlite3_open(db.c_str(), &raw);
  std::string result;
  sqlite3_exec(
      raw, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) += values[0] ? values[0] : "";
        return 0;
      },
      &result, nullptr);
  sqlite3_close(raw);
  return result;
}

// 8 configurations of a tiny model, each a separate worker process (probes off: the kill test
// needs many short runs); or 2 with the bandwidth/peak probes around each, as stored and in Q8_0.
std::string bench_args(const std::string& model, const std::string& db) {
  return "bench --models '" + model + "' --threads 1,2 --batch 1,2,3,4 --prompt-tokens 8 " +
         "--gen-tokens 4 --reps 1 --warmup 0 --no-probe --db '" + db + "'";
}
std::string probed_bench_args(const std::string& model, const std::string& db) {
  return "bench --models '" + model + "' --threads 1 --quant file,q8_0 --prompt-tokens 8 " +
         "--gen-tokens 4 --reps 1 --warmup 0 --db '" + db + "'";
}

}  // namespace

TEST(BenchCli, SecondRunRunsNothingAndReportListsEveryRun) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  test::TempDir dir;
  std::string db = dir.file("results.db"), model = test::fixture("hf-tiny/llama");
  std::string out, err;
  ASSERT_EQ(test::run_lowspec(probed_bench_args(model, db), &out, &err), 0) << err;
  EXPECT_EQ(count_runs(db), 2);
  ASSERT_EQ(test::run_lowspec(probed_bench_args(model, db), &out, &err), 0) << err;
  EXPECT_NE(err.find("2 of 2 configurations already in the results database"), std::string::npos)
      << err;
  EXPECT_NE(err.find("0 ran"), std::string::npos) << err;
  EXPECT_EQ(count_runs(db), 2);

  ASSERT_EQ(test::run_lowspec("report --format json --db '" + db + "'", &out, &err), 0) << err;
  Json runs = Json::parse(out);
  ASSERT_EQ(runs.size(), 2u);
  int q8_0_runs = 0;
  for (const auto& r : runs) {
    for (const char* f :
         {"load_ms", "ttft_ms", "prefill_ms_per_token", "decode_ms_per_token",
          "decode_tokens_per_s", "peak_rss_bytes", "rss_file_bytes", "rss_anon_bytes",
          "weight_bytes", "machine", "threads", "batch", "weight_format", "finished_at"})
      EXPECT_TRUE(r.contains(f)) << f;
    EXPECT_GT(r["decode_ms_per_token"]["p50"].get<double>(), 0.0);
    EXPECT_GT(r["peak_rss_bytes"].get<double>(), 0.0);
    EXPECT_GT(r["probe"]["read_gb_per_s"].get<double>(), 0.0);
    EXPECT_GT(r["probe"]["fma_peak_gflops"].get<double>(), 0.0);
    EXPECT_GT(r["decode_bandwidth_fraction"].get<double>(), 0.0);
    EXPECT_GT(r["prefill_peak_fraction"].get<double>(), 0.0);
    // The INT8 peak is probed for every run; the share of it only for int8 kernels (Q8_0).
    const double int8_peak = r["probe"]["int8_peak_gops"].get<double>();
    EXPECT_GT(int8_peak, 0.0);
    EXPECT_EQ(r["int8_kernels"].get<bool>(), r["weight_format"] == "q8_0");
    if (r["weight_format"] == "q8_0") {
      ++q8_0_runs;
      EXPECT_DOUBLE_EQ(r["prefill_int8_fraction"].get<double>(),
                       r["prefill_gflops"].get<double>() / int8_peak);
    } else {
      EXPECT_FALSE(r.contains("prefill_int8_fraction"));
    }
    EXPECT_EQ(r["decode_ms_per_token"]["n"].get<int>(), 3);  // gen 4: 3 timed decode steps
  }
  EXPECT_EQ(q8_0_runs, 1);

  ASSERT_EQ(test::run_lowspec("report --db '" + db + "'", &out, &err), 0) << err;
  EXPECT_NE(out.find("| model |"), std::string::npos) << out;
  EXPECT_NE(out.find("| prefill/INT8 |"), std::string::npos) << out;
}

TEST(BenchCli, KillDashNineLosesNoFinishedRunAndLeavesTheDatabaseValid) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  test::TempDir dir;
  std::string db = dir.file("results.db"), model = test::fixture("hf-tiny/llama");
  std::string cmd =
      std::string("exec '") + LOWSPEC_EXE + "' " + bench_args(model, db) + " >/dev/null 2>&1";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it as soon as at least one run is stored, while others are still to do.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int before = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    before = count_runs(db);
    if (before >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_GE(before, 1) << "no run finished within 60 s";
  int after_kill = count_runs(db);
  EXPECT_GE(after_kill, before);
  EXPECT_EQ(integrity(db), "ok");

  std::string out, err;
  ASSERT_EQ(test::run_lowspec(bench_args(model, db), &out, &err), 0) << err;
  EXPECT_NE(err.find(std::to_string(after_kill) + " of 8 configurations already"),
            std::string::npos)
      << err;
  EXPECT_EQ(count_runs(db), 8);
  EXPECT_EQ(integrity(db), "ok");
}

// --rounds N repeats the matrix; a later call with more rounds runs only the new ones, and the
// report gives one row per configuration.
TEST(BenchCli, RoundsRepeatTheMatrixAndResume) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama");
  test::TempDir dir;
  const std::string db = dir.file("results.db");
  const std::string args = "bench --models '" + test::fixture("hf-tiny/llama") +
                           "' --threads 1 --prompt-tokens 8 --gen-tokens 4 --reps 1 --warmup 0 " +
                           "--no-probe --db '" + db + "' --rounds ";
  std::string out, err;
  ASSERT_EQ(test::run_lowspec(args + "2", &out, &err), 0) << err;
  EXPECT_EQ(count_runs(db), 2);
  ASSERT_EQ(test::run_lowspec(args + "3", &out, &err), 0) << err;
  EXPECT_NE(err.find("2 of 3 configurations already in the results database"), std::string::npos)
      << err;
  EXPECT_NE(err.find("1 ran"), std::string::npos) << err;
  EXPECT_EQ(count_runs(db), 3);

  ASSERT_EQ(test::run_lowspec("report --format json --db '" + db + "'", &out, &err), 0) << err;
  std::vector<int> rounds;
  for (const auto& r : Json::parse(out)) rounds.push_back(r["config"]["round"].get<int>());
  std::sort(rounds.begin(), rounds.end());
  EXPECT_EQ(rounds, (std::vector<int>{1, 2, 3}));

  ASSERT_EQ(test::run_lowspec("report --format csv --db '" + db + "'", &out, &err), 0) << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;  // header and one row

  EXPECT_NE(test::run_lowspec(args + "0", &out, &err), 0);
  EXPECT_NE(err.find("--rounds"), std::string::npos) << err;
}
