#!/usr/bin/env bash
# Does a figure depend on where the linker put the code, or on the
# allocation counting? Builds bench_all twice more beside build/: with
# LOCALITY_CODE_SHIFT bytes of unrelated code before the kernels, and with
# LOCALITY_COUNT_ALLOCATIONS=OFF; then runs each build and the normal one
# in rounds on the same few benchmarks, alternating builds benchmark by
# benchmark; runners/tools/layout_verdict.py compares them round by round. Exit 0
# when every variant agrees with the normal build within 5%, 1 when one
# differs or the noise leaves it undecided. A benchmark, not a test: more
# rounds narrow the intervals.
#   runners/layout_check.sh [--rounds N] [--shift BYTES]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=10
shift_bytes=40
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --shift) shift_bytes="$2"; shift 2 ;;
    *) echo "layout_check.sh: unknown option '$1' (--rounds N, --shift BYTES)" >&2; exit 2 ;;
  esac
done
[ -x "$ROOT/build/bench_all" ] || { echo "layout_check.sh: build/bench_all is missing: run runners/setup.sh" >&2; exit 2; }
[ -x "$ROOT/.venv/bin/python" ] || { echo "layout_check.sh: .venv is missing: run runners/setup.sh" >&2; exit 2; }

variant() {  # name, cmake options...
  local dir="$ROOT/build-layout-$1"
  shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DLOCALITY_PYTHON=OFF -DLOCALITY_BUILD_TESTS=OFF "$@" >/dev/null
  cmake --build "$dir" --parallel "$(nproc)" --target bench_all >/dev/null
  echo "$dir/bench_all"
}
echo "layout_check: building the variants (shift $shift_bytes bytes; no allocation counting)" >&2
shifted="$(variant shift "-DLOCALITY_CODE_SHIFT=$shift_bytes")"
uncounted="$(variant nocount -DLOCALITY_COUNT_ALLOCATIONS=OFF)"

# The sums whose speed issue 11 saw move with code placement, a traversal,
# and the allocation cases whose timed new/delete the counting sits in.
cases=(heap_vector/sum stack_array/sum aos_soa/soa_one_field bandwidth/read scattered_nodes/list_sum_fresh
       allocation/heap_object allocation/churn_malloc)
sizes=(4096 1048576)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
variants=(normal shifted uncounted)
for r in $(seq 1 "$rounds"); do
  echo "layout_check: round $r/$rounds" >&2
  # Benchmark by benchmark, the three builds run one after the other (a
  # second apart), a different one first each time: a disturbance of a few
  # seconds on this shared machine then spoils one benchmark's comparison,
  # not one build's whole round.
  k=0
  for c in "${cases[@]}"; do
    for n in "${sizes[@]}"; do
      k=$((k + 1))
      for j in 0 1 2; do
        v="${variants[$(( (r + k + j) % 3 ))]}"
        case "$v" in normal) exe="$ROOT/build/bench_all" ;; shifted) exe="$shifted" ;; uncounted) exe="$uncounted" ;; esac
        "$exe" "$c" --sizes "$n" --benchmark_repetitions=3 --benchmark_min_time=0.05 --precision 100 \
          --out "$work/$v-$r-$k.json" >/dev/null 2>&1
      done
    done
  done
done
"$ROOT/.venv/bin/python" "$ROOT/runners/tools/layout_verdict.py" "$work" "$rounds"
