#!/usr/bin/env bash
# The builds beyond Debian x86-64 with every backend, checked on this
# machine (Debian 12, as root, or with the packages already installed):
#   1. aarch64: cross-built with Debian's cross toolchain and arm64
#      libraries, its C++ tests run under qemu-aarch64, and a smoke run of
#      bench_all --quick of the single-thread layout families whose result
#      file the (x86-64) report renders. Results are checked (sums, layouts,
#      the file contract), not timings: emulation has none worth reading.
#   2. x86-64 without PAPI and without valgrind: builds, tests pass, and a
#      run says why counters and the simulation are missing.
#   3. clang with libc++: Google Benchmark (Debian's source package) and
#      GoogleTest (Debian's /usr/src/googletest) built with libc++ first,
#      then the suite and its tests.
# Usage: runners/crosscheck.sh [aarch64|nobackends|libcxx ...] (default: all)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${LOCALITY_CROSS_WORK:-$ROOT/build-cross}"
JOBS="$(nproc)"
mkdir -p "$WORK"
log() { printf 'crosscheck: %s\n' "$*" >&2; }
# shellcheck source=runners/debian.sh
source "$ROOT/runners/debian.sh"

need() { apt_ensure crosscheck "$@"; }  # installs Debian packages when root, else names them and stops

# The x86-64 venv and build of runners/setup.sh, for the report.
venv_python() {
  [ -x "$ROOT/.venv/bin/python" ] || source "$ROOT/runners/setup.sh"
  echo "$ROOT/.venv/bin/python"
}

aarch64() {
  need g++-aarch64-linux-gnu qemu-user libbenchmark-dev:arm64 libgtest-dev:arm64 libhwy-dev:arm64 \
    libhwloc-dev:arm64 nlohmann-json3-dev pkg-config cmake
  local build="$WORK/aarch64" sysroot=/usr/aarch64-linux-gnu
  cat >"$WORK/aarch64.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH $sysroot /usr/lib/aarch64-linux-gnu /usr)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;$sysroot)
EOF
  log "aarch64: configuring and building"
  PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
    cmake -S "$ROOT" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$WORK/aarch64.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DLOCALITY_PYTHON=OFF -DLOCALITY_PAPI=OFF -DLOCALITY_VALGRIND=OFF >/dev/null
  cmake --build "$build" --parallel "$JOBS" >/dev/null
  local kind
  kind="$(file "$build/bench_all")"
  grep -q "ARM aarch64" <<<"$kind" || { log "aarch64: bench_all is not an aarch64 binary: $kind"; exit 1; }
  # The Cases.* tests run every case of the catalogue once per process, and
  # ctest would start one process per test: they run here in one process.
  # The cases whose threads wait on each other (false_sharing, threads,
  # line_size's false sharing, core_to_core, and the stack array too big for
  # the main stack, summed on a thread of its own while the caller waits)
  # barely progress under qemu-user (over 60 s without finishing one size,
  # where every other family takes under a second), so they are left out
  # of them here; and qemu-user ignores madvise, so no huge page is granted
  # there whatever the kernel's setting (tlb/huge_pages).
  log "aarch64: C++ tests under qemu-aarch64 (Cases.* below)"
  ctest --test-dir "$build" --output-on-failure --timeout 900 -E '^Cases\.'
  log "aarch64: Cases.* in one process, without the two-thread families"
  LOCALITY_TEST_SKIP_FAMILIES=false_sharing,threads,line_size,core_to_core,stack_array/big,tlb/huge_pages \
    timeout -k 10 600 qemu-aarch64 -L "$sysroot" "$build/locality_tests" --gtest_filter='Cases.*' --gtest_brief=1
  log "aarch64: bench_all --quick heap_vector scattered_nodes arena_nodes latency bandwidth under qemu-aarch64"
  local out="$WORK/aarch64-quick.json"
  rm -f "$out"
  qemu-aarch64 -L "$sysroot" "$build/bench_all" --list >"$WORK/aarch64-list.txt"
  grep -q "bandwidth/read_nt" "$WORK/aarch64-list.txt" && grep -q "not on this machine" "$WORK/aarch64-list.txt" \
    || { log "aarch64: --list does not say that read_nt cannot run"; exit 1; }
  qemu-aarch64 -L "$sysroot" "$build/bench_all" --quick heap_vector scattered_nodes arena_nodes latency bandwidth \
    --sizes 1024,16384 --benchmark_min_time=0.001 --benchmark_repetitions=2 --precision 100 --no-pin \
    --out "$out" >/dev/null
  local py
  py="$(venv_python)"
  "$py" - "$out" <<'EOF'
import json, sys
from locality.report.load import load_result
result = load_result(sys.argv[1])            # the contract, checked by its schema
loc = result.locality
assert loc["machine"]["isa"] == "aarch64", loc["machine"]
assert loc["kernels"]["vector_target"] in ("NEON", "SVE", "SVE2", "SVE_256", "SVE2_128"), loc["kernels"]
runs = [b for b in result.benchmarks if b["run_type"] == "iteration"]
assert runs and not any(b.get("error_occurred") for b in runs), [b for b in runs if b.get("error_occurred")]
assert not any(b["run_name"].startswith("bandwidth/read_nt") for b in runs)
print(f"crosscheck: aarch64 result: {len(runs)} repetitions, kernels {loc['kernels']}", file=sys.stderr)
EOF
  rm -rf "$WORK/aarch64-report"
  "$py" -m locality.report "$out" -o "$WORK/aarch64-report" >/dev/null
  [ -s "$WORK/aarch64-report/report.html" ] || { log "aarch64: the report did not render"; exit 1; }
  log "aarch64: ok"
}

