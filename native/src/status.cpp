// Status names, the thread-local last error and the library's version.
#include <cstdarg>
#include <cstdio>

#include "error.h"
#include "moe_status.h"

namespace moe {
namespace {
thread_local char last_error[512] = "";
}  // namespace

moe_status Fail(moe_status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(last_error, sizeof(last_error), format, args);
  va_end(args);
  return status;
}

void ClearError() { last_error[0] = '\0'; }

const char* LastError() { return last_error; }

}  // namespace moe

extern "C" {

int32_t moe_abi_version(void) { return MOE_ABI_VERSION; }

const char* moe_last_error(void) { return moe::LastError(); }

const char* moe_status_name(moe_status status) {
  switch (status) {
    case MOE_OK:
      return "MOE_OK";
    case MOE_ERR_NULL_POINTER:
      return "MOE_ERR_NULL_POINTER";
    case MOE_ERR_SHAPE:
      return "MOE_ERR_SHAPE";
    case MOE_ERR_ALIGNMENT:
      return "MOE_ERR_ALIGNMENT";
    case MOE_ERR_INDEX:
      return "MOE_ERR_INDEX";
    case MOE_ERR_UNSUPPORTED:
      return "MOE_ERR_UNSUPPORTED";
    case MOE_ERR_INTERNAL:
      return "MOE_ERR_INTERNAL";
  }
  return "MOE_ERR_UNKNOWN";
}

}  // extern "C"
