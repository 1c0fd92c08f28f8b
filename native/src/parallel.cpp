// A small fork-join pool: one job at a time, tasks handed out by an atomic counter.
#include "parallel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "error.h"
#include "moe_status.h"

namespace moe {
namespace {

thread_local bool inside_task = false;
constexpr std::chrono::microseconds kSpin{100};

class Pool {
 public:
  explicit Pool(int threads) { Start(threads); }
  ~Pool() { Stop(); }

  // Lock-free: kernels ask from inside tasks, while Run holds the job lock.
  int threads() const { return thread_count_.load(); }

  void Resize(int threads) {
    std::lock_guard<std::mutex> job_lock(job_mutex_);
    Stop();
    Start(threads);
  }

  // An exception from a task (out of memory) is rethrown here, on the caller's thread, once every task has stopped:
  // the ABI boundary turns it into a status, where escaping a worker thread would end the process.
  void Run(int64_t count, const TaskRef& task) {
    if (count <= 0) return;
    if (count == 1 || inside_task) {
      RunSerially(count, task);
      return;
    }
    std::lock_guard<std::mutex> job_lock(job_mutex_);  // also keeps Resize from changing the workers meanwhile
    if (workers_.empty()) {
      RunSerially(count, task);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      count_ = count;
      next_.store(0);
      error_ = nullptr;
      active_ = static_cast<int>(workers_.size());
      ++generation_;
    }
    wake_.notify_all();
    Work();
    SpinWhile([this] { return active_.load(std::memory_order_acquire) != 0; });
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [this] { return active_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  static void RunSerially(int64_t count, const TaskRef& task) {
    struct Restore {
      bool was_inside;
      ~Restore() { inside_task = was_inside; }
    } restore{inside_task};
    inside_task = true;
    for (int64_t i = 0; i < count; ++i) task(i);
  }

  void Work() {
    inside_task = true;
    try {
      for (int64_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) (*task_)(i);
    } catch (...) {
      next_.store(count_);  // the others stop taking tasks
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    inside_task = false;
  }

  // Kernels on decode shapes last tens of microseconds, about what waking a sleeping thread takes: a worker watches
  // for the next job, and the caller for the workers' end, a short while before sleeping on the condition variable.
  template <typename Busy>
  static void SpinWhile(Busy busy) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    while (busy() && std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#else
      std::this_thread::yield();
#endif
    }
  }

  void WorkerLoop() {
    uint64_t seen = 0;
    for (;;) {
      SpinWhile([&] { return generation_.load(std::memory_order_acquire) == seen && !stopping_.load(); });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      Work();
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) finished_.notify_one();
    }
  }

  void Start(int threads) {
    stopping_ = false;
    thread_count_.store(threads);
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
  }

  std::mutex job_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::vector<std::thread> workers_;
  const TaskRef* task_ = nullptr;
  int64_t count_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int> active_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
  std::atomic<int> thread_count_{1};
};

int DefaultThreads() {
  if (const char* env = std::getenv("MOE_NUM_THREADS")) {
    const int threads = std::atoi(env);
    if (threads > 0) return threads;
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(hardware);
}

Pool& ThePool() {
  static Pool* pool = new Pool(DefaultThreads());  // never destroyed: threads must outlive static destructors
  return *pool;
}

}  // namespace

void ParallelFor(int64_t count, TaskRef task) { ThePool().Run(count, task); }

int Threads() { return ThePool().threads(); }

void SetThreads(int threads) { ThePool().Resize(threads); }

}  // namespace moe

extern "C" {

moe_status moe_set_num_threads(int32_t threads) {
  return moe::Guarded([&] {
    MOE_REQUIRE(threads >= 1, MOE_ERR_SHAPE, "threads must be at least 1, got %d", threads);
    moe::SetThreads(threads);
    return MOE_OK;
  });
}

int32_t moe_get_num_threads(void) { return moe::Threads(); }

}  // extern "C"