nobackends() {
  local build="$WORK/nobackends"
  log "x86-64 without PAPI and valgrind: building"
  cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLOCALITY_PYTHON=OFF -DLOCALITY_PAPI=OFF \
    -DLOCALITY_VALGRIND=OFF >/dev/null
  cmake --build "$build" --parallel "$JOBS" >/dev/null
  ctest --test-dir "$build" --output-on-failure --timeout 900
  local err
  err="$("$build/bench_all" heap_vector/sum --sizes 1024 --benchmark_min_time=0.001 --simulate \
    --out "$WORK/nobackends.json" 2>&1 >/dev/null)" || true
  grep -q "this build has no PAPI" <<<"$err" || { log "no-PAPI build does not say why: $err"; exit 1; }
  grep -q "this build has no valgrind" <<<"$err" || { log "no-valgrind build does not say why: $err"; exit 1; }
  [ -s "$WORK/nobackends.json" ] || { log "no-backend build wrote no result file"; exit 1; }
  rm -f "$WORK/nobackends.json"
  log "x86-64 without PAPI and valgrind: ok"
}

libcxx() {
  need clang libc++-dev libc++abi-dev libgtest-dev dpkg-dev cmake
  local prefix="$WORK/libcxx-deps" flags="-stdlib=libc++"
  if [ ! -f "$prefix/lib/cmake/benchmark/benchmarkConfig.cmake" ] || [ ! -f "$prefix/lib/cmake/GTest/GTestConfig.cmake" ]; then
    log "libc++: Google Benchmark from Debian's source package, built with libc++"
    local src="$WORK/libcxx-src"
    rm -rf "$src"
    mkdir -p "$src/lists/partial" "$src/sources.d"
    cat >"$src/sources.d/debian.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    local apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$src/sources.d"
                    -o "Dir::State::Lists=$src/lists")
    apt-get "${apt_opts[@]}" update -qq
    (cd "$src" && apt-get "${apt_opts[@]}" source --download-only -qq benchmark >/dev/null 2>&1)
    tar -xzf "$src"/benchmark_*.orig.tar.gz -C "$src"
    local gb
    gb="$(find "$src" -maxdepth 1 -type d -name 'benchmark-*' | head -n1)"
    CC=clang CXX=clang++ CXXFLAGS="$flags" LDFLAGS="$flags" cmake -S "$gb" -B "$src/gb-build" -DCMAKE_BUILD_TYPE=Release \
      -DBENCHMARK_ENABLE_TESTING=OFF -DBENCHMARK_ENABLE_GTEST_TESTS=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
    cmake --build "$src/gb-build" --parallel "$JOBS" >/dev/null
    cmake --install "$src/gb-build" >/dev/null
    log "libc++: GoogleTest from /usr/src/googletest, built with libc++"
    CC=clang CXX=clang++ CXXFLAGS="$flags" LDFLAGS="$flags" cmake -S /usr/src/googletest -B "$src/gt-build" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
    cmake --build "$src/gt-build" --parallel "$JOBS" >/dev/null
    cmake --install "$src/gt-build" >/dev/null
  fi
  local build="$WORK/libcxx"
  log "clang with libc++: building"
  CC=clang CXX=clang++ CXXFLAGS="$flags" LDFLAGS="$flags" cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -Dbenchmark_DIR="$prefix/lib/cmake/benchmark" \
    -DGTest_DIR="$prefix/lib/cmake/GTest" -DLOCALITY_PYTHON=OFF >/dev/null
  cmake --build "$build" --parallel "$JOBS" >/dev/null
  local libs
  libs="$(readelf -d "$build/bench_all" 2>&1 | grep NEEDED || true)"
  grep -q "libc++" <<<"$libs" || { log "libc++: bench_all does not need libc++; it needs: $libs"; exit 1; }
  ctest --test-dir "$build" --output-on-failure --timeout 900
  log "clang with libc++: ok"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(aarch64 nobackends libcxx)
for step in "${steps[@]}"; do
  case "$step" in
    aarch64 | nobackends | libcxx) "$step" ;;
    *) log "unknown step '$step' (aarch64, nobackends, libcxx)"; exit 2 ;;
  esac
done
log "all builds ok: ${steps[*]}"
