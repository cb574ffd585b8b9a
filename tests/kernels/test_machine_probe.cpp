// The probes return plausible, positive figures on every path (speed itself is measured by
// bench/, never asserted in tests).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/machine_probe.h"

using namespace lowspec;

TEST(MachineProbe, ReadBandwidthIsPositiveAndFinite) {
  ThreadPool pool(2);
  const ReadBandwidthProbe probe(size_t{16} << 20, pool);
  EXPECT_EQ(probe.bytes(), size_t{16} << 20);
  const double gbps = probe.measure(pool, 3);
  EXPECT_TRUE(std::isfinite(gbps));
  EXPECT_GT(gbps, 0.1);
}

TEST(MachineProbe, FmaPeakIsPositiveAndFinite) {
  ThreadPool pool(1);
  const double gflops = measure_fma_peak(pool, 1);
  EXPECT_TRUE(std::isfinite(gflops));
  EXPECT_GT(gflops, 0.1);
}

TEST(MachineProbe, Int8PeakIsPositiveAndFinite) {
  ThreadPool pool(2);
  const double gops = measure_int8_peak(pool, 1);
  EXPECT_TRUE(std::isfinite(gops));
  EXPECT_GT(gops, 0.1);
}
