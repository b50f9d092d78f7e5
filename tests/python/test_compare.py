"""Several runs: runs of one machine pool into one series with the range
across runs; --compare flags a real slowdown and leaves run-to-run noise
alone."""

import copy
import json
import random
import subprocess
import sys

import pytest

from conftest import CITED, load_json
from locality.report import Summary, load_result, tidy
from locality.report.document import build_report


def noisy_copy(data, rng, scale=lambda name: 1.0, noise=0.02):
    """Another run of the same machine and build: every repetition's time
    moved by a little noise, and by `scale` for chosen benchmarks."""
    other = copy.deepcopy(data)
    other["context"]["locality"]["started_utc"] = "2026-11-25T23:59:59Z"
    for b in other["benchmarks"]:
        if b.get("run_type") == "iteration" and "real_time" in b:
            b["real_time"] *= scale(b["run_name"]) * (1 + rng.uniform(-noise, noise))
    return other


def with_repetitions(data, k, rng, noise=0.02):
    """The run with every point measured k times: missing repetitions are
    copies of the point's first, moved by a little noise."""
    out = copy.deepcopy(data)
    reps: dict[str, list] = {}
    for b in out["benchmarks"]:
        if b.get("run_type") == "iteration":
            reps.setdefault(b["run_name"], []).append(b)
    for entries in reps.values():
        for i in range(len(entries), k):
            extra = copy.deepcopy(entries[0])
            extra["repetition_index"] = i
            extra["real_time"] *= 1 + rng.uniform(-noise, noise)
            out["benchmarks"].append(extra)
    return out


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    # Five repetitions a point, as a default run has: with fewer the test
    # cannot tell a slowdown from noise (test_too_few_repetitions_...).
    data = with_repetitions(load_json(CITED), 5, random.Random(0))
    folder = tmp_path_factory.mktemp("runs")
    a, b = folder / "a.json", folder / "b.json"
    a.write_text(json.dumps(data))
    b.write_text(json.dumps(noisy_copy(data, random.Random(1))))
    return a, b


