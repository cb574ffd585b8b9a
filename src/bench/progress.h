// A progress line on stderr for long work: "[=====>    ] 12/40 30% 01:12 left  <what>".
// Redrawn in place on a terminal; one line per update step otherwise (logs, CI).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace lowspec {

class Progress {
 public:
  Progress(std::string title, uint64_t total);
  // Marks `done` units finished and shows `what` is being done now.
  void update(uint64_t done, const std::string& what = "");
  void finish(const std::string& summary = "");

 private:
  std::string title_;
  uint64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  int last_percent_ = -1;
};

std::string format_duration(double seconds);  // "1:05:09", "03:12"

}  // namespace lowspec
