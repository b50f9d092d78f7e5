"""Reading result files and checking them against the results contract.

A locality result file is Google Benchmark JSON plus ``context.locality``
(see DESIGN.md). Plain Google Benchmark JSON from other programs loads too;
what it lacks is then missing, never invented. Anything else stops with a
ResultFileError naming the file and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from locality import SCHEMA_VERSION

NAME_PATTERN = re.compile(r"^(?P<family>[a-z0-9_]+)/(?P<case>[a-z0-9_]+)/(?P<elements>[0-9]+)$")
BACKENDS = ("papi", "simulated", "none")
CONTRACT_COUNTERS = ("elements", "working_set_bytes", "allocs_per_iter")

_LOCALITY_STRINGS = (
    "suite_version",
    "git_commit",
    "compiler",
    "build_flags",
    "cpu_model",
    "host",
    "kernel",
    "started_utc",
)
_CACHE_KEYS = {"level": int, "type": str, "size_bytes": int, "line_bytes": int, "ways": int}


class ResultFileError(ValueError):
    """A file that is not a valid result file: names the file and the field."""

    def __init__(self, path: str | Path, field: str, problem: str):
        self.path = str(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: {field}: {problem}")


@dataclass(frozen=True)
class ResultFile:
    path: Path
    data: dict[str, Any]

    @property
    def context(self) -> dict[str, Any]:
        return self.data["context"]

    @property
    def locality(self) -> dict[str, Any] | None:
        """context.locality, or None for plain Google Benchmark JSON."""
        return self.context.get("locality")

    @property
    def benchmarks(self) -> list[dict[str, Any]]:
        return self.data["benchmarks"]


def _expect(path, field, value, kind, what):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ResultFileError(path, field, f"expected {what}, found {type(value).__name__}")
    return value


def validate(path: str | Path, data: Any) -> None:
    """Raises ResultFileError unless `data` follows the results contract."""
    _expect(path, "(top level)", data, dict, "a JSON object")
    if "context" not in data:
        raise ResultFileError(path, "context", "missing: not a Google Benchmark result file")
    if "benchmarks" not in data:
        raise ResultFileError(path, "benchmarks", "missing: not a Google Benchmark result file")
    context = _expect(path, "context", data["context"], dict, "an object")
    benchmarks = _expect(path, "benchmarks", data["benchmarks"], list, "a list")
    if not benchmarks:
        raise ResultFileError(path, "benchmarks", "empty: the run produced no benchmark")
    loc = context.get("locality")
    if loc is not None:
        _validate_locality(path, loc)
    for i, b in enumerate(benchmarks):
        field = f"benchmarks[{i}]"
        _expect(path, field, b, dict, "an object")
        # Complexity fits (BigO, RMS) and aggregates carry no per-run time.
        summary_entry = "big_o" in b or "rms" in b or b.get("run_type") == "aggregate"
        for key, kind, what in (("name", str, "a string"), ("real_time", (int, float), "a number"),
                                ("time_unit", str, "a string")):
            if key not in b:
                if key != "name" and (b.get("error_occurred") or summary_entry):
                    continue
                raise ResultFileError(path, f"{field}.{key}", "missing")
            _expect(path, f"{field}.{key}", b[key], kind, what)
        if b.get("time_unit") not in (None, "ns", "us", "ms", "s"):
            raise ResultFileError(path, f"{field}.time_unit", f"unknown unit {b['time_unit']!r}")
        if loc is not None:
            run_name = b.get("run_name", b["name"])
            if not NAME_PATTERN.match(run_name):
                raise ResultFileError(path, f"{field}.name",
                                      f"{run_name!r} is not <family>/<case>/<elements>")
            if b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred"):
                for key in CONTRACT_COUNTERS:
                    if key not in b:
                        raise ResultFileError(path, f"{field}.{key}", "missing counter")
                    _expect(path, f"{field}.{key}", b[key], (int, float), "a number")


def _validate_locality(path, loc) -> None:
    field = "context.locality"
    _expect(path, field, loc, dict, "an object")
    if "schema" not in loc:
        raise ResultFileError(path, f"{field}.schema", "missing")
    schema = _expect(path, f"{field}.schema", loc["schema"], int, "an integer")
    if schema != SCHEMA_VERSION:
        raise ResultFileError(path, f"{field}.schema",
                              f"version {schema} is not supported (this report reads version "
                              f"{SCHEMA_VERSION}); use the locality version that wrote it")
    for key in _LOCALITY_STRINGS:
        if key not in loc:
            raise ResultFileError(path, f"{field}.{key}", "missing")
        _expect(path, f"{field}.{key}", loc[key], str, "a string")
    caches = _expect(path, f"{field}.caches", loc.get("caches"), list, "a list")
    for i, c in enumerate(caches):
        _expect(path, f"{field}.caches[{i}]", c, dict, "an object")
        for key, kind in _CACHE_KEYS.items():
            if key not in c:
                raise ResultFileError(path, f"{field}.caches[{i}].{key}", "missing")
            _expect(path, f"{field}.caches[{i}].{key}", c[key], kind, kind.__name__)
    counters = _expect(path, f"{field}.counters", loc.get("counters"), dict, "an object")
    backend = counters.get("backend")
    if backend not in BACKENDS:
        raise ResultFileError(path, f"{field}.counters.backend",
                              f"{backend!r} is not one of {', '.join(BACKENDS)}")
    _expect(path, f"{field}.counters.events", counters.get("events"), list, "a list")
    for key in ("status", "reason"):
        _expect(path, f"{field}.counters.{key}", counters.get(key), str, "a string")


def load_result(path: str | Path) -> ResultFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultFileError(path, "(file)", "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ResultFileError(path, "(file)", f"cannot read: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ResultFileError(path, f"(JSON line {e.lineno} column {e.colno})",
                              f"not valid JSON: {e.msg}") from None
    validate(path, data)
    return ResultFile(path, data)


def load_results(paths) -> list[ResultFile]:
    return [load_result(p) for p in paths]
