// The library's worker threads: a persistent pool, because kernels on decode shapes last microseconds and
// starting threads per call would cost more than the work.
#ifndef MOE_SRC_PARALLEL_H_
#define MOE_SRC_PARALLEL_H_

#include <cstdint>
#include <functional>

namespace moe {

// Runs task(i) for every i in [0, count) on the pool and the calling thread; returns when all are done.
// Calls from inside a task run serially, so kernels may nest without deadlock.
void ParallelFor(int64_t count, const std::function<void(int64_t)>& task);

int Threads();
void SetThreads(int threads);

}  // namespace moe

#endif  // MOE_SRC_PARALLEL_H_
