#!/usr/bin/env bash
# Does a figure depend on where the linker put the code, or on the
# allocation counting? Builds bench_all twice more beside build/: with
# LOCALITY_CODE_SHIFT bytes of unrelated code before the kernels, and with
# LOCALITY_COUNT_ALLOCATIONS=OFF; then runs each build and the normal one
# in alternating rounds on the same few benchmarks and compares each
# benchmark's best (minimum) time. Exit 0 when every variant is within 5%
# of the normal build, 1 when one is not. A benchmark, not a test: run it
# on a quiet machine.
#   runners/layout_check.sh [--rounds N] [--shift BYTES]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=3
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
sizes=4096,1048576
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for r in $(seq 1 "$rounds"); do
  for v in normal shifted uncounted; do
    case "$v" in normal) exe="$ROOT/build/bench_all" ;; shifted) exe="$shifted" ;; uncounted) exe="$uncounted" ;; esac
    echo "layout_check: round $r/$rounds: $v" >&2
    "$exe" "${cases[@]}" --sizes "$sizes" --benchmark_repetitions=3 --benchmark_min_time=0.05 --precision 100 \
      --out "$work/$v-$r.json" >/dev/null 2>&1
  done
done
"$ROOT/.venv/bin/python" - "$work" <<'EOF'
import json, sys
from pathlib import Path
best = {}
for f in Path(sys.argv[1]).glob("*.json"):
    variant = f.name.split("-")[0]
    data = json.loads(f.read_text())
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration" and not b.get("error_occurred"):
            t = b["real_time"] / b["elements"]
            key = (variant, b["run_name"])
            best[key] = min(best.get(key, t), t)
names = sorted({n for _, n in best})
ok = True
print(f"{'benchmark':<42} {'normal ns':>10} {'shifted':>8} {'uncounted':>9}")
for n in names:
    base = best.get(("normal", n))
    row = f"{n:<42} {base:10.4g}"
    for v in ("shifted", "uncounted"):
        r = best.get((v, n), float("nan")) / base
        good = abs(r - 1) <= 0.05
        ok &= good
        row += f" {r:8.3f}{'' if good else '!'}"
    print(row)
print("all within 5% of the normal build" if ok else "! marks a variant more than 5% from the normal build")
sys.exit(0 if ok else 1)
EOF
