#!/usr/bin/env bash
# Makes TorchSharp's native library load where the system libstdc++ predates GLIBCXX_3.4.32 (Debian 12).
# Run by the build (TorchSharpCompat.targets) on every output folder that holds libLibTorchSharp.so; does nothing
# on systems whose libstdc++ already has the version (Ubuntu 24.04, Debian 13).
# Usage: apply.sh OUTPUT_DIR
set -euo pipefail

out="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
required=GLIBCXX_3.4.32

libstdcxx="$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')"
if [ -n "$libstdcxx" ] && grep -qa "$required" "$libstdcxx"; then
  exit 0
fi

# 1. The library asks for the version weakly, so loading no longer fails on it.
find "$out" -name libLibTorchSharp.so -print0 | while IFS= read -r -d '' library; do
  python3 "$here/weaken_version_need.py" "$library" "$required" >/dev/null
done

# 2. The one function of that version it calls, in a tiny library the worker loads globally before TorchSharp
#    (MoeOperator.Worker's TorchRuntime). Rebuilt only when its source is newer.
shim="$out/libmoe_glibcxx_compat.so"
if [ ! -f "$shim" ] || [ "$here/ios_base_library_init.c" -nt "$shim" ]; then
  cc -shared -fPIC -O2 -o "$shim" "$here/ios_base_library_init.c"
fi
