// The library's worker threads: a persistent pool, because kernels on decode shapes last microseconds and
// starting threads per call would cost more than the work.
#ifndef MOE_SRC_PARALLEL_H_
#define MOE_SRC_PARALLEL_H_

#include <cstdint>
#include <type_traits>

namespace moe {

// A callable taking a task index, by reference: its address and a trampoline. A std::function of a lambda that
// captures more than two pointers allocates, and decode-shape kernels are called once per layer per token.
class TaskRef {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, TaskRef>>>
  TaskRef(const F& callable)  // NOLINT(google-explicit-constructor): lambdas convert at the call
      : callable_(&callable), invoke_([](const void* c, int64_t i) { (*static_cast<const F*>(c))(i); }) {}

  void operator()(int64_t i) const { invoke_(callable_, i); }

 private:
  const void* callable_;
  void (*invoke_)(const void*, int64_t);
};

// Runs task(i) for every i in [0, count) on the pool and the calling thread; returns when all are done.
// Calls from inside a task run serially, so kernels may nest without deadlock.
void ParallelFor(int64_t count, TaskRef task);

int Threads();
void SetThreads(int threads);

}  // namespace moe

#endif  // MOE_SRC_PARALLEL_H_
