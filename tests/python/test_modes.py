"""Points whose repetitions fall into two modes (a fast and a slow state of
the machine): found, given an interval that spans both, and named in the
report's warnings; one cluster, however wide, is not split."""

from __future__ import annotations

import numpy as np
import pandas as pd

from locality.report.summary import Summary, split_modes


def frame(samples: dict[str, list[float]]) -> pd.DataFrame:
    rows = [{"machine": "m", "family": "f", "case": case, "elements": 1024.0, "run": 0, "error": "",
             "time_per_elem_ns": v, "working_set_bytes": 4096.0, "statistic": "minimum", "unit_name": "int",
             "unit_bytes": 4.0, "label": case, "role": "", "repetition": i}
            for case, values in samples.items() for i, v in enumerate(values)]
    return pd.DataFrame(rows)


def test_two_clusters_are_split_one_is_not():
    fast, slow = split_modes(np.array([0.74, 0.36, 0.75, 0.37, 0.766]))
    assert list(fast) == [0.36, 0.37] and list(slow) == [0.74, 0.75, 0.766]
    assert len(split_modes(np.array([1.0, 1.1, 1.2, 1.3, 1.4, 1.5]))) == 1   # a spread, no gap
    assert len(split_modes(np.array([1.0, 1.01, 1.02, 1.03, 5.0]))) == 1     # one outlier is no mode
    assert len(split_modes(np.array([1.0, 2.0, 3.0]))) == 1                  # too few to tell


def test_a_point_in_two_modes_gets_an_interval_over_both():
    s = Summary(frame({"split": [0.74, 0.36, 0.75, 0.37, 0.766], "one": [0.74, 0.745, 0.75, 0.752, 0.766]}))
    split, one = s.get("m", "f", "split", 1024), s.get("m", "f", "one", 1024)
    assert split.modes == [0.36, 0.74]
    assert split.ci_low <= 0.37 and split.ci_high >= 0.74 and split.noisy
    assert not one.modes and one.ci_high < 0.76 and one.ci_low >= 0.74


def test_the_report_warns_of_points_in_two_modes(real_result, tmp_path):
    import json
    from locality.report import load_result
    from locality.report.document import build_report
    data = json.loads(real_result.read_text())
    runs = [b for b in data["benchmarks"] if b.get("run_type") == "iteration"]
    target = runs[0]["name"]
    same = [b for b in runs if b["name"] == target]
    for i, b in enumerate(same):
        if i % 2:
            for key in ("real_time", "cpu_time"):
                b[key] *= 3
    if len(same) < 4:   # a --quick file has one repetition: give this one four
        for i in range(4 - len(same)):
            extra = dict(same[0], repetition_index=len(same) + i)
            if i % 2 == 0:
                extra["real_time"] *= 3
                extra["cpu_time"] *= 3
            data["benchmarks"].append(extra)
    path = tmp_path / "two-modes.json"
    path.write_text(json.dumps(data))
    warnings = " ".join(build_report([load_result(path)]).warnings)
    assert "two modes" in warnings and target in warnings
    assert "two modes" not in " ".join(build_report([load_result(real_result)]).warnings)
