"""Fuzzing: hundreds of mutated result files fed to the report, and random
option strings to bench_all's parser. Nothing may crash or print a
traceback; every refusal is exit status 2 with one line."""

import contextlib
import copy
import io
import json
import random

import pytest

from conftest import load_json, run
from locality.report import cli

MUTATIONS = 300
OPTION_STRINGS = 200


@pytest.fixture(scope="module")
def base(real_result):
    """A small real result: a few benchmarks of the baseline and one layout,
    so that a mutation that still passes renders in a fraction of a second."""
    data = load_json(real_result)
    keep = ("heap_vector/sum/", "stack_array/sum/")
    data["benchmarks"] = [b for b in data["benchmarks"] if b["run_name"].startswith(keep)]
    loc = data["context"]["locality"]
    loc["families"] = {k: v for k, v in loc["families"].items() if k in ("heap_vector", "stack_array")}
    return data


def paths(value, prefix=()):
    """Every path into a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


def parent_and_key(data, path):
    node = data
    for p in path[:-1]:
        node = node[p]
    return node, path[-1]


WEIRD = [None, True, -1, 0, 1e308, -1e308, float("nan"), float("inf"), "", "x" * 5000, [], {}, "$\\frac{1}{0}$",
         "<script>", 2**70, -0.0, "../../etc", [1, [2, [3]]], {"nested": {"deep": [None]}}]


def mutate(data, rng):
    data = copy.deepcopy(data)
    all_paths = [p for p in paths(data) if p]
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(all_paths)
        try:
            node, key = parent_and_key(data, path)
        except (KeyError, IndexError, TypeError):
            continue
        action = rng.choice(["drop", "retype", "weird", "duplicate", "swap"])
        if action == "drop":
            del node[key]
        elif action == "retype":
            value = node[key]
            node[key] = str(value) if not isinstance(value, str) else (len(value) or 1)
        elif action == "weird":
            node[key] = rng.choice(WEIRD)
        elif action == "duplicate" and isinstance(node, list):
            node.append(copy.deepcopy(node[key]))
        else:
            other = rng.choice(all_paths)
            try:
                onode, okey = parent_and_key(data, other)
                node[key], onode[okey] = onode[okey], node[key]
            except (KeyError, IndexError, TypeError):
                pass
        all_paths = [p for p in paths(data) if p]
    return data


def run_report(path, out) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.main([str(path), "-o", str(out), "--formats", "svg"])
        except SystemExit as e:
            code = e.code
    return code, err.getvalue()


def test_mutated_result_files_never_crash_the_report(base, tmp_path):
    rng = random.Random(20261125)
    outcomes = {0: 0, 2: 0}
    for i in range(MUTATIONS):
        data = mutate(base, rng)
        path = tmp_path / f"m{i}.json"
        text = json.dumps(data, allow_nan=True)
        if i % 10 == 9:  # a truncated file
            text = text[: rng.randint(0, len(text))]
        path.write_text(text)
        code, err = run_report(path, tmp_path / f"out{i}")
        assert code in (0, 2), (i, code, err[-2000:])
        assert "Traceback" not in err, (i, err[-2000:])
        if code == 2:
            assert len(err.strip().splitlines()) == 1, (i, err)
            assert not (tmp_path / f"out{i}").exists()
        outcomes[code] += 1
    assert outcomes[0] > 10 and outcomes[2] > 10, outcomes  # both paths were exercised


TOKENS = ["--quick", "--sizes", "--max-memory", "--llc", "--out", "--counters", "--precision", "--rerun-budget",
          "--simulate-max-elements", "--benchmark_repetitions", "--benchmark_min_time", "--benchmark_filter",
          "--benchmark_format", "--no-pin", "--list", "heap_vector", "nope", "stride/every_16", "=", "-1", "0",
          "1K", "64M", "9G", "18446744073709551615", "1,,2", "abc", "-", "--", "--frob", "l1d_misses", "none",
          "json", "^x$", "(", "1e999", "nan", "", "\u00e9", "--budget", "--full", "10m", "1e300", "0.5s",
          "--benchmark_time_unit", "parsec", "xml", "--benchmark_color"]


def test_random_option_strings_never_crash_bench_all(bench_all):
    rng = random.Random(7)
    for i in range(OPTION_STRINGS):
        args = []
        for _ in range(rng.randint(1, 5)):
            token = rng.choice(TOKENS)
            if token.startswith("--") and rng.random() < 0.4:
                token += "=" + rng.choice(TOKENS)
            args.append(token)
        proc = run([bench_all, *args, "--dry-run"])
        assert proc.returncode in (0, 2), (args, proc.returncode, proc.stderr[-1000:])
        assert "terminate called" not in proc.stderr and "Aborted" not in proc.stderr, (args, proc.stderr)
        if proc.returncode == 2:
            assert len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
