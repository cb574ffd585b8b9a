// lowspec report's tables: one row per configuration, the median of its rounds.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "bench/report.h"
#include "bench/suite.h"

using namespace lowspec;

namespace {

BenchConfig config(const std::string& format, int round) {
  BenchConfig c;
  c.model.name = "tiny";
  c.task = "speed";
  c.weight_format = format;
  c.round = round;
  return c;
}

RunRecord run(const BenchConfig& c, double decode_ms, double bw_fraction, double rss) {
  Json record{{"decode_ms_per_token", {{"p50", decode_ms}, {"p90", 2 * decode_ms}}},
              {"decode_bandwidth_fraction", bw_fraction},
              {"peak_rss_bytes", rss},
              {"int8_kernels", true},
              {"config", c.to_json()}};
  return {c.key(), c.model.name, c.task, c.weight_format, c.threads, c.batch, "", record};
}

// The csv's rows as cells, header first.
std::vector<std::vector<std::string>> csv_cells(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(csv);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

std::string cell(const std::vector<std::vector<std::string>>& rows, size_t row,
                 const std::string& title) {
  for (size_t i = 0; i < rows[0].size(); ++i)
    if (rows[0][i] == title) return rows[row].at(i);
  ADD_FAILURE() << "no column " << title;
  return "";
}

TEST(Report, RoundsOfOneConfigurationGiveOneRowOfMedians) {
  EXPECT_EQ(config("q8_0", 1).key(), key_without_round(config("q8_0", 3).key()));
  EXPECT_NE(config("q8_0", 1).key(), config("q8_0", 2).key());
  // Round 1's key is the key of a study without rounds: older databases resume.
  EXPECT_EQ(config("q8_0", 1).key().find("round"), std::string::npos);

  const std::vector<RunRecord> runs = {
      run(config("q8_0", 1), 30.0, 0.90, 100 << 20), run(config("q4_0", 1), 5.0, 1.00, 50 << 20),
      run(config("q8_0", 2), 10.0, 0.70, 300 << 20), run(config("q8_0", 3), 20.0, 1.10, 200 << 20)};
  const auto rows = csv_cells(format_report(runs, "csv"));
  ASSERT_EQ(rows.size(), 3u);  // header, q8_0, q4_0: in the order they first appear
  EXPECT_EQ(cell(rows, 1, "format"), "q8_0");
  EXPECT_EQ(cell(rows, 1, "rounds"), "3");
  EXPECT_EQ(cell(rows, 1, "decode ms/tok"), "20.00");
  EXPECT_EQ(cell(rows, 1, "decode p90"), "40.00");
  EXPECT_EQ(cell(rows, 1, "decode/BW"), "0.90");
  EXPECT_EQ(cell(rows, 1, "decode/BW range"), "0.70-1.10");
  EXPECT_EQ(cell(rows, 1, "peak RSS MiB"), "200");
  EXPECT_EQ(cell(rows, 2, "format"), "q4_0");
  EXPECT_EQ(cell(rows, 2, "rounds"), "-");
  EXPECT_EQ(cell(rows, 2, "decode ms/tok"), "5.00");
  EXPECT_EQ(cell(rows, 2, "decode/BW range"), "-");

  // An even count takes the mean of the middle two.
  const std::vector<RunRecord> two = {run(config("q8_0", 1), 30.0, 0.90, 1 << 20),
                                      run(config("q8_0", 2), 10.0, 0.70, 1 << 20)};
  EXPECT_EQ(cell(csv_cells(format_report(two, "csv")), 1, "decode ms/tok"), "20.00");

  // Markdown shows the rounds columns only where a configuration has several; json every run.
  const std::string md = format_report(runs, "md");
  EXPECT_NE(md.find("| rounds |"), std::string::npos) << md;
  EXPECT_NE(md.find("| decode/BW range |"), std::string::npos) << md;
  const std::string single = format_report({runs[1]}, "md");
  EXPECT_EQ(single.find("rounds"), std::string::npos) << single;
  EXPECT_EQ(Json::parse(format_report(runs, "json")).size(), 4u);
}

}  // namespace
