/* The moe kernel library: everything in one include. */
#ifndef MOE_KERNELS_H_
#define MOE_KERNELS_H_

#include "moe_ep.h"
#include "moe_fp8.h"
#include "moe_gemm.h"
#include "moe_mla.h"
#include "moe_status.h"

#endif /* MOE_KERNELS_H_ */
