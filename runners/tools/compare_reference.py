#!/usr/bin/env python3
"""Compare locality's latency and bandwidth families with the reference tools.

Runs our family and each reference tool alternately, round after round, on
the same sizes, keeps each side's best figure per size (the minimum latency,
the maximum bandwidth, as lmbench and likwid-bench report), and prints one
row per size with the ratio:

  latency    bench_all latency/random_chase against an independent pointer
             chase (runners/tools/reference/chase.c, compiled here with cc) and,
             where given, lmbench's lat_mem_rd (random chain, stride 64):
             ours / theirs, target within 5%. lmbench is not packaged in
             Debian: give the path of a lat_mem_rd you built with
             --lat-mem-rd.
  bandwidth  the best of bench_all's reads (bandwidth/read at the widest
             vectors, read_256, read_128, read_64, read_nt) against the best of
             likwid-bench's load kernels and mbw (Debian packages
             likwid and mbw): ours / best, target at least 95%. mbw only
             copies, and only whole MiB; it applies from 1 MiB.

A tool that is not installed is skipped with a line saying so. This is a
benchmark, not a test: run it on a quiet machine. Exit status: 0 when every
compared size meets its target, 1 when one does not, 2 on bad usage or a
tool that failed.

  runners/tools/compare_reference.py                     # bandwidth; latency if --lat-mem-rd
  runners/tools/compare_reference.py --lat-mem-rd ~/lmbench/bin/x86_64-linux-gnu/lat_mem_rd
  runners/tools/compare_reference.py --only bandwidth --sizes 16K,1M,64M --rounds 5
  runners/tools/compare_reference.py --ours results/HOST-STAMP.json   # a default run's own figures

Run it with the venv's Python (.venv/bin/python): it reads the catalogue and
the machine from the locality package.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from references import LINE, ToolError, lat_mem_rd, likwid_bandwidth, likwid_kernels, match_size, mbw_bandwidth, run

ROOT = Path(__file__).resolve().parents[2]
try:
    import locality
    from locality.report import units
except ImportError:
    sys.exit("compare_reference.py: the locality package is missing: run it with .venv/bin/python "
             "(runners/setup.sh makes the venv)")
LATENCY_TOLERANCE = 0.05
BANDWIDTH_TARGET = 0.95


def size_list(text: str) -> list[int]:
    try:
        return sorted({units.parse_size(t) for t in text.split(",") if t.strip()})
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


human = units.size_bytes


def progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# ---- ours ------------------------------------------------------------------

def llc_bytes() -> int:
    """The last-level cache the machine reports (bench_all's ladders use it)."""
    caches = [c for c in locality.machine("none")["caches"] if c["type"] != "Instruction"]
    if not caches:
        raise ToolError("the machine reports no cache sizes: give --sizes")
    return max(caches, key=lambda c: c["level"])["size_bytes"]


def read_cases() -> list[str]:
    """The bandwidth family's read kernels that run on this CPU."""
    return [c["case"] for c in locality.cases() if c["family"] == "bandwidth"
            and c["case"].split("/")[1].startswith("read") and not c["unavailable"]]


def from_result(path: Path, cases: list[str], elements: dict[int, int]) -> dict[int, list]:
    """Like ours(), from a result file made earlier (a default run)."""
    data = json.loads(Path(path).read_text())
    wanted = {f"{c}/{n}" for c in cases for n in elements.values()}
    by_elements: dict[int, list] = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration" and not b.get("error_occurred") and b["run_name"] in wanted:
            by_elements.setdefault(int(b["run_name"].rsplit("/", 1)[1]), []).append(b)
    return {size: by_elements.get(n, []) for size, n in elements.items()}


def independent_chase(sizes: list[int]) -> dict[int, float]:
    """Bytes -> ns per load from runners/tools/reference/chase.c, built now."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        raise ToolError("no C compiler (cc) to build the independent chase")
    with tempfile.TemporaryDirectory(prefix="locality-chase-") as tmp:
        exe = Path(tmp) / "chase"
        run([cc, "-O2", "-o", str(exe), str(ROOT / "runners" / "tools" / "reference" / "chase.c")])
        done = run([str(exe), *map(str, sizes)], timeout=1800)
    table = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            table[int(parts[0])] = float(parts[1])
    return table


def ours(bench_all: Path, cases: list[str], elements: dict[int, int], repetitions: int) -> dict[int, list]:
    """Runs bench_all on the cases at the given sizes (bytes -> elements);
    returns, per size in bytes, every repetition's benchmark entry of any of
    the cases."""
    counts = ",".join(str(n) for n in sorted(set(elements.values())))
    with tempfile.TemporaryDirectory(prefix="locality-ref-") as tmp:
        out = Path(tmp) / "ours.json"
        run([str(bench_all), *cases, f"--sizes={counts}", "--out", str(out),
             f"--benchmark_repetitions={repetitions}", "--benchmark_min_time=0.2"])
        data = json.loads(out.read_text())
    by_elements: dict[int, list] = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration" and not b.get("error_occurred"):
            by_elements.setdefault(int(b["run_name"].rsplit("/", 1)[1]), []).append(b)
    return {size: by_elements.get(n, []) for size, n in elements.items()}


# ---- the comparisons -------------------------------------------------------

def our_figures(args, cases: list[str], elements: dict[int, int]) -> dict[int, list]:
    """Our entries per size: from --ours' result file, or a bench_all run now."""
    if args.ours:
        return from_result(args.ours, cases, elements)
    return ours(args.bench_all, cases, elements, args.repetitions)


def compare_latency(args, sizes: list[int] | None, largest: int) -> bool | None:
    """`sizes`: the sizes to compare, or None for the powers of two from
    16 KiB to `largest` (and, with lat_mem_rd, every size it prints)."""
    refs = ["the independent chase (runners/tools/reference/chase.c)"]
    if args.lat_mem_rd:
        if not (os.path.isfile(args.lat_mem_rd) and os.access(args.lat_mem_rd, os.X_OK)):
            raise ToolError(f"--lat-mem-rd {args.lat_mem_rd}: not an executable file")
        refs.append("lat_mem_rd -t (random chain, stride 64)")
    print("latency: bench_all latency/random_chase against " + " and ".join(refs))
    if not args.lat_mem_rd:
        print("  lat_mem_rd: skipped: no lat_mem_rd given (lmbench is not packaged in Debian; build it and "
              "pass --lat-mem-rd PATH)")
    best_ours: dict[int, float] = {}
    best: dict[str, dict[int, float]] = {"chase": {}, "lat_mem_rd": {}}
    compared = sizes
    if compared is None and not args.lat_mem_rd:
        compared, s = [], 16 * 2**10
        while s <= largest:
            compared.append(s)
            s *= 2
    for r in range(args.rounds):
        if args.lat_mem_rd:
            # Its output says which sizes it measures.
            progress(f"round {r + 1}/{args.rounds}: lat_mem_rd")
            table = lat_mem_rd(args.lat_mem_rd, max(sizes) if sizes else largest, args.lat_mem_rd_args)
            if compared is None:
                compared = sorted(s for s in table if s >= 4096 and s % LINE == 0 and s <= largest)
            for size in compared:
                ns = match_size(table, size)
                if ns is not None:
                    best["lat_mem_rd"][size] = min(best["lat_mem_rd"].get(size, ns), ns)
        progress(f"round {r + 1}/{args.rounds}: independent chase at {len(compared)} sizes")
        for size, ns in independent_chase(compared).items():
            best["chase"][size] = min(best["chase"].get(size, ns), ns)
        if not args.ours or r == 0:
            progress(f"round {r + 1}/{args.rounds}: ours at {len(compared)} sizes")
            for size, runs in our_figures(args, ["latency/random_chase"], {s: s // LINE for s in compared}).items():
                for b in runs:
                    ns = b["real_time"] / b["elements"]  # bench_all writes ns
                    best_ours[size] = min(best_ours.get(size, ns), ns)
    ok = True
    for ref, table in best.items():
        if not table:
            continue
        print(f"  against {ref}:\n  {'size':>10} {'ours ns':>9} {'theirs ns':>10} {'ratio':>7}")
        for size in compared or []:
            a, b = best_ours.get(size), table.get(size)
            if a is None or b is None:
                print(f"  {human(size):>10} {'-' if a is None else f'{a:.3f}':>9} "
                      f"{'-' if b is None else f'{b:.3f}':>10}       (not measured by both)")
                continue
            ratio = a / b
            good = abs(ratio - 1) <= LATENCY_TOLERANCE
            ok &= good
            print(f"  {human(size):>10} {a:9.3f} {b:10.3f} {ratio:7.3f}  {'ok' if good else 'MISS (target within 5%)'}")
    return ok


def compare_bandwidth(args, sizes: list[int]) -> bool | None:
    print("bandwidth: the best of bench_all's bandwidth/read* against the best of likwid-bench load "
          "kernels and mbw")
    kernels: list[str] = []
    if shutil.which("likwid-bench"):
        kernels = likwid_kernels()
        print(f"  likwid-bench kernels: {', '.join(kernels)}")
    else:
        print("  skipped likwid-bench: not installed (Debian package likwid)")
    has_mbw = shutil.which("mbw") is not None
    if not has_mbw:
        print("  skipped mbw: not installed (Debian package mbw)")
    if not kernels and not has_mbw:
        return None
    best_ours: dict[int, tuple[float, str]] = {}
    best_ref: dict[int, tuple[float, str]] = {}

    def offer(size: int, value: float, who: str) -> None:
        if value > best_ref.get(size, (0.0, ""))[0]:
            best_ref[size] = (value, who)

    for r in range(args.rounds):
        if not args.ours or r == 0:
            progress(f"round {r + 1}/{args.rounds}: ours")
            for size, runs in our_figures(args, read_cases(), {s: s // 8 for s in sizes}).items():
                for b in runs:
                    if b["bytes_per_second"] > best_ours.get(size, (0.0, ""))[0]:
                        best_ours[size] = (b["bytes_per_second"], b["run_name"].split("/")[1])
        for kernel in kernels:
            progress(f"round {r + 1}/{args.rounds}: likwid-bench {kernel}")
            for size in sizes:
                offer(size, likwid_bandwidth(kernel, size, args.likwid_seconds), f"likwid {kernel}")
        if has_mbw:
            progress(f"round {r + 1}/{args.rounds}: mbw")
            for size in sizes:
                if size >= 2**20 and size % 2**20 == 0:
                    offer(size, mbw_bandwidth(size), "mbw")
    print(f"  {'size':>10} {'ours GB/s':>10} {'best GB/s':>10} {'ratio':>7}  ours / best reference")
    ok = True
    for size in sizes:
        a, mine = best_ours.get(size, (None, ""))
        b, who = best_ref.get(size, (None, ""))
        if a is None or b is None:
            print(f"  {human(size):>10} {'-' if a is None else f'{a / 1e9:.1f}':>10} "
                  f"{'-' if b is None else f'{b / 1e9:.1f}':>10}        (not measured by both)")
            continue
        ratio = a / b
        good = ratio >= BANDWIDTH_TARGET
        ok &= good
        print(f"  {human(size):>10} {a / 1e9:10.1f} {b / 1e9:10.1f} {ratio:7.3f}  {mine} / {who}"
              f"{'' if good else '  MISS (target at least 0.95)'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="compare_reference.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--bench-all", type=Path, default=ROOT / "build" / "bench_all",
                        help="the bench_all to compare (default: build/bench_all)")
    parser.add_argument("--lat-mem-rd", help="path of an lmbench lat_mem_rd binary")
    parser.add_argument("--ours", type=Path, metavar="RESULT.json",
                        help="take our figures from this result file (a default run) instead of running "
                             "bench_all; the references still run, round after round")
    parser.add_argument("--lat-mem-rd-args", default="-t",
                        help="options given to lat_mem_rd before the size (default: -t, the random "
                             "chain; give '' for lmbench's backward-stride chain)")
    parser.add_argument("--only", choices=("latency", "bandwidth"), help="run one comparison")
    parser.add_argument("--sizes", type=size_list,
                        help="comma-separated sizes such as 16K,1M,64M (default: for latency, "
                             "every size lat_mem_rd prints from 4 KiB to 8x the last-level cache; "
                             "for bandwidth, powers of two from 16 KiB to 4x the last-level cache)")
    parser.add_argument("--likwid-seconds", type=int, default=1,
                        help="minimum run time of each likwid-bench measurement in whole seconds "
                             "(its -s; default 1, its own default: with -s 0.5 it calibrated to 10 "
                             "iterations and reported 121 instead of 214 GB/s at 16 KiB)")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of ours and theirs (default 3)")
    parser.add_argument("--repetitions", type=int, default=3,
                        help="bench_all repetitions per round (default 3)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # rows and progress interleave in order
    args.lat_mem_rd_args = args.lat_mem_rd_args.split()
    if args.rounds < 1 or args.repetitions < 1 or args.likwid_seconds < 1:
        parser.error("--rounds, --repetitions and --likwid-seconds must be at least 1")
    if args.ours is not None and not args.ours.is_file():
        parser.error(f"--ours {args.ours}: no such result file")
    if args.ours is None and not (args.bench_all.is_file() and os.access(args.bench_all, os.X_OK)):
        parser.error(f"--bench-all {args.bench_all}: no such executable (build it: runners/setup.sh)")
    try:
        llc = llc_bytes()
    except ToolError as e:
        parser.error(str(e))

    def ladder(start: int, top: int) -> list[int]:
        out, s = [], start
        while s <= top:
            out.append(s)
            s *= 2
        return out

    def pow2_at_least(v: int) -> int:
        return 1 << max(0, (v - 1).bit_length())

    results = []
    try:
        if args.only in (None, "latency"):
            bad = [s for s in args.sizes or [] if s % LINE]
            if bad:
                parser.error(f"latency sizes must be multiples of {LINE} bytes: {', '.join(map(human, bad))}")
            results.append(compare_latency(args, args.sizes, pow2_at_least(8 * llc)))
        if args.only in (None, "bandwidth"):
            sizes = args.sizes or ladder(16 * 2**10, pow2_at_least(4 * llc))
            bad = [s for s in sizes if s % 256]
            if bad:
                parser.error(f"bandwidth sizes must be multiples of 256 bytes: {', '.join(map(human, bad))}")
            results.append(compare_bandwidth(args, sizes))
    except ToolError as e:
        print(f"compare_reference.py: {e}", file=sys.stderr)
        return 2
    return 1 if any(r is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
