#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "core/thread_pool.h"

using namespace lowspec;

TEST(ThreadPool, ParallelForCoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 7, 64, 1000, 1001}) {
      for (int64_t grain : {1, 4, 32}) {
        std::vector<std::atomic<int>> hits(n);
        pool.parallel_for(n, grain, [&](int64_t b, int64_t e) {
          EXPECT_TRUE(b % grain == 0);
          for (int64_t i = b; i < e; ++i) hits[i]++;
        });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << threads << " " << n << " " << i;
      }
    }
  }
}

TEST(ThreadPool, DynamicParallelForCoversEveryIndexOnceInGrainRanges) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 7, 64, 1000, 1001}) {
      for (int64_t grain : {1, 4, 32}) {
        std::vector<std::atomic<int>> hits(n);
        std::atomic<int> ranges{0};
        pool.parallel_for_dynamic(n, grain, [&](int64_t b, int64_t e) {
          EXPECT_TRUE(b % grain == 0 && e > b && (e - b == grain || e == n)) << b << " " << e;
          ranges++;
          for (int64_t i = b; i < e; ++i) hits[i]++;
        });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << threads << " " << n << " " << i;
        EXPECT_EQ(ranges, threads == 1 ? 1 : (n + grain - 1) / grain) << threads << " " << n;
      }
    }
  }
}

TEST(ThreadPool, RunCallsEveryThreadManyTimes) {
  ThreadPool pool(3);
  std::atomic<int> total{0};
  for (int round = 0; round < 2000; ++round)
    pool.run([&](int i, int n) {
      EXPECT_EQ(n, 3);
      total += i + 1;
    });
  EXPECT_EQ(total, 2000 * 6);
}
