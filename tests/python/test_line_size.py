"""The line_size check: each method's series is split where it changes
plateau, and that distance is compared with the machine's line. A step at
the line agrees; one odd point at the far end does not move it; a step
whose two sides overlap cannot decide; a clear step elsewhere disagrees."""

from __future__ import annotations

import pandas as pd

from locality.report.checks import Engine
from locality.report.summary import Summary
from locality.report.verdicts import AGREES, DISAGREES, INCONCLUSIVE

DISTANCES = [8, 16, 32, 64, 128, 256, 512]
CLAIM = {"kind": "hook", "hook": "line_size", "says": "both methods find the line size",
         "cases": ["pair_8", "share_8"]}
FAMILIES = {"f": {"size_name": "blocks", "claims": [CLAIM], "cases": [
    {"name": f"{m}_{d}", "series": m, "axis": {"counter": "distance_bytes", "label": "distance"}}
    for m in ("pair", "share") for d in DISTANCES]}}
CACHES = [{"level": 1, "size_bytes": 32768, "type": "Data", "line_bytes": 64}]


def run(pair: list[float], share: list[float], spread: float = 0.01) -> Summary:
    rows = []
    for method, values in (("pair", pair), ("share", share)):
        for d, v in zip(DISTANCES, values):
            for i in range(5):
                rows.append({"machine": "m", "family": "f", "case": f"{method}_{d}", "elements": 1024.0, "run": 0,
                             "error": "", "time_per_elem_ns": v * (1 + spread * i), "working_set_bytes": 1024.0,
                             "statistic": "minimum", "unit_name": "load", "unit_bytes": 8.0, "label": f"d = {d}",
                             "role": "", "repetition": i, "distance_bytes": float(d)})
    return Summary(pd.DataFrame(rows))


def verdict(summary: Summary):
    return Engine(summary, "m", FAMILIES, CACHES).evaluate("f", CLAIM)


SHARE = [20, 20, 20, 3, 3, 3, 3]


def test_a_step_at_the_line_agrees():
    r = verdict(run([3, 3, 3, 4, 4, 4, 4], SHARE))
    assert r.verdict == AGREES and "pair: 64 B" in r.sentence


def test_one_odd_point_at_the_far_end_does_not_move_the_step():
    # the largest single jump is 4 -> 5.2 at 512 B; the plateaus still change at 64 B
    r = verdict(run([3.05, 3.1, 3.15, 3.9, 3.9, 3.75, 5.2], SHARE))
    assert r.verdict == AGREES and "pair: 64 B" in r.sentence


def test_a_step_inside_the_noise_cannot_decide():
    r = verdict(run([3, 3.3, 3.1, 3.4, 3.35, 3.45, 3.4], SHARE, spread=0.08))
    assert r.verdict == INCONCLUSIVE and "overlap" in r.sentence


def test_a_clear_step_elsewhere_disagrees_and_names_the_block():
    r = verdict(run([3, 3, 3, 3, 4, 4, 4], [20, 20, 20, 20, 3, 3, 3]))
    assert r.verdict == DISAGREES
    assert "steps at 2 lines" in r.sentence
