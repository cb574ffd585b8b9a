// Software prefetch for weight streams: decode bodies and GEMM panel packs (x86; NEON has none yet,
// unmeasured).
//
// Decode reads every weight once per token, front to back. The hardware prefetchers stop at each
// 4 KiB page and start again only after a few misses on the next one (the mapped model file has
// 4 KiB pages), which can hold one core well under the bandwidth the memory gives. Each step of a
// decode body asks for the bytes it reads, this far ahead, into L2: the next pages' lines are in
// flight before the step gets there. Per step, not per row: a whole row's requests at once (up to
// 256 lines for a BF16 row group) filled the miss buffers and made 2-thread decode 5-10 % slower.
// Interleaved A/B on Zen 4, TinyLlama-shaped matrices from the mapped files: BF16 1.20-1.24x on 1
// thread, 1.22x on 2; Q4_0 and Q8_0 1.0-1.25x on 1 thread (most when the memory is slow),
// 0.98-1.05x on 2; 8-64 KiB ahead all within 5 % of each other, 1-2 KiB ahead or into L1 slower
// than none.
#pragma once
#include <cstdint>

namespace lowspec {

constexpr int64_t kDecodePrefetchAhead = 16384;

// Elements of type T per 64-byte line: a body stepping through a row asks for its next line once
// per this many.
template <class T>
constexpr int64_t kLineElems = 64 / static_cast<int64_t>(sizeof(T));

// Prefetches [p, p + bytes) into L2, one request per 64-byte line. A prefetch never faults, so
// running past the end of the weights is harmless.
inline void prefetch_lines(const void* p, int64_t bytes) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  for (int64_t i = 0; i < bytes; i += 64) {
    __builtin_prefetch(reinterpret_cast<const void*>(start + static_cast<uintptr_t>(i)), 0, 2);
  }
}

// Prefetches [p + kDecodePrefetchAhead, + bytes) into L2.
inline void prefetch_ahead(const void* p, int64_t bytes) {
  prefetch_lines(static_cast<const char*>(p) + kDecodePrefetchAhead, bytes);
}

// For a decode body reading `rows` rows of `row_bytes` side by side, each row `offset` bytes in:
// the same lead, kDecodePrefetchAhead of reading, is kDecodePrefetchAhead / rows along each row,
// and past a row's end it is the same place in row r of the next group. (Asking for 16 KiB further
// along each row left rows 2-3 of each next group unasked for when rows are shorter: BF16 K =
// 5632, 4 rows a pass, read at 0.50-0.67 of the bandwidth probe on Zen 5.)
inline void prefetch_group_ahead(const void* row, int64_t offset, int64_t row_bytes, int rows) {
  int64_t at = offset + kDecodePrefetchAhead / rows;
  if (at >= row_bytes) at += (rows - 1) * row_bytes;
  __builtin_prefetch(static_cast<const char*>(row) + at, 0, 2);
}

// For the GEMM packs, which read a panel of weight rows side by side: rows a few steps of 16-34
// bytes long each, streams the hardware prefetchers do not follow.
//
// The quantized packs read a panel of contiguous rows (`panel_bytes`) group by group: at group g
// of `groups` they ask for that share of the next panel, the rows right after.
inline void prefetch_next_panel(const void* panel, int64_t panel_bytes, int64_t g, int64_t groups) {
  const int64_t share = panel_bytes / groups + 1;
  prefetch_lines(static_cast<const char*>(panel) + panel_bytes + g * share, share);
}

// The float packs read rows `row_elems` apart, a group of rows at a time: each step asks for the
// line at the same column of `rows` later rows from `first` on.
template <class T>
inline void prefetch_rows(const T* first, int64_t rows, int64_t row_elems) {
  for (int64_t i = 0; i < rows; ++i) __builtin_prefetch(first + i * row_elems, 0, 2);
}

}  // namespace lowspec
