#!/usr/bin/env bash
# The gallery's speed goal, checked here rather than in the unit tests
# (which never assert on timings): a class of COUNT result files (default
# 200), made from the newest committed result file by
# tests/python/class_files.py, rendered by `locality-report --gallery` in
# under a minute. Prints the time; exits 1 when it took a minute or more.
# Usage: runners/gallery_speed.sh [COUNT]
set -euo pipefail
export LC_ALL=C  # a decimal point in $EPOCHREALTIME, whatever the locale
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${LOCALITY_PYTHON:-$ROOT/.venv/bin/python}"
count="${1:-200}"
source="$(find "$ROOT/results" -maxdepth 1 -name '*.json' | sort | tail -n1)"
[ -n "$source" ] || { echo "gallery_speed: no result file in $ROOT/results" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PY" "$ROOT/tests/python/class_files.py" "$source" "$tmp/class" "$count" >/dev/null
files=("$tmp/class"/*.json)
start="$EPOCHREALTIME"
"$PY" -m locality.report --gallery -o "$tmp/gallery" "${files[@]}" >/dev/null
end="$EPOCHREALTIME"
awk -v s="$start" -v e="$end" -v n="${#files[@]}" -v cpus="$(nproc)" 'BEGIN {
  printf "gallery of %d result files rendered in %.1f s on %d CPUs (goal: under 60 s)\n", n, e - s, cpus
  exit (e - s < 60) ? 0 : 1 }'
