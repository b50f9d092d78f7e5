"""Flattening result files into one tidy table.

One row per benchmark repetition and source file; aggregates that Google
Benchmark adds (mean, median, stddev, cv) are dropped, because the report
computes its own statistics from the repetitions. Every row carries what
its case's descriptor says (unit, statistic, role, label), so nothing after
this step needs to know a family by name.

Several files from one machine and build (same host, CPU, compiler and
commit) are runs of one series: they share a machine label and are pooled;
files from different machines or builds are separate series.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from locality.report.load import ResultFile

_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Keys of a Google Benchmark entry that are bookkeeping, not measurements.
_NOT_COUNTERS = {
    "name", "run_name", "run_type", "family_index", "per_family_instance_index",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "error_occurred", "error_message", "aggregate_name", "aggregate_unit", "label", "family", "case", "size",
}


def identity(result: ResultFile) -> tuple:
    """What makes two files runs of the same series: host, CPU, compiler,
    build flags and commit (plain Google Benchmark files: the file itself)."""
    loc = result.locality
    if loc is None:
        return ("file", str(result.path))
    return (loc["host"], loc["cpu_model"], loc["compiler"], loc["build_flags"], loc["git_commit"])


def machine_label(result: ResultFile, names: dict[str, str] | None = None) -> str:
    """A short name for the machine a file came from; `names` renames hosts
    (an empty name hides the host)."""
    loc = result.locality
    if loc is not None:
        host = loc["host"] if names is None or loc["host"] not in names else names[loc["host"]]
        return f"{host} ({loc['cpu_model']})" if host else loc["cpu_model"]
    return str(result.context.get("host_name", Path(result.path).stem))


def source_labels(results: list[ResultFile], names: dict[str, str] | None = None) -> list[str]:
    """One label per file, the same for files of one series: the machine,
    then the compiler where two series share a machine, then the commit,
    then the file name where that is not enough."""
    ids = [identity(r) for r in results]
    labels = [machine_label(r, names) for r in results]

    def distinct(labs):
        by_label: dict[str, set] = {}
        for lab, i in zip(labs, ids):
            by_label.setdefault(lab, set()).add(i)
        return all(len(v) == 1 for v in by_label.values())

    for extra in (lambda r: (r.locality or {}).get("compiler", "?"),
                  lambda r: "commit " + (r.locality or {}).get("git_commit", "?")[:12],
                  lambda r: Path(r.path).name):
        if distinct(labels):
            break
        labels = [f"{lab}, {extra(r)}" for lab, r in zip(labels, results)]
    return labels


def caches(result: ResultFile) -> list[dict]:
    """Data and unified caches as {level, type, size_bytes, line_bytes, ways}.

    From context.locality when present, else from Google Benchmark's own
    context, whose entries lack line size and ways (left as None).
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
    found = [c for c in found if c.get("type") != "Instruction" and isinstance(c.get("size_bytes"), (int, float))
             and c["size_bytes"] > 0 and isinstance(c.get("level"), int)]
    # A size the suite did not trust: what the machine reported instead.
    for note in cache_notes(result):
        for c in found:
            if note.get("field") == "size" and note.get("level") == c["level"] and note.get("type") == c.get("type"):
                c["reported"] = note.get("reported")
    return sorted(found, key=lambda c: c["level"])


def cache_notes(result: ResultFile) -> list[dict]:
    """The cache figures bench_all did not use as reported (machine.cache_notes)."""
    notes = ((result.locality or {}).get("machine") or {}).get("cache_notes") or []
    return [n for n in notes if isinstance(n, dict)]


def cache_note_text(note: dict) -> str:
    """'L3 size 508 MiB: more than ...; used: 32 MiB'."""
    field = {"ways": "associativity", "line": "line size", "level": "level"}.get(note.get("field"), "size")
    name = f"L{note.get('level')}{'d' if note.get('type') == 'Data' else ''}"
    if note.get("field") == "level":
        return f"{name} {note.get('reported')} ({note.get('why')}): {note.get('used')}"
    return f"{name} {field} {note.get('reported')}: {note.get('why')}; used: {note.get('used')}"


def _identity(b: dict, run_name: str, locality: bool) -> tuple[str, str, float]:
    """(family, case, size) from the entry's fields, as bench_all writes
    them; from its name only where they are missing (plain Google Benchmark
    files, and result files written before the fields existed)."""
    family, case, size = b.get("family"), b.get("case"), b.get("size")
    if isinstance(family, str) and isinstance(case, str) and isinstance(size, int) and not isinstance(size, bool):
        return family, case, float(size)
    return _split_name(run_name, locality)


