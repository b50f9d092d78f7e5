#!/usr/bin/env bash
# The main job: set up what is missing, build, run bench_all, render the
# report into a folder named after the result file.
#   runners/bench.sh [bench_all options, e.g. --quick or heap_vector]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LOCALITY_ROOT"

log_file="$(mktemp)"
trap 'rm -f "$log_file"' EXIT
"$LOCALITY_BUILD/bench_all" "$@" | tee "$log_file"
result="$(sed -n 's/^result file: //p' "$log_file" | tail -n 1)"
[ -n "$result" ] || exit 0  # --list, --help: nothing to render
"$LOCALITY_VENV/bin/python" -m locality.report "$result"
echo "report: ${result%.json}/"
