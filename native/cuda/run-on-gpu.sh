#!/usr/bin/env bash
# One call on a GPU machine answers everything the GPU path needs: build native/ with CUDA, run the CPU tests when
# GoogleTest is installed, then compare every CUDA kernel with the CPU path and time it (moe_cuda_check).
# Results go to stdout and, when $OUT is set, to $OUT/cuda-check.txt. Exit status: 0 all passed, 1 a check
# failed, 2 no nvcc or no GPU.
#   native/cuda/run-on-gpu.sh            (MOE_CUDA_ARCH=90 by default: H100/H200)
set -euo pipefail

native="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$native/build-cuda"
arch="${MOE_CUDA_ARCH:-90}"

if ! command -v nvcc >/dev/null; then
  for candidate in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
    [ -x "$candidate/nvcc" ] && export PATH="$candidate:$PATH" && break
  done
fi
command -v nvcc >/dev/null || { echo "nvcc not found: install the CUDA toolkit or put it on PATH" >&2; exit 2; }
nvcc --version | tail -n 2
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || { echo "no GPU visible" >&2; exit 2; }

tests=OFF
[ -f /usr/include/gtest/gtest.h ] && tests=ON
if command -v cmake >/dev/null; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$native" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch" \
    -DMOE_BUILD_TESTS="$tests" -DMOE_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)"
  if [ "$tests" = ON ]; then
    ctest --test-dir "$build" --output-on-failure -j "$(nproc)" | tail -n 3
  fi
else
  # No CMake on the machine: the same sources, compiled straight into the check program.
  echo "cmake not found: building moe_cuda_check with nvcc and g++ directly"
  mkdir -p "$build/objects"
  for source in "$native"/src/*.cpp; do
    # The per-file instruction sets of native/CMakeLists.txt.
    case "$(basename "$source")" in
      simd_avx2.cpp) flags=(-mavx2 -mfma -mf16c) ;;
      simd_avx512.cpp | simd_avx512_mla.cpp) flags=(-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mf16c) ;;
      simd_avx512_bf16.cpp)
        flags=(-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx512vbmi -mavx2 -mfma -mf16c) ;;
      *) flags=() ;;
    esac
    g++ -O3 -std=c++17 -fPIC "${flags[@]}" -I "$native/include" -I "$native/src" -c "$source" \
      -o "$build/objects/$(basename "$source" .cpp).o" &
  done
  wait
  nvcc -O3 -std=c++17 -arch="sm_$arch" -I "$native/include" -I "$native/src" "$native"/cuda/*.cu \
    "$build"/objects/*.o -o "$build/moe_cuda_check" -lpthread
fi

status=0
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  "$build/moe_cuda_check" | tee "$OUT/cuda-check.txt" || status=$?
else
  "$build/moe_cuda_check" || status=$?
fi
exit "$status"