def _split_name(name: str, locality: bool) -> tuple[str, str, float]:
    parts = name.split("/")
    if locality and len(parts) == 3 and parts[2].isdigit():
        return parts[0], parts[1], float(parts[2])
    # Plain Google Benchmark names such as "BM_Sum/1024": the family is the
    # first part, a trailing number (if any) the size.
    size = float(parts[-1]) if len(parts) > 1 and parts[-1].isdigit() else float("nan")
    case = "/".join(parts[1:-1]) if len(parts) > 2 else (parts[1] if len(parts) == 2 and
                                                         not parts[1].isdigit() else "")
    return parts[0], case or parts[0], size


def case_info(result: ResultFile, family: str, case: str) -> dict:
    """What the descriptor says of a case: unit, statistic, role, label,
    series, axis; defaults for plain Google Benchmark entries."""
    fam = result.families.get(family)
    if fam is None:
        return {"unit_name": "iteration", "unit_bytes": 0.0, "statistic": "median", "role": "",
                "label": case, "metric": "time", "series": "", "axis": ""}
    c = next((c for c in fam["cases"] if c["name"] == case), None) or {}
    unit = c.get("unit", fam["unit"])
    return {"unit_name": unit["name"], "unit_bytes": float(unit["bytes"]),
            "statistic": c.get("statistic", fam["statistic"]), "role": c.get("role", ""),
            "label": c.get("label", case), "metric": fam["metric"], "series": c.get("series", ""),
            "axis": c.get("axis", {}).get("counter", "")}


def pass_split(repetitions: int, passes: int) -> list[int]:
    """How bench_all splits a benchmark's repetitions over its passes over
    the plan (its split_repetitions): evenly, the earlier passes taking the
    odd ones (5 over 2: 3 then 2). The repetitions are numbered across the
    passes."""
    repetitions = max(1, int(repetitions))
    passes = min(max(1, int(passes)), repetitions)
    return [repetitions // passes + (1 if i < repetitions % passes else 0) for i in range(passes)]


def pass_of(repetition: int, split: list[int] | None) -> int:
    """The pass (from 1) that timed a repetition, by its index; 0 beyond
    the split (a rerun of a noisy point, numbered after the passes); 1
    where the file does not say how it split its repetitions (split
    None)."""
    if split is None:
        return 1
    end = 0
    for i, count in enumerate(split):
        end += count
        if repetition < end:
            return i + 1
    return 0


def tidy(results: list[ResultFile], names: dict[str, str] | None = None) -> pd.DataFrame:
    rows = []
    labels = source_labels(results, names)
    for run, (result, machine) in enumerate(zip(results, labels)):
        loc = result.locality or {}
        backend = loc.get("counters", {}).get("backend", "unknown")
        info_cache: dict = {}
        sampling = loc.get("sampling", {})
        split = (pass_split(sampling["repetitions"], sampling.get("passes", 1))
                 if "repetitions" in sampling else None)
        timed: set = set()  # (name, repetition) already seen: a later one is a rerun of a noisy point
        for b in result.benchmarks:
            if b.get("run_type", "iteration") != "iteration" or "big_o" in b or "rms" in b:
                continue
            run_name = b.get("run_name", b["name"])
            family, case, size = _identity(b, run_name, result.locality is not None)
            if (family, case) not in info_cache:
                info_cache[(family, case)] = case_info(result, family, case)
            scale = _UNIT_NS.get(b.get("time_unit", "ns"), 1.0)
            row = {
                "source": str(result.path),
                "run": run,
                "machine": machine,
                "counters_backend": backend,
                "name": run_name,
                "family": family,
                "case": case,
                # The size in the name identifies the benchmark; the
                # `elements` counter is the units of work of one iteration.
                # A plain Google Benchmark name without a size ("BM_x"):
                # one point, per iteration.
                "elements": size if size == size else b.get("elements", 1.0),
                "elements_per_iter": b.get("elements", 1.0 if result.locality is None else size),
                "repetition": b.get("repetition_index", 0),
                # the pass over the plan that timed it (from 1); 0 for a rerun
                # (numbered after the passes, or from 0 again in older files)
                "pass": 0 if (run_name, b.get("repetition_index", 0)) in timed
                else pass_of(b.get("repetition_index", 0), split),
                "iterations": b.get("iterations"),
                "real_time_ns": b["real_time"] * scale if "real_time" in b else float("nan"),
                "cpu_time_ns": b["cpu_time"] * scale if "cpu_time" in b else float("nan"),
                "error": b.get("error_message", "") if b.get("error_occurred") else "",
                **info_cache[(family, case)],
            }
            timed.add((run_name, row["repetition"]))
            for key, value in b.items():
                if key not in _NOT_COUNTERS and key not in row and isinstance(value, (int, float)) \
                        and not isinstance(value, bool):
                    row[key] = float(value)
            rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["time_per_elem_ns"] = frame["real_time_ns"] / frame["elements_per_iter"]
    return frame
