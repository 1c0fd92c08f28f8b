/* Status codes, error messages, threads and version of the moe kernel library.
 *
 * Every function of the library returns a moe_status and never throws. A failing call leaves its outputs
 * untouched where it can and records a message, readable with moe_last_error() on the same thread, that
 * names the offending argument and what it must be. */
#ifndef MOE_STATUS_H_
#define MOE_STATUS_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define MOE_API __declspec(dllexport)
#else
#define MOE_API __attribute__((visibility("default")))
#endif

typedef enum moe_status {
  MOE_OK = 0,
  MOE_ERR_NULL_POINTER = 1, /* a required pointer is null */
  MOE_ERR_SHAPE = 2,        /* a dimension is negative, zero where it may not be, or inconsistent */
  MOE_ERR_ALIGNMENT = 3,    /* a size or segment is not a multiple of what the kernel needs (128) */
  MOE_ERR_INDEX = 4,        /* an index array holds a value out of range */
  MOE_ERR_UNSUPPORTED = 5,  /* a valid request this build cannot serve */
  MOE_ERR_INTERNAL = 6,     /* out of memory or a bug */
} moe_status;

/* The library's ABI version; bump on any change of a signature or layout. */
#define MOE_ABI_VERSION 1

MOE_API int32_t moe_abi_version(void);

/* The message of the last failed call on this thread ("" when none). Valid until the next call. */
MOE_API const char* moe_last_error(void);

/* A stable name for a status code ("MOE_ERR_SHAPE"). */
MOE_API const char* moe_status_name(moe_status status);

/* The CPU code path chosen at load time: "avx512", "avx2+fma" or "scalar" (MOE_CPU_PATH=avx2 or scalar caps it). */
MOE_API const char* moe_cpu_path(void);

/* Threads used by every kernel. Starts at MOE_NUM_THREADS from the environment, else the hardware's count.
 * Values < 1 are rejected. */
MOE_API moe_status moe_set_num_threads(int32_t threads);
MOE_API int32_t moe_get_num_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* MOE_STATUS_H_ */
