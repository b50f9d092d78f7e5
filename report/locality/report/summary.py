"""One indexed summary of the tidy table: a Point per series (machine),
family, case and size, with the statistic its case declares, a bootstrap
95% confidence interval, and the spread of its repetitions.

A point's value is the median of its repetitions' times per unit, or their
minimum where the case declares it (latencies, bandwidths: the least
disturbed repetition is the honest estimate of the hardware). Its interval
is a percentile bootstrap: the repetitions are resampled with replacement
and the statistic taken again, 2000 times. Where a point pools several runs
of one machine, runs are resampled first and repetitions inside each, so
that the interval covers the difference between runs too, and the point
records the range of the runs' own values: the range to cite.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RESAMPLES = 2000
NOISY = 0.05  # a point whose interval is wider than +-5% of its value
# Two modes: sorted, the repetitions jump by at least this ratio between two
# neighbours, more than either side spreads, with at least MODE_MIN on each
# side (a fast and a slow state of the machine: a page placement, a
# neighbour, a clock).
MODE_GAP = 1.5
MODE_MIN = 2


def split_modes(samples: np.ndarray) -> list[np.ndarray]:
    """The repetitions as one cluster, or as two (fast, slow) where they
    fall apart at their largest gap."""
    s = np.sort(np.asarray(samples, dtype=float))
    if len(s) < 2 * MODE_MIN or not s[0] > 0:
        return [s]
    gaps = s[1:] / s[:-1]
    k = int(np.argmax(gaps))
    fast, slow = s[:k + 1], s[k + 1:]
    if gaps[k] >= MODE_GAP and min(len(fast), len(slow)) >= MODE_MIN and \
            gaps[k] > max(fast[-1] / fast[0], slow[-1] / slow[0]):
        return [fast, slow]
    return [s]


def _statistic(values: np.ndarray, statistic: str, axis=None):
    return np.min(values, axis=axis) if statistic == "minimum" else np.median(values, axis=axis)


@dataclass
class Point:
    series: str
    family: str
    case: str
    size: float
    statistic: str
    samples: np.ndarray          # time per unit (ns), one per repetition
    runs: np.ndarray             # the run each sample came from
    working_set_bytes: float
    unit_name: str
    unit_bytes: float
    label: str = ""
    role: str = ""
    counters: dict = field(default_factory=dict)  # medians of the other numeric columns
    value: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    boot: np.ndarray | None = None  # the bootstrap distribution of the value
    run_values: list = field(default_factory=list)  # the statistic of each run
    modes: list = field(default_factory=list)  # (fast, slow) statistic where the repetitions fall into two clusters
    rounds: np.ndarray | None = None  # "run:pass:repetition" of each sample: the pass and place it was timed in

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def n_runs(self) -> int:
        return len(set(self.runs.tolist()))

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def min(self) -> float:
        return float(np.min(self.samples))

    @property
    def max(self) -> float:
        return float(np.max(self.samples))

    @property
    def half_width(self) -> float:
        """Half the interval relative to the value (0.05: +-5%); infinite
        where one repetition gives no interval."""
        if self.n < 2 or not self.value > 0:
            return math.inf
        return (self.ci_high - self.ci_low) / 2 / self.value

    @property
    def noisy(self) -> bool:
        return self.half_width > NOISY

    @property
    def name(self) -> str:
        return f"{self.family}/{self.case}/{self.size:.0f}"


def _bootstrap(point: Point, resamples: bool = True) -> None:
    if not resamples:
        point.value = float(_statistic(point.samples, point.statistic))
        point.run_values = [float(_statistic(point.samples[point.runs == r], point.statistic))
                            for r in sorted(set(point.runs.tolist()))]
        return
    rng = np.random.default_rng(zlib.crc32(f"{point.series}|{point.name}".encode()))
    samples, stat = point.samples, point.statistic
    point.value = float(_statistic(samples, stat))
    run_ids = sorted(set(point.runs.tolist()))
    point.run_values = [float(_statistic(samples[point.runs == r], stat)) for r in run_ids]
    if len(samples) < 2:
        point.ci_low = point.ci_high = point.value
        point.boot = np.full(RESAMPLES, point.value)
        return
    if len(run_ids) > 1:
        # Runs first, then repetitions inside each run drawn (padded with
        # NaN where runs have fewer repetitions than the largest).
        groups = [samples[point.runs == r] for r in run_ids]
        sizes = np.array([len(g) for g in groups])
        padded = np.full((len(groups), sizes.max()), np.nan)
        for i, g in enumerate(groups):
            padded[i, :len(g)] = g
        picks = rng.integers(0, len(groups), size=(RESAMPLES, len(groups)))
        slots = np.arange(sizes.max())
        within = np.floor(rng.random((RESAMPLES, len(groups), sizes.max())) * sizes[picks][..., None]).astype(int)
        drawn = padded[picks[..., None], within]
        drawn[slots[None, None, :] >= sizes[picks][..., None]] = np.nan
        drawn = drawn.reshape(RESAMPLES, -1)
        boot = np.nanmin(drawn, axis=1) if stat == "minimum" else np.nanmedian(drawn, axis=1)
    else:
        idx = rng.integers(0, len(samples), size=(RESAMPLES, len(samples)))
        boot = _statistic(samples[idx], stat, axis=1)
    clusters = split_modes(samples)
    if len(clusters) == 2:
        # Two states of the machine: the statistic of either is as likely
        # to be what the next run sees, so the interval spans both.
        point.modes = [float(_statistic(c, stat)) for c in clusters]
        picks = [_statistic(c[rng.integers(0, len(c), size=(RESAMPLES, len(c)))], stat, axis=1) for c in clusters]
        boot = np.where(rng.random(RESAMPLES) < 0.5, picks[0], picks[1])
    point.boot = boot
    point.ci_low, point.ci_high = (float(x) for x in np.percentile(boot, [2.5, 97.5]))


class Summary:
    """Points indexed by (series, family, case, size)."""

    def __init__(self, frame: pd.DataFrame, intervals: bool = True):
        """`intervals=False` takes each point's statistic without its
        bootstrap interval (ci_low and ci_high stay NaN): for readers
        that show values only, such as the gallery."""
        self.points: dict[tuple, Point] = {}
        self._curves: dict[tuple, list[Point]] | None = None  # (series, family, case) -> points by size
        if frame.empty:
            return
        ok = frame[frame["error"] == ""] if "error" in frame.columns else frame
        ok = ok[np.isfinite(ok["time_per_elem_ns"])]
        skip = {"source", "run", "machine", "counters_backend", "name", "family", "case", "elements",
                "repetition", "pass", "error", "unit_name", "unit_bytes", "statistic", "role", "label", "metric",
                "series", "axis", "real_time_ns", "cpu_time_ns", "time_per_elem_ns", "iterations"}
        numeric = [c for c in ok.columns if c not in skip and pd.api.types.is_numeric_dtype(ok[c])]
        keys = ["machine", "family", "case", "elements"]
        grouped = ok.groupby(keys, sort=True)
        medians = grouped[numeric].median().to_dict("index")
        times = ok["time_per_elem_ns"].to_numpy(dtype=float)
        run_ids = ok["run"].to_numpy()
        reps = ok["repetition"].to_numpy() if "repetition" in ok.columns else np.zeros(len(ok), dtype=int)
        info = {c: ok[c].to_numpy() for c in ("statistic", "unit_name", "unit_bytes", "label", "role")}
        for key in sorted(grouped.indices):
            series, family, case, size = key
            rows = grouped.indices[key]
            first = rows[0]
            # a repetition's round: its run, its pass (a rerun of noisy points
            # numbers its repetitions from 0 again, after the first pass in
            # the file) and its index
            seen: dict = {}
            rounds = np.empty(len(rows), dtype=object)
            for j, (r, k) in enumerate(zip(run_ids[rows], reps[rows])):
                seen[(r, k)] = again = seen.get((r, k), -1) + 1
                rounds[j] = f"{r}:{again}:{int(k)}"
            counters = {c: float(v) for c, v in medians[key].items() if v == v}
            ws = counters.get("working_set_bytes", math.nan)
            p = Point(series=series, family=family, case=case, size=float(size), statistic=info["statistic"][first],
                      samples=times[rows], runs=run_ids[rows], rounds=rounds, working_set_bytes=ws,
                      unit_name=info["unit_name"][first], unit_bytes=float(info["unit_bytes"][first]),
                      label=info["label"][first], role=info["role"][first], counters=counters)
            _bootstrap(p, intervals)
            self.points[(series, family, case, float(size))] = p

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self):
        return iter(self.points.values())

    def get(self, series: str, family: str, case: str, size: float) -> Point | None:
        return self.points.get((series, family, case, float(size)))

    def curve(self, series: str, family: str, case: str) -> list[Point]:
        """The case's points of one series, by size."""
        if self._curves is None:
            self._curves = {}
            for (s, f, c, _), p in self.points.items():
                self._curves.setdefault((s, f, c), []).append(p)
            for found in self._curves.values():
                found.sort(key=lambda p: p.size)
        return list(self._curves.get((series, family, case), []))

    def series(self) -> list[str]:
        return sorted({k[0] for k in self.points})

    def cases(self, series: str, family: str) -> list[str]:
        return sorted({k[2] for k in self.points if k[0] == series and k[1] == family})

    def to_frame(self) -> pd.DataFrame:
        """One row per point: value, interval, spread and repetitions."""
        return pd.DataFrame([{
            "machine": p.series, "family": p.family, "case": p.case, "elements": p.size,
            "working_set_bytes": p.working_set_bytes, "statistic": p.statistic, "value": p.value,
            "ci_low": p.ci_low, "ci_high": p.ci_high, "median": p.median, "min": p.min, "max": p.max,
            "count": p.n, "runs": p.n_runs, "run_low": min(p.run_values), "run_high": max(p.run_values),
            "half_width": p.half_width, "unit": p.unit_name,
        } for p in self.points.values()])
