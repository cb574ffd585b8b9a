#include "core/thread_pool.h"

#include <fstream>
#include <set>
#include <string>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#define LOWSPEC_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define LOWSPEC_PAUSE() asm volatile("yield")
#else
#define LOWSPEC_PAUSE() ((void)0)
#endif

namespace lowspec {

namespace {
// Spin this many rounds before sleeping: token-loop calls come microseconds apart, and a
// condition-variable wake-up costs more than the work of a small matrix-vector product.
constexpr int kSpinRounds = 1 << 16;
}  // namespace

ThreadPool::ThreadPool(int threads) : n_threads_(threads < 1 ? 1 : threads) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::dispatch(Task task, void* ctx) {
  if (n_threads_ == 1) {
    task(ctx, 0, 1);
    return;
  }
  task_ = task;
  ctx_ = ctx;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  if (sleeping_.load(std::memory_order_acquire) > 0) wake_.notify_all();
  task(ctx, 0, n_threads_);
  // Yield once spinning has gone on for long: on a busy machine a worker may need our core.
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kSpinRounds) LOWSPEC_PAUSE();
    else std::this_thread::yield();
  }
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int spin = 0; gen == seen && spin < kSpinRounds; ++spin) {
      LOWSPEC_PAUSE();
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      sleeping_.fetch_sub(1);
      gen = generation_.load();
    }
    seen = gen;
    if (stop_.load()) return;
    task_(ctx_, index, n_threads_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

int physical_cores() {
  // Count distinct (package, core) pairs; fall back to the logical count.
  std::set<std::pair<std::string, std::string>> cores;
  unsigned logical = std::thread::hardware_concurrency();
  for (unsigned cpu = 0; cpu < logical; ++cpu) {
    std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream pkg(base + "physical_package_id"), core(base + "core_id");
    std::string p, c;
    if (!(pkg >> p) || !(core >> c)) return logical > 0 ? static_cast<int>(logical) : 1;
    cores.emplace(p, c);
  }
  return cores.empty() ? 1 : static_cast<int>(cores.size());
}

}  // namespace lowspec
