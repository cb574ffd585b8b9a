// Errors: user errors (bad input; the CLI prints one line and exits 2) and internal ones (exit 1).
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace lowspec {

// Concatenates anything streamable into a string: cat("tensor ", name, " has ", n, " dims").
template <typename... Args>
std::string cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

// Bad input from the user: a file, a flag, a text. The message names the file and the field.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  Error(const std::string& file, const std::string& problem)
      : std::runtime_error(file.empty() ? problem : file + ": " + problem) {}
};

// A bug or a failure of the machine (out of memory, I/O error on a good file).
class InternalError : public std::runtime_error {
 public:
  explicit InternalError(const std::string& message) : std::runtime_error(message) {}
};

// Throws Error unless cond holds. Keeps parser code short.
inline void check(bool cond, const std::string& file, const std::string& problem) {
  if (!cond) throw Error(file, problem);
}

}  // namespace lowspec
