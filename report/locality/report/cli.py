"""locality-report: the report from one or more result files.

    python -m locality.report RESULT.json [RESULT.json ...] [-o DIR]
    python -m locality.report --gallery -o DIR RESULT.json [RESULT.json ...]
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from locality import __version__
from locality.report import interrupt
from locality.report.escape import one_line
from locality.report.interrupt import Stopped
from locality.report.output import OutputError, check_replaceable, write_folder

FORMATS = ("png", "svg", "pdf")


def _error(message) -> None:
    print(f"locality-report: error: {one_line(message)}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """Bad options are one line and exit 2, as argparse does, without the
    usage block."""

    def error(self, message):  # noqa: D401
        self.exit(2, f"{self.prog}: error: {message}\n")


def _labels(items: list[str], parser) -> dict[str, str]:
    names = {}
    for item in items:
        host, sep, name = item.partition("=")
        if not sep or not host:
            parser.error(f"--label {item!r}: expected HOST=NAME (an empty NAME hides the host)")
        names[host] = name
    return names


def main(argv: list[str] | None = None) -> int:
    """The command line; an interruption (Ctrl-C, SIGTERM, SIGHUP) before
    the report is in place leaves nothing behind and exits with 128 + the
    signal's number (see interrupt.py)."""
    with interrupt.handled():
        try:
            code = _main(argv)
        except (Stopped, KeyboardInterrupt) as e:
            signo = e.signo if isinstance(e, Stopped) else interrupt.pending() or signal.SIGINT
            how = "interrupted (SIGINT)" if signo == signal.SIGINT else f"stopped by {signal.Signals(signo).name}"
            print(f"locality-report: {how}; nothing was written", file=sys.stderr)
            return 128 + signo
        return code


def _main(argv: list[str] | None = None) -> int:
    # pandas and matplotlib load here, under the signal handlers
    from locality.report.load import ResultFileError, load_results
    from locality.report.styles import STYLES

    parser = _Parser(
        prog="locality-report",
        description="Render plots, captions and tables (report.md, report.html, data.csv, LaTeX) from "
                    "locality result files or plain Google Benchmark JSON. Several runs of one machine "
                    "and build are pooled into one series with the range across runs; several machines "
                    "or builds become a comparison: one line per series on every plot, bars and tables "
                    "side by side.")
    parser.add_argument("results", nargs="+", metavar="RESULT.json", help="result files to read")
    parser.add_argument("-o", "--out", metavar="DIR",
                        help="folder to write (default: beside a single result file, named "
                             "after it without .json)")
    parser.add_argument("--formats", default="png,svg",
                        help="figure formats, comma-separated, from png, svg, pdf (default png,svg)")
    parser.add_argument("--pdf", action="store_true", help="also write PDF figures")
    parser.add_argument("--no-footer", action="store_true",
                        help="figures without the line naming machine, build and figure id under them (the "
                             "report, the captions and the LaTeX snippets still name them)")
    parser.add_argument("--style", choices=sorted(STYLES), default="screen",
                        help="figure size and text for the medium: screen (default), print (16 cm wide, "
                             "text at least 8 pt) or slides (16:9, text at least 14 pt)")
    parser.add_argument("--label", action="append", default=[], metavar="HOST=NAME",
                        help="show host HOST as NAME (NAME empty: show no host name), e.g. before "
                             "publishing; repeatable")
    parser.add_argument("--compare", action="store_true",
                        help="print, per benchmark, the ratio of each later series to the first with a "
                             "Mann-Whitney U p-value, and flag differences that are real; writes no report")
    parser.add_argument("--gallery", action="store_true",
                        help="a class gallery instead of a report: one index page (index.html), one "
                             "summary table (gallery.csv, gallery.md) with per machine its CPU, caches, "
                             "latency and read bandwidth of each level and the shuffled-list-to-vector "
                             "ratio, and each machine's figures side by side (PNG; --style and --formats do not "
                             "apply); needs -o DIR")
    parser.add_argument("--threshold", type=float, default=0.05,
                        help="with --compare: the smallest relative difference to flag (default 0.05)")
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
    if not 0 < args.threshold < 10:
        parser.error("--threshold must be a positive fraction such as 0.05")
    names = _labels(args.label, parser)

    if args.compare:
        from locality.report.compare import compare_main

        return compare_main(args.results, args.threshold, names)

    if args.gallery:
        if args.compare:
            parser.error("--gallery and --compare do not go together")
        if not args.out:
            parser.error("--gallery needs -o DIR")
        return _gallery(args.results, Path(args.out), names, args.force)

    if args.out:
        out = Path(args.out)
    elif len(args.results) == 1:
        source = Path(args.results[0])
        out = source.with_suffix("") if source.suffix == ".json" else source.with_name(source.name + ".report")
    else:
        parser.error("several result files need -o DIR")
    from locality.report.document import build_report, write_report

    try:
        exists = check_replaceable(out, [Path(r) for r in args.results], args.force)
        results, notes = load_results(args.results)
        report = build_report(results, style=args.style, names=names, notes=notes, footer=not args.no_footer)
        # Written into a folder beside the target and moved into place only
        # when complete: a failure never leaves a partial report behind.
        written = write_folder(out, lambda folder: write_report(report, folder, formats), replace=exists)
    except (ResultFileError, OutputError) as e:
        _error(e)
        return 2
    except OSError as e:
        _error(f"cannot write {out}: {e.strerror or e}")
        return 2
    for path in written:
        print(path)
    for warning in report.warnings:
        print(f"locality-report: warning: {warning}", file=sys.stderr)
    return 0


def _gallery(paths: list[str], out: Path, names: dict, force: bool) -> int:
    from locality.report.gallery import build_gallery, write_gallery

    try:
        exists = check_replaceable(out, [Path(r) for r in paths], force)
        machines, notes, errors = build_gallery(paths, names)
        if errors:
            for error in errors:
                _error(error)
            print(f"locality-report: error: {len(errors)} of {len(paths)} files are not result files; "
                  "no gallery written", file=sys.stderr)
            return 2
        written = write_folder(out, lambda folder: write_gallery(machines, notes, folder), replace=exists)
    except OutputError as e:
        _error(e)
        return 2
    except OSError as e:
        _error(f"cannot write {out}: {e.strerror or e}")
        return 2
    print(written[0])
    for note in notes:
        print(f"locality-report: note: {note}", file=sys.stderr)
    return 0
