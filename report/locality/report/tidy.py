"""Flattening result files into one tidy table.

One row per benchmark run and repetition and source file; aggregates that
Google Benchmark adds (mean, median, stddev, cv) are dropped, because the
report computes its own statistics from the repetitions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from locality.report.load import NAME_PATTERN, ResultFile

_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Keys of a Google Benchmark entry that are bookkeeping, not measurements.
_NOT_COUNTERS = {
    "name", "run_name", "run_type", "family_index", "per_family_instance_index",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "error_occurred", "error_message", "aggregate_name", "aggregate_unit", "label",
}


def machine_label(result: ResultFile) -> str:
    """A short name for the machine a file came from."""
    loc = result.locality
    if loc is not None:
        return f"{loc['host']} ({loc['cpu_model']})"
    return str(result.context.get("host_name", Path(result.path).stem))


def source_labels(results: list[ResultFile]) -> list[str]:
    """One distinct label per file: the machine, then the compiler where two
    files share a machine, then the file name where that is not enough."""
    labels = [machine_label(r) for r in results]
    if len(set(labels)) < len(labels):
        labels = [f"{lab}, {(r.locality or {}).get('compiler', '?')}" for lab, r in zip(labels, results)]
    if len(set(labels)) < len(labels):
        labels = [f"{lab}, {Path(r.path).name}" for lab, r in zip(labels, results)]
    return labels


def caches(result: ResultFile) -> list[dict]:
    """Data and unified caches as {level, type, size_bytes, line_bytes, ways}.

    From context.locality (sysfs) when present, else from Google Benchmark's
    own context, whose entries lack line size and ways (left as None).
    """
    loc = result.locality
    if loc is not None:
        found = [dict(c) for c in loc["caches"]]
    else:
        found = [
            {"level": c.get("level"), "type": c.get("type"), "size_bytes": c.get("size"),
             "line_bytes": None, "ways": None}
            for c in result.context.get("caches", [])
            if isinstance(c, dict)
        ]
    return [c for c in found if c.get("type") != "Instruction" and c.get("size_bytes")]


def _split_name(name: str) -> tuple[str, str, float]:
    m = NAME_PATTERN.match(name)
    if m:
        return m["family"], m["case"], float(m["elements"])
    # Plain Google Benchmark names such as "BM_Sum/1024": the family is the
    # first part, a trailing number (if any) the size.
    parts = name.split("/")
    elements = float(parts[-1]) if len(parts) > 1 and parts[-1].isdigit() else float("nan")
    case = "/".join(parts[1:-1]) if len(parts) > 2 else (parts[1] if len(parts) == 2 and
                                                          not parts[1].isdigit() else "")
    return parts[0], case or parts[0], elements


def tidy(results: list[ResultFile]) -> pd.DataFrame:
    rows = []
    for result, machine in zip(results, source_labels(results)):
        loc = result.locality or {}
        backend = loc.get("counters", {}).get("backend", "unknown")
        for b in result.benchmarks:
            if b.get("run_type", "iteration") != "iteration" or "big_o" in b or "rms" in b:
                continue
            run_name = b.get("run_name", b["name"])
            family, case, elements = _split_name(run_name)
            scale = _UNIT_NS.get(b.get("time_unit", "ns"), 1.0)
            row = {
                "source": str(result.path),
                "machine": machine,
                "counters_backend": backend,
                "name": run_name,
                "family": family,
                "case": case,
                # The size in the name identifies the benchmark; the
                # `elements` counter is the work of one iteration (equal for
                # most cases; more where an iteration repeats a small
                # structure, as bandwidth and stride do).
                "elements": elements if elements == elements else b.get("elements", elements),
                "elements_per_iter": b.get("elements", elements),
                "repetition": b.get("repetition_index", 0),
                "iterations": b.get("iterations"),
                "real_time_ns": b["real_time"] * scale if "real_time" in b else float("nan"),
                "cpu_time_ns": b["cpu_time"] * scale if "cpu_time" in b else float("nan"),
                "error": b.get("error_message", "") if b.get("error_occurred") else "",
            }
            for key, value in b.items():
                if key not in _NOT_COUNTERS and key not in row and isinstance(value, (int, float)):
                    row[key] = float(value)
            rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["time_per_elem_ns"] = frame["real_time_ns"] / frame["elements_per_iter"]
    return frame


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Median, min, max and coefficient of variation of the time per element,
    per machine and benchmark, over repetitions (errors excluded)."""
    ok = frame[frame["error"] == ""]
    keys = ["machine", "family", "case", "elements"]
    extra = [c for c in ("working_set_bytes", "huge_page_share") if c in ok.columns]
    grouped = ok.groupby(keys, sort=True)
    out = grouped["time_per_elem_ns"].agg(["median", "min", "max", "mean", "std", "count"])
    out["cv"] = out["std"] / out["mean"]
    for c in extra:
        out[c] = grouped[c].median()
    return out.reset_index()
