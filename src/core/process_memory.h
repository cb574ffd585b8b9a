// Resident memory of this process, from /proc/self/status (Linux).
#pragma once
#include <cstdint>

namespace lowspec {

struct ProcessMemory {
  uint64_t rss_bytes = 0;       // VmRSS
  uint64_t peak_rss_bytes = 0;  // VmHWM
  uint64_t rss_anon_bytes = 0;  // RssAnon: heap, stacks, scratch
  uint64_t rss_file_bytes = 0;  // RssFile: mapped weights in the page cache
};

ProcessMemory process_memory();

}  // namespace lowspec
