#include "bench/progress.h"

#include <unistd.h>

#include <cstdio>

namespace lowspec {

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--";
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

Progress::Progress(std::string title, uint64_t total)
    : title_(std::move(title)), total_(total), tty_(isatty(2)), start_(std::chrono::steady_clock::now()) {}

void Progress::update(uint64_t done, const std::string& what) {
  double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  int percent = static_cast<int>(frac * 100);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string eta = done > 0 ? format_duration(elapsed / frac - elapsed) + " left" : "--:-- left";
  if (tty_) {
    constexpr int kWidth = 24;
    int fill = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(fill), '=');
    if (fill < kWidth) bar += '>';
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\r\033[K%s [%s] %llu/%llu %3d%% %s  %s", title_.c_str(), bar.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 percent, eta.c_str(), what.c_str());
  } else if (percent != last_percent_ || !what.empty()) {
    std::fprintf(stderr, "%s %llu/%llu %d%% %s  %s\n", title_.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 percent, eta.c_str(), what.c_str());
  }
  last_percent_ = percent;
  std::fflush(stderr);
}

void Progress::finish(const std::string& summary) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%s%s done in %s%s%s\n", tty_ ? "\r\033[K" : "", title_.c_str(),
               format_duration(elapsed).c_str(), summary.empty() ? "" : ": ", summary.c_str());
}

}  // namespace lowspec
