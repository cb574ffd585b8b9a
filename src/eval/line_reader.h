// Streams a text file line by line (constant memory for large files) and keeps the line number
// so that parse errors can name it.
#pragma once
#include <cstddef>
#include <fstream>
#include <string>

namespace lowspec::eval {

class LineReader {
 public:
  // Throws Error naming the path when the file cannot be opened.
  explicit LineReader(std::string path);

  // Reads the next line without its "\n" (and without a "\r" before it). False at the end; a
  // final line without "\n" still counts, an empty remainder after the last "\n" does not.
  bool next(std::string& line);
  // 1-based number of the line next() returned last.
  size_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

  // "<path>:<line>" for error messages.
  std::string where() const;

 private:
  std::string path_;
  std::ifstream in_;
  size_t line_number_ = 0;
};

}  // namespace lowspec::eval
