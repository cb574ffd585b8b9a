#include "eval/csv_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace lowspec::eval {

CsvReader::CsvReader(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) throw Error(path_, "is a directory, expected a CSV file");
  in_.open(path_, std::ios::binary);
  if (!in_) throw Error(path_, cat("cannot open: ", std::strerror(errno)));
}

int CsvReader::get() {
  int c = in_.get();
  if (c == '\n') ++line_;
  return c;
}

void CsvReader::fail(size_t line, const std::string& problem) const {
  throw Error(cat(path_, ":", line), problem);
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  // Skip blank lines between records.
  while (peek() == '\n' || peek() == '\r') get();
  if (peek() == std::char_traits<char>::eof()) {
    if (in_.bad()) fail(line_, "read error");
    return false;
  }
  record_line_ = line_;
  std::string field;
  while (true) {
    int c = get();
    if (c == '"' && field.empty()) {
      size_t quote_line = line_;
      // Quoted field: runs to the closing quote; "" is one quote.
      while (true) {
        int q = get();
        if (q == std::char_traits<char>::eof())
          fail(quote_line, "quoted field is not closed before the end of the file");
        if (q == '"') {
          if (peek() == '"') {
            get();
            field.push_back('"');
            continue;
          }
          break;
        }
        field.push_back(static_cast<char>(q));
      }
      int after = peek();
      if (after == '\r') {
        get();
        after = peek();
        if (after != '\n') fail(line_, "text after a closing quote");
      }
      if (after != ',' && after != '\n' && after != std::char_traits<char>::eof())
        fail(line_, "text after a closing quote (a quote inside a field must be doubled)");
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      continue;
    }
    if (c == '\n' || c == std::char_traits<char>::eof()) {
      fields.push_back(std::move(field));
      return true;
    }
    if (c == '\r' && peek() == '\n') continue;
    if (c == '"') fail(line_, "quote inside an unquoted field (quote the field and double the quote)");
    field.push_back(static_cast<char>(c));
  }
}

}  // namespace lowspec::eval
