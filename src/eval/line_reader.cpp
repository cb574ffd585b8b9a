#include "eval/line_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace lowspec::eval {

LineReader::LineReader(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) throw Error(path_, "is a directory, expected a text file");
  in_.open(path_, std::ios::binary);
  if (!in_) throw Error(path_, cat("cannot open: ", std::strerror(errno)));
}

bool LineReader::next(std::string& line) {
  if (!std::getline(in_, line)) {
    if (in_.bad()) throw Error(path_, cat("read error after line ", line_number_));
    return false;
  }
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

std::string LineReader::where() const { return cat(path_, ":", line_number_); }

}  // namespace lowspec::eval
