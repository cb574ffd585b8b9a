#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "core/aligned_buffer.h"

using namespace lowspec;

TEST(AlignedBuffer, AlignedAndGrowsOnlyWhenNeeded) {
  AlignedBuffer<float> b(10);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u);
  float* first = b.data();
  b.resize(5);
  EXPECT_EQ(b.data(), first);
  EXPECT_EQ(b.size(), 5u);
  b.resize(10);
  EXPECT_EQ(b.data(), first);  // within capacity: no reallocation
}

TEST(AlignedBuffer, MovesCarryTheCapacity) {
  AlignedBuffer<int> small(4), big(1000);
  std::swap(small, big);
  // small now owns 1000 slots; growing it to 1000 must not reallocate, and big (4 slots) must.
  int* held = small.data();
  small.resize(1000);
  EXPECT_EQ(small.data(), held);
  big.resize(1000);
  for (int i = 0; i < 1000; ++i) big[i] = i;  // ASan catches a missed reallocation here
  EXPECT_EQ(big[999], 999);
  AlignedBuffer<int> moved(std::move(big));
  EXPECT_EQ(moved.size(), 1000u);
  moved.resize(1000);
  EXPECT_EQ(moved[999], 999);
}
