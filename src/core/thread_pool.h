// One persistent thread pool, created once. Work is split by output rows: run() calls a function
// on every thread (the caller is thread 0) and returns when all are done. No allocation per call.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace lowspec {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, n_threads) on every thread and waits for all of them.
  template <typename F>
  void run(F&& fn) {
    auto trampoline = [](void* ctx, int i, int n) { (*static_cast<F*>(ctx))(i, n); };
    dispatch(trampoline, &fn);
  }

  // Splits [0, n) into one contiguous range per thread, boundaries multiples of grain, and calls
  // fn(begin, end) for each non-empty range.
  template <typename F>
  void parallel_for(int64_t n, int64_t grain, F&& fn) {
    if (n <= 0) return;
    if (n_threads_ == 1 || n <= grain) {
      fn(int64_t{0}, n);
      return;
    }
    run([&](int i, int t) {
      int64_t blocks = (n + grain - 1) / grain;
      int64_t b0 = blocks * i / t, b1 = blocks * (i + 1) / t;
      int64_t begin = b0 * grain, end = std::min(n, b1 * grain);
      if (begin < end) fn(begin, end);
    });
  }

  // Splits [0, n) into ranges of `grain` (the last may be shorter) that the threads take in turn
  // as they finish, so a thread slowed by others on its core does not hold up the call.
  template <typename F>
  void parallel_for_dynamic(int64_t n, int64_t grain, F&& fn) {
    if (n <= 0) return;
    if (n_threads_ == 1 || n <= grain) {
      fn(int64_t{0}, n);
      return;
    }
    std::atomic<int64_t> next{0};
    run([&](int, int) {
      for (int64_t begin; (begin = next.fetch_add(grain, std::memory_order_relaxed)) < n;) {
        fn(begin, std::min(n, begin + grain));
      }
    });
  }

 private:
  using Task = void (*)(void*, int, int);
  void dispatch(Task task, void* ctx);
  void worker(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  Task task_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<int> sleeping_{0};
};

// Physical cores of this machine (the default thread count for compute-bound work).
int physical_cores();

}  // namespace lowspec
