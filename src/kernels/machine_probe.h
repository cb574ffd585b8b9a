// Machine probes: what this CPU and its memory can do right now, measured the same way every time,
// so kernel speed is reported as a share of it (decode against read bandwidth, prefill against
// the FMA or INT8 peak). All use the widest vectors the CPU has (cpu_features(), honouring
// LOWSPEC_ISA).
#pragma once
#include <cstddef>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"

namespace lowspec {

// Streams a buffer much larger than the caches; each pool thread reads its own contiguous slice.
class ReadBandwidthProbe {
 public:
  // Allocates `bytes` (rounded down to 4 KiB) and touches every page from the pool's threads,
  // so the pages are mapped (and placed near the threads that will read them) before timing.
  ReadBandwidthProbe(size_t bytes, ThreadPool& pool);

  // Read bandwidth in GB/s (1e9 bytes per second) over the pool's threads: median of `passes`.
  double measure(ThreadPool& pool, int passes = 5) const;

  size_t bytes() const { return buffer_.size() * sizeof(uint64_t); }

 private:
  AlignedBuffer<uint64_t> buffer_;
};

// Peak FP32 multiply-add rate in GFLOP/s (an FMA counts 2) summed over the pool's threads:
// independent FMA chains held in registers, no memory traffic. Best of `passes`.
double measure_fma_peak(ThreadPool& pool, int passes = 3);

// Peak INT8 multiply-add rate in GOP/s (a multiply-add counts 2) summed over the pool's threads,
// of the int8 instruction the quantized kernels use on this CPU (AVX-512 VNNI vpdpbusd, AVX2
// vpmaddubsw, NEON sdot or smlal): quantized prefill is reported as a share of it. Best of `passes`.
double measure_int8_peak(ThreadPool& pool, int passes = 3);

}  // namespace lowspec
