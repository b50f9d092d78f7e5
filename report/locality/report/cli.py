"""locality-report: render plots from result files.

    python -m locality.report RESULT.json [RESULT.json ...] [-o DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from locality import __version__
from locality.report.load import ResultFile, ResultFileError, load_results
from locality.report.plot import miss_columns, plot_comparison, plot_family, plot_misses
from locality.report.tidy import caches, tidy
from locality.report.write import write_figures

LIBRARY_DEBUG_NOTE = "Google Benchmark library built as debug (Debian's; compiled with optimisation)"


def figure_meta(result: ResultFile, figure_id: str) -> dict:
    loc = result.locality or {}
    ctx = result.context
    return {
        "cpu": loc.get("cpu_model") or ctx.get("host_name", "unknown CPU"),
        "caches": caches(result),
        "compiler": loc.get("compiler", "compiler unknown"),
        "build_flags": loc.get("build_flags", ""),
        "suite_version": loc.get("suite_version", "?"),
        "git_commit": loc.get("git_commit", "?"),
        "date": loc.get("started_utc", ctx.get("date", "")),
        "counters_backend": loc.get("counters", {}).get("backend", "unknown"),
        "library_note": LIBRARY_DEBUG_NOTE if ctx.get("library_build_type") == "debug" else "",
        "figure_id": figure_id,
    }


def build_figures(results: list[ResultFile]) -> dict:
    frame = tidy(results)
    ok = frame[frame["error"] == ""] if not frame.empty else frame
    if ok.empty or "working_set_bytes" not in ok.columns:
        raise ResultFileError(results[0].path, "benchmarks",
                              "no successful run with a working_set_bytes counter to plot")
    ok = ok[ok["working_set_bytes"].notna()]
    first = results[0]
    machine_caches = caches(first)
    texts = (first.locality or {}).get("families", {})
    figures = {}
    if {"heap_vector"} <= set(ok["family"]):
        figures["comparison"] = plot_comparison(ok, machine_caches,
                                                figure_meta(first, "LOC-vector-vs-list"))
    counters = (first.locality or {}).get("counters", {})
    for source in miss_columns(ok):
        figures[f"misses-{source}"] = plot_misses(
            ok, source, machine_caches, figure_meta(first, f"LOC-misses-{source}"),
            multiplexed=source == "papi" and counters.get("multiplexed", False))
    for family in ok["family"].drop_duplicates():
        expected = texts.get(family, {}).get("expected", "")
        figures[f"family-{family}"] = plot_family(ok, family, machine_caches,
                                                  figure_meta(first, f"LOC-{family}"), expected)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="locality-report",
        description="Render comparison plots from locality result files (or plain Google "
                    "Benchmark JSON).")
    parser.add_argument("results", nargs="+", metavar="RESULT.json", help="result files to read")
    parser.add_argument("-o", "--out", metavar="DIR",
                        help="folder to write (default: beside a single result file, named "
                             "after it without .json)")
    parser.add_argument("--force", action="store_true",
                        help="replace the output folder if it exists")
    parser.add_argument("--version", action="version", version=f"locality {__version__}")
    args = parser.parse_args(argv)

    if args.out:
        out = Path(args.out)
    elif len(args.results) == 1:
        source = Path(args.results[0])
        out = source.with_suffix("") if source.suffix == ".json" else source.with_name(source.name + ".report")
    else:
        parser.error("several result files need -o DIR")
    if out.exists() and not args.force:
        print(f"locality-report: error: {out} exists; pass --force to replace it", file=sys.stderr)
        return 2

    try:
        results = load_results(args.results)
        figures = build_figures(results)
    except ResultFileError as e:
        print(f"locality-report: error: {e}", file=sys.stderr)
        return 2

    # Render into a temporary folder beside the target and move it into place
    # only when complete, so a failure never leaves a partial report behind.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        written = write_figures(figures, staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for path in written:
        print(out / path.name)
    return 0
