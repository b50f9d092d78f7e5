#!/usr/bin/env bash
# All tests: set up what is missing, build, then run the C++ tests (ctest),
# the C++ tests again under AddressSanitizer and UndefinedBehaviorSanitizer,
# and the Python tests (pytest). Fails when any test fails.
set -euo pipefail
export LOCALITY_EXTRA_PACKAGES="texlive-latex-base texlive-latex-recommended texlive-fonts-recommended lmodern chromium slurmctld slurmd slurm-client munge"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LOCALITY_ROOT"

echo "== C++ tests (Release)"
ctest --test-dir "$LOCALITY_BUILD" --output-on-failure --timeout 600

echo "== C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
asan_build="$LOCALITY_ROOT/build-asan"
cmake -S "$LOCALITY_ROOT" -B "$asan_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOCALITY_SANITIZE=ON -DLOCALITY_PYTHON=OFF >/dev/null
cmake --build "$asan_build" --parallel "$(nproc)" --target locality_tests >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$LOCALITY_ROOT/tests/cpp/lsan.supp:print_suppressions=0" \
  ctest --test-dir "$asan_build" --output-on-failure --timeout 900

echo "== Python tests"
LOCALITY_BUILD="$LOCALITY_BUILD" "$LOCALITY_VENV/bin/python" -m pytest "$@"