def test_runs_of_one_machine_pool_into_one_series_with_their_range(two_runs):
    results = [load_result(p) for p in two_runs]
    frame = tidy(results)
    assert frame["machine"].nunique() == 1  # one series, not two unrelated lines
    summary = Summary(frame[frame["error"] == ""])
    p = next(iter(summary))
    assert p.n_runs == 2 and len(p.run_values) == 2
    rep = build_report(results)
    fig = next(e.figure for e in rep.figures if e.name == "comparison")
    labels = [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")]
    assert len(labels) == len(set(labels))  # one line per layout, not per file
    assert "pooled over 2 runs" in "\n".join(rep.table.assign(x=1).to_string().splitlines()) or \
        (rep.table["runs"] == 2).all()


def test_the_same_file_twice_is_read_once(two_runs, tmp_path):
    a, _ = two_runs
    copy_of_a = tmp_path / "again.json"
    copy_of_a.write_text(a.read_text())
    proc = subprocess.run([sys.executable, "-m", "locality.report", str(a), str(a), str(copy_of_a), "-o",
                           str(tmp_path / "rep")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("read once") == 2
    points = (tmp_path / "rep" / "points.csv").read_text().splitlines()
    header = points[0].split(",")
    runs = [int(row.split(",")[header.index("runs")]) for row in points[1:]]
    assert set(runs) == {1}, "a duplicate was counted as a second run"


def compare(a, b, *extra):
    return subprocess.run([sys.executable, "-m", "locality.report", str(a), str(b), "--compare", *extra],
                          capture_output=True, text=True, timeout=600)


def largest(data: dict, prefix: str) -> str:
    """The run name of the largest size a case ran at in a result file."""
    names = {b["run_name"] for b in data["benchmarks"] if b.get("run_name", "").startswith(prefix)
             and b.get("run_type") == "iteration" and not b.get("error_occurred")}
    return max(names, key=lambda n: int(n[len(prefix):].split("/")[0]))


def test_compare_flags_a_real_slowdown_and_not_noise(two_runs, tmp_path):
    a, noisy = two_runs
    proc = compare(a, noisy)
    assert proc.returncode == 0, proc.stderr
    assert "REAL" not in proc.stdout, proc.stdout[:2000]
    assert " 0 of " in proc.stdout
    slow = tmp_path / "slow.json"
    target = largest(load_json(a), "scattered_nodes/list_sum/")
    slow.write_text(json.dumps(noisy_copy(load_json(a), random.Random(2),
                                          scale=lambda n: 1.3 if n == target else 1.0)))
    proc = compare(a, slow)
    assert proc.returncode == 0, proc.stderr
    flagged = [line for line in proc.stdout.splitlines() if "REAL" in line]
    assert len(flagged) == 1 and target in flagged[0] and "slower" in flagged[0], proc.stdout[:3000]
    # the ratio printed is the 1.3x slow-down, give or take the noise the copy adds
    assert abs(float(flagged[0].split()[1]) - 1.3) <= 0.05, flagged[0]


def test_compare_needs_two_files(two_runs):
    a, _ = two_runs
    proc = compare(a, a)
    assert proc.returncode == 2 and "two different" in proc.stderr


def test_too_few_repetitions_are_said_to_be_undecidable_not_within_the_noise(tmp_path):
    data = load_json(CITED)
    target = largest(data, "scattered_nodes/list_sum/")
    three = {"context": data["context"],
             "benchmarks": [b for b in data["benchmarks"] if b.get("run_name") == target
                            and b.get("run_type") == "iteration"][:3]}
    assert len(three["benchmarks"]) == 3
    a, slow = tmp_path / "a.json", tmp_path / "slow.json"
    a.write_text(json.dumps(three))
    slow.write_text(json.dumps(noisy_copy(three, random.Random(3), scale=lambda n: 2.0)))
    proc = compare(a, slow)
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if target in line)
    assert "REAL" not in row and "cannot tell: 3 and 3 repetitions" in row, proc.stdout
    assert "0 of 0 differ" in proc.stdout and "1 cannot be told apart" in proc.stdout


def with_probe(path, before, after=None):
    """The file at `path` with its throughput probe's L1 read rates set."""
    data = load_json(path)
    clock = data["context"]["locality"].setdefault("clock", {"before": {}})
    for when, rate in (("before", before), ("after", after)):
        if rate is not None:
            clock.setdefault(when, dict(clock["before"]))["l1_read"] = {
                "gb_s": rate, "min_gb_s": rate, "max_gb_s": rate, "samples": 41, "spread": 0.01,
                "bytes": 16384, "method": "test"}
    if after is not None and clock["before"].get("ghz"):
        # the clock steady: the test is about the read rate alone
        clock["after"]["ghz"] = clock["before"]["ghz"]
    path.write_text(json.dumps(data))
    return path


def test_compare_says_when_the_machine_itself_ran_at_another_speed(two_runs, tmp_path):
    a, noisy = two_runs
    fast, slow, same = (tmp_path / n for n in ("fast.json", "slow.json", "same.json"))
    for target, rate in ((fast, 160.0), (slow, 100.0), (same, 103.0)):
        target.write_text(a.read_text() if target is fast else noisy.read_text())
        with_probe(target, rate)
    proc = compare(slow, fast)
    assert proc.returncode == 0, proc.stderr
    line = next(l for l in proc.stdout.splitlines() if "throughput probe" in l)
    assert "100" in line and "160" in line and "different speed" in line, line
    proc = compare(slow, same)
    line = next(l for l in proc.stdout.splitlines() if "throughput probe" in l)
    assert "different speed" not in line, line


def test_a_report_warns_when_pooled_runs_or_one_run_saw_the_machine_change_speed(two_runs, tmp_path):
    from locality.report.document import probe_change, probe_disagreement
    a, noisy = two_runs
    fast, slow = tmp_path / "fast.json", tmp_path / "slow.json"
    fast.write_text(a.read_text())
    slow.write_text(noisy.read_text())
    with_probe(fast, 160.0, 158.0)
    with_probe(slow, 100.0, 150.0)
    results = [load_result(fast), load_result(slow)]
    pooled = probe_disagreement(results, ["vm", "vm"])
    assert pooled and "160" in pooled and "100" in pooled
    assert probe_disagreement(results, ["one", "other"]) is None  # two machines: expected to differ
    assert probe_change(results[0].locality) is None
    changed = probe_change(results[1].locality)
    assert changed and "100" in changed and "150" in changed
    with_probe(slow, 159.0, 160.0)
    assert probe_disagreement([results[0], load_result(slow)], ["vm", "vm"]) is None


def test_every_files_own_warnings_reach_the_report_beside_the_probe_warnings(two_runs, tmp_path):
    """Each file's bench_all warnings and the plain Google Benchmark note are
    in the report whatever the probes say (they once sat under the pooled
    probe warning and vanished without it)."""
    from locality.report.document import collect_warnings
    a, noisy = two_runs
    first, second, plain = tmp_path / "first.json", tmp_path / "second.json", tmp_path / "plain.json"
    for target, source, note in ((first, a, "first file's own warning"), (second, noisy, "second file's own warning")):
        data = load_json(source)
        data["context"]["locality"]["warnings"] = [note]
        target.write_text(json.dumps(data))
        with_probe(target, 150.0)  # the same speed: no pooled-probe warning
    data = load_json(a)
    del data["context"]["locality"]
    plain.write_text(json.dumps(data))
    text = "\n".join(collect_warnings(build_report([load_result(first), load_result(second)]), []))
    assert "first file's own warning" in text and "second file's own warning" in text, text
    assert "ran at different speeds" not in text
    text = "\n".join(collect_warnings(build_report([load_result(plain)]), []))
    assert "plain Google Benchmark JSON" in text, text
