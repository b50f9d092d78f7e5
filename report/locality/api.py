"""Running the C++ cases from Python (notebooks, scripts).

    import locality
    locality.cases()                      # what can run, with what it shows
    res = locality.run("scattered_nodes/list_sum", sizes=[1024, 65536, 1 << 20])
    frame = res.to_frame()                # tidy pandas table, as the report's
    res.save()                            # results/<host>-<stamp>.json

Every run goes through Google Benchmark's own runner (the same code path as
bench_all); the records have the keys of a result file. The GIL is released
while C++ runs, and Ctrl-C stops a run between sizes with RunInterrupted (a
KeyboardInterrupt) whose `results` hold the sizes measured until then.
Runs from several threads at once run one after the other (Google
Benchmark's registry is global), never at the same time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from locality import _core


def cases() -> list[dict]:
    """Every family/case with what it demonstrates, the effect expected, and
    the sizes it runs at on this machine (bench_all's ladder; none where the
    case cannot run here, with the reason)."""
    catalogue = json.loads(_core.catalogue_json())
    out = []
    for name in catalogue["order"]:
        family = catalogue["families"][name]
        for case in family["cases"]:
            key = f"{name}/{case['name']}"
            out.append({
                "case": key,
                "family": name,
                "summary": case["summary"],
                "demonstrates": family["demonstrates"],
                "expected": family["expected"],
                "unit": case["unit"]["name"],
                "max_elements": case["max_elements"] or None,
                "unavailable": case.get("unavailable"),
                "sizes": catalogue["sizes"][key],
                "quick_sizes": catalogue["quick_sizes"][key],
            })
    return out


# What bench_all accepts too: sizes up to 2^40 elements, at most 1000
# repetitions, a minimum time of at most an hour per repetition.
MAX_SIZE = 1 << 40
MAX_REPETITIONS = 1000
MAX_MIN_TIME = 3600.0


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during run(): `results` holds every size measured before it
    (a Results marked incomplete), so nothing measured is lost."""

    def __init__(self, results: "Results"):
        super().__init__(f"interrupted after {len({r['run_name'] for r in results})} of the sizes")
        self.results = results


def _counters_arg(counters) -> str:
    if counters is None or counters == "auto":
        return "auto"
    if counters is False or counters == "none":
        return "none"
    if isinstance(counters, str):
        return counters
    if isinstance(counters, (list, tuple, set, frozenset)) and counters and all(isinstance(c, str) for c in counters):
        return ",".join(counters)
    raise ValueError(f"counters must be \"auto\", \"none\" or a list of counter names, not {counters!r}")


def machine(counters="auto") -> dict:
    """context.locality of a result file made now: CPU, caches, build and the
    counters status. `counters`: "auto" (hardware if any), "none", or names
    of counters that must be readable (RuntimeError with the reason if not)."""
    return json.loads(_core.machine_json(_counters_arg(counters)))


class Results:
    """The records of one run, in the results contract, with the context."""

    def __init__(self, records: list[dict], context: dict):
        self.records = records
        self.context = context

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __getitem__(self, i):
        return self.records[i]

    def __repr__(self) -> str:
        names = sorted({r["run_name"] for r in self.records})
        return f"<locality.Results: {len(self.records)} records of {len(names)} benchmarks>"

    def as_result(self) -> dict:
        """The whole result file as a dict."""
        return {"context": self.context, "benchmarks": self.records}

    def result_file(self):
        """As a loaded result file, for the report's functions (caches,
        figure footers); validated against the contract."""
        from locality.report.load import ResultFile, validate

        data = self.as_result()
        validate("<locality.run>", data)
        return ResultFile(Path("<locality.run>"), data)

    def to_frame(self):
        """One tidy row per benchmark run and repetition (pandas), the table
        the report's plot functions take."""
        from locality.report.tidy import tidy

        return tidy([self.result_file()])

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Writes a result file (default results/<host>-<UTC stamp>.json) that
        locality-report and compare.py read, as bench_all writes them: never
        over an existing file (a temporary file linked into place)."""
        text = json.dumps(self.as_result(), indent=2) + "\n"
        return Path(_core.write_result(text, "" if path is None else os.fspath(path)))


def _sizes(sizes) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise ValueError(f"sizes must be a list of positive whole numbers, not {sizes!r}")
    out = list(sizes)
    for n in out:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"size {n!r} is not a positive number of elements")
        if n > MAX_SIZE:
            raise ValueError(f"size {n} is beyond any memory (at most 2**40 elements)")
    return out


def run(case: str, sizes: Iterable[int] | None = None, repetitions: int = 3, counters="auto",
        min_time: float = 0.05, progress: bool = False) -> Results:
    """Runs one case ("family/case", see cases()) at each size.

    sizes: element counts (default: the case's quick sizes on this machine).
    repetitions: runs per size, for a median and a spread.
    counters: "auto", "none", or counter names that must be readable.
    min_time: seconds each repetition runs at least (Google Benchmark's).
    """
    known = {c["case"]: c for c in cases()}
    if not isinstance(case, str) or case not in known:
        raise ValueError(f"unknown case {case!r}; cases are: {', '.join(known)}")
    if known[case]["unavailable"]:
        raise ValueError(f"{case} cannot run on this machine: {known[case]['unavailable']}")
    sizes = _sizes(known[case]["quick_sizes"] if sizes is None else sizes)
    if not sizes:
        raise ValueError("no sizes to run")
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or not 1 <= repetitions <= MAX_REPETITIONS:
        raise ValueError(f"repetitions must be a whole number from 1 to {MAX_REPETITIONS}, not {repetitions!r}")
    if isinstance(min_time, bool) or not isinstance(min_time, (int, float)) or not 0 < min_time <= MAX_MIN_TIME:
        raise ValueError(f"min_time must be a number of seconds above 0 and at most {MAX_MIN_TIME:g}, "
                         f"not {min_time!r}")
    counters_arg = _counters_arg(counters)

    context = {"locality": machine(counters_arg)}
    records: list[dict] = []
    run_info = {"from": "python", "case": case, "sizes": sizes, "repetitions": repetitions, "min_time": min_time}
    for k, n in enumerate(sizes, 1):
        if progress:
            print(f"[{k}/{len(sizes)}] {case}/{n}", flush=True)
        try:
            # Releases the GIL; a Ctrl-C arriving meanwhile raises
            # KeyboardInterrupt as soon as it returns, before the next size.
            out = json.loads(_core.run_json(case, int(n), int(repetitions), float(min_time)))
        except KeyboardInterrupt:
            if not records:
                raise
            context["locality"]["run"] = {**run_info, "incomplete": f"interrupted (Ctrl-C) before size {n}"}
            raise RunInterrupted(Results(records, context)) from None
        if not records:
            context.update(out["context"])
        records.extend(out["benchmarks"])
    context["locality"]["run"] = run_info
    return Results(records, context)
