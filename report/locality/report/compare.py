"""locality-report --compare: two runs or two machines, benchmark by
benchmark.

Each file is one side (runs of one machine are not pooled here: comparing
them is the point). For every benchmark both sides ran, it prints the ratio
of the later side's value to the first's (the case's statistic: median, or
minimum) and the p-value of a two-sided Mann-Whitney U test on their
repetitions, as Google Benchmark's compare.py does. A difference is
flagged as real when p < 0.05 and the ratio differs from 1 by at least the
threshold (5% by default): with few repetitions a tiny but consistent
drift between runs would pass the test alone. With too few repetitions
the test cannot reach p < 0.05 at all (3 against 3: the smallest two-sided
p is 0.1); such rows say so instead of passing as "within the noise".
"""

from __future__ import annotations

import sys
from math import comb

from scipy.stats import mannwhitneyu

from locality.report import units
from locality.report.escape import one_line
from locality.report.document import NOISY_CLOCK
from locality.report.texts import l1_read_gb_s
from locality.report.load import ResultFileError, load_results
from locality.report.summary import Summary
from locality.report.tidy import tidy

ALPHA = 0.05


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value an exact Mann-Whitney U test can give
    for samples of n_a and n_b (every value of one side above every value of
    the other)."""
    return min(1.0, 2 / comb(n_a + n_b, n_a))


def compare(frame_a, frame_b, threshold: float) -> list[dict]:
    """Per benchmark both frames ran: ratio b/a of the statistic, p-value,
    and whether the difference is real."""
    a, b = Summary(frame_a), Summary(frame_b)
    rows = []
    if not a.series() or not b.series():
        return rows
    sa, sb = a.series()[0], b.series()[0]
    for p in a:
        q = b.get(sb, p.family, p.case, p.size)
        if q is None or p.series != sa:
            continue
        ratio = q.value / p.value
        if p.n >= 2 and q.n >= 2:
            pvalue = float(mannwhitneyu(p.samples, q.samples, alternative="two-sided").pvalue)
        else:
            pvalue = float("nan")
        real = pvalue < ALPHA and abs(ratio - 1) >= threshold
        undecidable = not real and (p.n < 2 or q.n < 2 or smallest_p(p.n, q.n) >= ALPHA)
        rows.append({"name": p.name, "ratio": ratio, "p": pvalue, "real": real, "undecidable": undecidable,
                     "n_a": p.n, "n_b": q.n})
    return rows


def compare_main(paths: list[str], threshold: float, names: dict | None = None) -> int:
    def error(message) -> int:
        print(f"locality-report: error: {one_line(message)}", file=sys.stderr)
        return 2

    try:
        results, notes = load_results(paths)
    except ResultFileError as e:
        return error(e)
    for n in notes:
        print(f"locality-report: warning: {n}", file=sys.stderr)
    if len(results) < 2:
        return error("--compare needs two different result files")
    frames = []
    for r in results:
        frame = tidy([r], names)
        frame = frame[frame["error"] == ""] if not frame.empty else frame
        if frame.empty:
            return error(f"{r.path}: no benchmark ran without an error: nothing to compare")
        if "working_set_bytes" not in frame.columns:
            frame = frame.assign(working_set_bytes=float("nan"))
        frames.append(frame)
    base = frames[0]
    for result, frame in zip(results[1:], frames[1:]):
        rows = compare(base, frame, threshold)
        if not rows:
            return error(f"{result.path} and {results[0].path} have no benchmark in common: nothing to compare")
        print(f"{result.path} against {results[0].path}: {len(rows)} benchmarks in both")
        probe_a, probe_b = l1_read_gb_s(results[0].locality or {}), l1_read_gb_s(result.locality or {})
        if probe_a and probe_b:
            line = (f"  throughput probe (L1 vector read, before each run): {units.number(probe_a)} and "
                    f"{units.number(probe_b)} GB/s ({units.ratio(probe_b / probe_a)})")
            if abs(probe_b / probe_a - 1) > NOISY_CLOCK:
                line += ("; the machine itself ran at a different speed, so a difference in kernels inside the "
                         "caches may be the host's other tenants, not the code")
            print(line)
        print(f"  {'benchmark':<48} {'ratio':>8} {'p-value':>8}  difference")
        for r in rows:
            flag = ("REAL: " + ("slower" if r["ratio"] > 1 else "faster")) if r["real"] else ""
            if r["undecidable"]:
                flag = f"cannot tell: {r['n_a']} and {r['n_b']} repetitions"
            print(f"  {r['name']:<48} {units.number(r['ratio']):>8} {r['p']:>8.3g}  {flag}")
        real = [r for r in rows if r["real"]]
        undecidable = [r for r in rows if r["undecidable"]]
        decided = len(rows) - len(undecidable)
        print(f"  {len(real)} of {decided} differ (p < {ALPHA} and at least {units.percent(threshold)}); "
              f"the rest are within the noise")
        if undecidable:
            print(f"  {len(undecidable)} cannot be told apart from noise: with so few repetitions the test "
                  f"cannot reach p < {ALPHA} (at least 4 on each side can); rerun with more "
                  f"(--benchmark_repetitions)")
    return 0
