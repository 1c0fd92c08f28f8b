// Error recording for the C ABI: a failing check stores a message for moe_last_error() and returns its status.
#ifndef MOE_SRC_ERROR_H_
#define MOE_SRC_ERROR_H_

#include <exception>
#include <new>

#include "moe_status.h"

namespace moe {

// Records a printf-style message for this thread and returns status, so checks read `return Fail(...)`.
moe_status Fail(moe_status status, const char* format, ...) __attribute__((format(printf, 2, 3)));
void ClearError();

// Runs body at the ABI boundary: clears the last error, and turns an escaping exception into a status,
// since no exception may cross into C or .NET.
template <typename Body>
moe_status Guarded(Body&& body) noexcept {
  ClearError();
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(MOE_ERR_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return Fail(MOE_ERR_INTERNAL, "internal error: %s", e.what());
  } catch (...) {
    return Fail(MOE_ERR_INTERNAL, "internal error");
  }
}

}  // namespace moe

#define MOE_REQUIRE(condition, status, ...)    \
  do {                                         \
    if (!(condition)) {                        \
      return ::moe::Fail(status, __VA_ARGS__); \
    }                                          \
  } while (0)

#define MOE_REQUIRE_NOT_NULL(pointer) \
  MOE_REQUIRE((pointer) != nullptr, MOE_ERR_NULL_POINTER, "%s is null: pass a buffer of the documented size", #pointer)

#define MOE_REQUIRE_POSITIVE(value) \
  MOE_REQUIRE((value) > 0, MOE_ERR_SHAPE, "%s must be positive, got %lld", #value, static_cast<long long>(value))

#define MOE_REQUIRE_MULTIPLE(value, of)                                                                                \
  MOE_REQUIRE((value) % (of) == 0, MOE_ERR_ALIGNMENT, "%s must be a multiple of %d, got %lld: pad it to %lld", #value, \
              static_cast<int>(of), static_cast<long long>(value),                                                     \
              static_cast<long long>(((value) + (of)-1) / (of) * (of)))

#endif  // MOE_SRC_ERROR_H_
