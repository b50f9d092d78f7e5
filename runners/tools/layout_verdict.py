"""The verdict of runners/layout_check.sh: does a build whose code layout
differs (or which counts no allocations) measure the same as the normal
build?

    layout_verdict.py WORK_DIR ROUNDS

WORK_DIR holds the result files of each build and round, named
VARIANT-ROUND.json or VARIANT-ROUND-ANYTHING.json (normal, shifted,
uncounted). Per round and benchmark, a variant's ratio is its best
repetition over the normal build's best in the same round: the work of a
repetition is fixed, so a disturbance only adds time, and the builds of one
round ran seconds apart while the rounds ran minutes apart on a shared
machine, so a ratio within a round cancels what the machine did between
rounds. The verdict comes from the median of those ratios and its
bootstrap 95% interval over the rounds: "agrees" when the interval lies within TOLERANCE
of 1, "differs" when it lies wholly outside, "cannot tell" when it crosses
the line (more rounds, or a quieter machine, decide it).

Exit 0 when every variant agrees on every benchmark, 1 otherwise.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import numpy as np
from scipy.stats import bootstrap

TOLERANCE = 0.05
VARIANTS = ("shifted", "uncounted")


def interval(ratios: list[float]) -> tuple[float, float]:
    """The percentile bootstrap 95% interval of the median ratio."""
    res = bootstrap((np.asarray(ratios),), np.median, confidence_level=0.95, n_resamples=2000,
                    method="percentile", random_state=np.random.default_rng(1))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def verdict(ratios: list[float], tolerance: float = TOLERANCE) -> tuple[str, float, float, float]:
    """(verdict, median ratio, interval low, interval high)."""
    if len(ratios) < 3:
        return "cannot tell", float("nan"), float("nan"), float("nan")
    lo, hi = interval(ratios)
    median = statistics.median(ratios)
    if lo >= 1 - tolerance and hi <= 1 + tolerance:
        return "agrees", median, lo, hi
    if hi < 1 - tolerance or lo > 1 + tolerance:
        return "differs", median, lo, hi
    return "cannot tell", median, lo, hi


def read_times(work: Path) -> dict[tuple[str, int, str], list[float]]:
    """(variant, round, benchmark) -> time per element of each repetition."""
    times: dict[tuple[str, int, str], list[float]] = {}
    for f in sorted(work.glob("*.json")):
        variant, r = f.stem.split("-")[:2]
        for b in json.loads(f.read_text())["benchmarks"]:
            if b.get("run_type") == "iteration" and not b.get("error_occurred"):
                times.setdefault((variant, int(r), b["run_name"]), []).append(b["real_time"] / b["elements"])
    return times


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: layout_verdict.py WORK_DIR ROUNDS", file=sys.stderr)
        return 2
    work, rounds = Path(argv[1]), int(argv[2])
    times = read_times(work)
    names = sorted({n for _, _, n in times})
    verdicts = []
    print(f"{'benchmark':<36} {'normal ns':>9}  {'shifted / normal (95% interval)':<36} uncounted / normal")
    for n in names:
        base = {r: min(times[("normal", r, n)]) for r in range(1, rounds + 1)
                if ("normal", r, n) in times}
        if not base:
            continue
        row = f"{n:<36} {statistics.median(base.values()):9.4g}"
        for v in VARIANTS:
            ratios = [min(times[(v, r, n)]) / base[r] for r in base if (v, r, n) in times]
            word, median, lo, hi = verdict(ratios)
            verdicts.append(word)
            row += f"  {median:5.3f} ({lo:5.3f}-{hi:5.3f}) {word:<12}"
        print(row)
    print(f"{verdicts.count('agrees')} agree within {TOLERANCE:.0%}, {verdicts.count('differs')} differ, "
          f"{verdicts.count('cannot tell')} cannot tell (the interval crosses the {TOLERANCE:.0%} line: more "
          "rounds or a quieter machine)")
    return 0 if verdicts and all(v == "agrees" for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
