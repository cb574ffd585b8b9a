// Streams records of an RFC 4180 CSV file: comma-separated, fields in double quotes may hold
// commas, newlines and doubled quotes; LF or CRLF line ends.
#pragma once
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

namespace lowspec::eval {

class CsvReader {
 public:
  // Throws Error naming the path when it cannot be opened.
  explicit CsvReader(std::string path);

  // Reads the next record; false at the end of the file. Blank lines are skipped. A quote that
  // is not closed, text after a closing quote, or a quote inside an unquoted field is an Error
  // naming the file and line.
  bool next(std::vector<std::string>& fields);
  // 1-based line on which the last record started.
  size_t record_line() const { return record_line_; }
  const std::string& path() const { return path_; }

 private:
  int get();
  int peek() { return in_.peek(); }
  [[noreturn]] void fail(size_t line, const std::string& problem) const;

  std::string path_;
  std::ifstream in_;
  size_t line_ = 1;
  size_t record_line_ = 0;
};

}  // namespace lowspec::eval
