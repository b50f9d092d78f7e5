"""locality-report: the report from one or more result files.

    python -m locality.report RESULT.json [RESULT.json ...] [-o DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from locality import __version__
from locality.report.document import build_report, write_report
from locality.report.load import ResultFileError, load_results
from locality.report.output import OutputError, check_replaceable, write_folder

FORMATS = ("png", "svg", "pdf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="locality-report",
        description="Render plots, captions and tables (report.md, data.csv, table.tex) from "
                    "locality result files or plain Google Benchmark JSON. Several files become a "
                    "comparison: one line per source on every plot, bars and tables side by side.")
    parser.add_argument("results", nargs="+", metavar="RESULT.json", help="result files to read")
    parser.add_argument("-o", "--out", metavar="DIR",
                        help="folder to write (default: beside a single result file, named "
                             "after it without .json)")
    parser.add_argument("--formats", default="png,svg",
                        help="figure formats, comma-separated, from png, svg, pdf (default png,svg)")
    parser.add_argument("--pdf", action="store_true", help="also write PDF figures")
    parser.add_argument("--force", action="store_true",
                        help="replace an earlier report folder at the output path; only a folder "
                             "the report made and holding nothing else is replaced")
    parser.add_argument("--version", action="version", version=f"locality {__version__}")
    args = parser.parse_args(argv)

    formats = tuple(dict.fromkeys(f.strip() for f in args.formats.split(",") if f.strip()))
    if args.pdf:
        formats = tuple(dict.fromkeys(formats + ("pdf",)))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        parser.error(f"--formats: unknown format {', '.join(unknown) or '(none)'}; "
                     f"choose from {', '.join(FORMATS)}")

    if args.out:
        out = Path(args.out)
    elif len(args.results) == 1:
        source = Path(args.results[0])
        out = source.with_suffix("") if source.suffix == ".json" else source.with_name(source.name + ".report")
    else:
        parser.error("several result files need -o DIR")
    try:
        check_replaceable(out, [Path(r) for r in args.results], args.force)
        report = build_report(load_results(args.results))
        # Written into a folder beside the target and moved into place only
        # when complete: a failure never leaves a partial report behind.
        written = write_folder(out, lambda folder: write_report(report, folder, formats))
    except (ResultFileError, OutputError) as e:
        print(f"locality-report: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"locality-report: error: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    for warning in report.warnings:
        print(f"locality-report: warning: {warning}", file=sys.stderr)
    return 0
