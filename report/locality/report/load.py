"""Reading result files and checking them against the results contract.

The contract is a JSON Schema in the package, ``locality/result.schema.json``
(see schema_path()): Google Benchmark JSON plus ``context.locality``. Plain
Google Benchmark JSON from other programs loads too; what it lacks is then
missing, never invented. Anything else stops with a ResultFileError naming
the file and the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from locality import SCHEMA_VERSION


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

    @property
    def families(self) -> dict[str, Any]:
        """The families' descriptors (empty for plain Google Benchmark JSON)."""
        return (self.locality or {}).get("families", {})


def schema_path() -> Path:
    """Where the results contract is: the JSON Schema every result file and
    fixture is checked against."""
    return Path(str(resources.files("locality") / "result.schema.json"))


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _field(error: jsonschema.ValidationError) -> str:
    """'benchmarks[3].working_set_bytes' from a validation error's path."""
    parts = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + str(p))
    field = "".join(parts) or "(top level)"
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else "?"
        field = f"{field}.{missing}" if parts else missing
    return field


def _problem(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "missing"
    if error.validator == "type":
        found = type(error.instance).__name__
        return f"expected {error.validator_value}, found {found}"
    if error.validator == "pattern":
        return f"{error.instance!r} is not <family>/<case>/<size>"
    if error.validator in ("enum", "const"):
        return f"{error.instance!r} is not one of {error.validator_value}" if error.validator == "enum" \
            else f"{error.instance!r} is not {error.validator_value!r}"
    message = str(error.message)
    return message if len(message) < 160 else message[:157] + "..."


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The most specific error under an if/then or anyOf."""
    while error.context:
        error = jsonschema.exceptions.best_match(error.context)
    return error


def _non_finite(value: Any, path: str = "") -> str | None:
    """The path of the first NaN or infinity in a JSON value (Python's json
    reads NaN and Infinity, which are not JSON), or of an integer too large
    to be a float (10**400): no tool writes one, and no reader can use it."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "(top level)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**64:
        return path or "(top level)"
    if isinstance(value, dict):
        for k, v in value.items():
            found = _non_finite(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _non_finite(v, f"{path}[{i}]")
            if found:
                return found
    return None


def validate(path: str | Path, data: Any) -> None:
    """Raises ResultFileError unless `data` follows the results contract."""
    if isinstance(data, dict):
        loc = data.get("context", {}).get("locality") if isinstance(data.get("context"), dict) else None
        if isinstance(loc, dict) and "schema" in loc and loc["schema"] != SCHEMA_VERSION:
            raise ResultFileError(path, "context.locality.schema",
                                  f"version {loc['schema']!r} is not supported (this report reads version "
                                  f"{SCHEMA_VERSION}); use the locality version that wrote it")
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        error = _deepest(error)
        if error.validator == "minItems" and list(error.absolute_path) == ["benchmarks"]:
            raise ResultFileError(path, "benchmarks", "empty: the run produced no benchmark")
        if error.validator == "required" and not list(error.absolute_path) and "context" in str(error.message):
            raise ResultFileError(path, "context", "missing: not a Google Benchmark result file")
        raise ResultFileError(path, _field(error), _problem(error))
    bad = _non_finite(data)
    if bad:
        raise ResultFileError(path, bad, "not a finite number (NaN, infinity, or an integer beyond 2**64)")
    for i, b in enumerate(data["benchmarks"]):
        problem = _implausible(b)
        if problem:
            raise ResultFileError(path, f"benchmarks[{i}].{problem[0]}", problem[1])


# What no benchmark can have measured: bounds that keep every later division
# and conversion finite (a time of 5e-324 ns, 10**400 iterations).
_LIMITS = {
    "real_time": (1e-9, 1e15),  # in the entry's time unit
    "cpu_time": (0.0, 1e15),
    "iterations": (1, 2**63 - 1),
    "elements": (1e-9, 1e18),
    "working_set_bytes": (0.0, 1e18),
}


def _implausible(b: Any) -> tuple[str, str] | None:
    """(field, problem) for a number outside what any benchmark can have
    measured, or None. Failed entries carry no measurement and are not
    checked."""
    if not isinstance(b, dict) or b.get("error_occurred") or b.get("run_type", "iteration") != "iteration":
        return None  # aggregates (a standard deviation of 0) and failures measure nothing
    for key, (low, high) in _LIMITS.items():
        value = b.get(key)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not low <= value <= high:
            shown = f"{value:.3g}" if isinstance(value, float) or abs(value) < 10**20 else f"a {len(str(abs(value)))}-digit number"
            return key, f"{shown} is outside what a benchmark can measure ({low:g} to {high:g})"
    return None


def load_result(path: str | Path, keep=None) -> ResultFile:
    """The file, checked against the contract. With `keep` (given the
    file's parsed JSON, it returns a test on benchmark entries) only the
    entries that test accepts are checked and kept, with the whole context:
    a reader that uses a few entries of a large file (the gallery, whose
    entries are named by the file's own descriptors) checks what it reads,
    not the rest."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultFileError(path, "(file)", "no such file") from None
    except IsADirectoryError:
        raise ResultFileError(path, "(file)", "is a folder, not a result file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ResultFileError(path, "(file)", f"cannot read: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ResultFileError(path, f"(JSON line {e.lineno} column {e.colno})",
                              f"not valid JSON: {e.msg}") from None
    except RecursionError:
        raise ResultFileError(path, "(JSON)", "nested too deeply to be a result file") from None
    if keep is not None and isinstance(data, dict) and isinstance(data.get("benchmarks"), list) \
            and data["benchmarks"]:
        wanted = keep(data)
        kept = [b for b in data["benchmarks"] if isinstance(b, dict) and wanted(b)]
        # an empty list would read as "the run produced nothing"; the
        # first entry stands for a file with nothing the reader wants
        data = {**data, "benchmarks": kept or data["benchmarks"][:1]}
    validate(path, data)
    return ResultFile(path, data)


def read_once(named) -> tuple[list[ResultFile], list[str]]:
    """The results of (name, result) pairs, each once, and a note for every
    one given twice (the same path, or the same content under another
    name): the same measurements counted twice would pass for extra
    repetitions."""
    results, notes, seen = [], [], {}
    for name, result in named:
        key = json.dumps(result.data, sort_keys=True)
        if key in seen:
            notes.append(f"{name} is the same result as {seen[key]}; read once")
            continue
        seen[key] = str(name)
        results.append(result)
    return results, notes


def load_results(paths) -> tuple[list[ResultFile], list[str]]:
    """The files, each read once (read_once), with the notes on those given
    twice."""
    return read_once((p, load_result(p)) for p in paths)
