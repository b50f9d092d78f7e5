#!/usr/bin/env bash
# The main job: set up what is missing, build, run bench_all, render the
# report into a folder named after the result file.
#   runners/bench.sh [bench_all options, e.g. --quick or heap_vector]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LOCALITY_ROOT"

# bench_all names the file it wrote on stderr ("result file: PATH"), so
# that stdout stays what Google Benchmark's --benchmark_format asks for.
log_file="$(mktemp)"
trap 'rm -f "$log_file"' EXIT
status=0
# stdout to the terminal (fd 3), stderr through tee into the log and back
# to stderr; with pipefail the status is bench_all's.
{ "$LOCALITY_BUILD/bench_all" "$@" 2>&1 1>&3 3>&- | tee "$log_file" 1>&2 3>&-; } 3>&1 || status=$?
result="$(sed -n 's/^result file: //p' "$log_file" | tail -n 1)"
# A run that failed but wrote what it measured (exit 3: a wrong sum, 130:
# interrupted) is still rendered; its exit status is kept.
[ -n "$result" ] || exit "$status"
"$LOCALITY_VENV/bin/python" -m locality.report "$result"
echo "report: ${result%.json}/"
exit "$status"
