"""Fuzzing: hundreds of mutated result files fed to the report, and random
option strings to bench_all's parser. Nothing may crash or print a
traceback; every refusal is exit status 2 with one line."""

import contextlib
import copy
import io
import json
import random
import re

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


EXTREMES = [1e308, -1e308, 5e-324, 10**400, -1, 0, 2**63]


def numeric_paths(value, prefix=()):
    """Every path to a number (not a bool) in a JSON value."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield prefix
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from numeric_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from numeric_paths(v, prefix + (i,))


def test_numeric_extremes_in_every_field_are_a_report_or_one_line(base, tmp_path):
    """Every number of the first benchmark entry and of context.locality's
    run, sampling, machine and clock, set to each extreme in turn (a sample
    of the pairs, seeded), gives a report or one line and exit 2."""
    rng = random.Random(20261204)
    entry_paths = [("benchmarks", 0) + p for p in numeric_paths(base["benchmarks"][0])]
    loc = base["context"]["locality"]
    context_paths = [("context", "locality", key) + p for key in ("run", "sampling", "machine", "clock")
                     for p in numeric_paths(loc.get(key, {}))]
    pairs = [(p, v) for p in entry_paths + context_paths for v in EXTREMES]
    for i, (path, value) in enumerate(rng.sample(pairs, min(80, len(pairs)))):
        data = copy.deepcopy(base)
        node, key = parent_and_key(data, path)
        node[key] = value
        file = tmp_path / f"x{i}.json"
        file.write_text(json.dumps(data))
        code, err = run_report(file, tmp_path / f"x{i}")
        assert code in (0, 2) and "Traceback" not in err, (path, value, code, err[-1500:])
        if code == 2:
            assert len(err.strip().splitlines()) == 1, (path, value, err)


def test_flags_google_benchmark_would_answer_with_its_usage_are_one_line(bench_all):
    for args, says in ((["--benchmark_format=xml"], "is not one of console, json, csv"),
                       (["--benchmark_time_unit=parsec"], "is not one of ns, us, ms, s"),
                       (["--benchmark_min_time=1e300"], "above 0 and at most 3600"),
                       (["--rerun-budget", "1e300"], "from 0 to 86400"),
                       (["--budget", "forever"], "is not a duration")):
        proc = run([bench_all, *args, "--dry-run"])
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
        assert says in proc.stderr, (args, proc.stderr)


def test_threads_are_planned_with_their_memory(bench_all):
    """With --sizes the size is a thread count, each thread with buffers
    sized from the caches: 4096 threads cannot fit and are skipped."""
    proc = run([bench_all, "threads/write_memory", "--sizes", "1,4096", "--dry-run"])
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"skipped threads/write_memory/4096: needs about [\d.]+ [TGP]iB", proc.stdout), proc.stdout


def test_signals_at_random_moments_of_a_run_lose_nothing_finished(bench_all, tmp_path):
    """SIGKILL, SIGHUP, SIGTERM or SIGINT at a random moment: afterwards the
    result file (or, after SIGKILL, the journal) holds valid data and the
    report renders it, or the run says nothing was measured yet."""
    import signal
    import subprocess
    import sys
    import time

    from locality.report.load import load_result

    rng = random.Random(11)
    for i in range(6):
        signo = rng.choice([signal.SIGKILL, signal.SIGHUP, signal.SIGTERM, signal.SIGINT])
        out = tmp_path / f"r{i}.json"
        proc = subprocess.Popen([str(bench_all), "stack_array/sum", "heap_vector/sum", "--sizes", "1K,16K",
                                 "--benchmark_min_time=0.05", "--benchmark_repetitions=2", "--full", "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.2, 3.0))
        proc.send_signal(signo)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err and "terminate called" not in err, err
        partial = out.with_name(out.stem + ".partial.json")
        found = out if out.exists() else partial if partial.exists() else None
        if found is None:
            # stopped before a benchmark finished: it says so, or the signal
            # came before its handlers were installed
            assert "nothing was measured" in err or proc.returncode == -signo, (signo, proc.returncode, err)
            continue
        load_result(found)  # valid, or a ResultFileError fails the test
        rendered = subprocess.run([sys.executable, "-m", "locality.report", str(found), "-o", str(tmp_path / f"o{i}")],
                                  capture_output=True, text=True, timeout=300)
        assert rendered.returncode == 0, rendered.stderr


def test_signals_at_random_moments_of_a_report_leave_nothing_half_written(real_result, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    rng = random.Random(12)
    for i in range(5):
        signo = rng.choice([signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
        out = tmp_path / f"rep{i}"
        proc = subprocess.Popen([sys.executable, "-m", "locality.report", str(real_result), "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signo)
        _, err = proc.communicate(timeout=300)
        assert "Traceback" not in err, err
        assert proc.returncode in (0, 128 + signo), (signo, proc.returncode, err)
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(f".rep{i}.")], "a temporary folder was left"
        if proc.returncode == 0:
            assert (out / ".locality-report").is_file()
        else:
            assert not out.exists()
