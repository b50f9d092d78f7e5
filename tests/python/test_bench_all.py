"""bench_all end to end: the result file, its contract, and bad input."""

import re

import pytest

from conftest import COMPARE_PY, SMALL_FILTER, load_json, run
from locality.report.load import NAME_PATTERN, validate


def sysfs_caches():
    from pathlib import Path

    caches = []
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        size = (index / "size").read_text().strip()
        scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(size[-1], 1)
        caches.append(int(size.rstrip("KMG")) * scale)
    return caches


def test_result_file_follows_the_contract(quick_result):
    data = load_json(quick_result)
    validate(quick_result, data)  # raises on any violation
    loc = data["context"]["locality"]
    assert loc["schema"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", loc["started_utc"])
    assert sorted(c["size_bytes"] for c in loc["caches"]) == sorted(sysfs_caches())
    assert loc["counters"]["backend"] in ("none", "papi", "simulated")
    if loc["counters"]["backend"] == "none":
        assert loc["counters"]["reason"], "a missing counter backend must say why"
    for family in ("stack_array", "heap_vector", "scattered_nodes", "arena_nodes"):
        assert loc["families"][family]["expected"]
    names = {b["run_name"] for b in data["benchmarks"]}
    assert any(n.startswith("heap_vector/sum/") for n in names)
    for b in data["benchmarks"]:
        m = NAME_PATTERN.match(b["run_name"])
        assert m, b["run_name"]
        assert b["elements"] == int(m["elements"])
        assert b["working_set_bytes"] >= b["elements"] * 4
        assert b["real_time"] > 0
        assert not b.get("error_occurred"), b
    lists = [b for b in data["benchmarks"] if b["run_name"].startswith("scattered_nodes/list_sum/")]
    assert lists and all("gap_median_bytes" in b and "near_step_share" in b for b in lists)


def test_google_benchmark_compare_accepts_it(quick_result):
    if not COMPARE_PY.is_file():
        pytest.fail(f"{COMPARE_PY} missing: install Debian's libbenchmark-tools")
    proc = run(["/usr/bin/python3", COMPARE_PY, "benchmarks", quick_result, quick_result])
    assert proc.returncode == 0, proc.stderr
    assert "heap_vector/sum/4096" in proc.stdout


def test_progress_shows_k_of_n_and_elapsed(bench_all, tmp_path):
    proc = run([bench_all, "heap_vector", "--quick", "--benchmark_min_time=0.001",
                "--out", tmp_path / "r.json"])
    assert proc.returncode == 0, proc.stderr
    lines = re.findall(r"^\[(\d+)/(\d+) \d+:\d\d\] (\S+)$", proc.stderr, re.M)
    assert [int(k) for k, _, _ in lines] == list(range(1, len(lines) + 1))
    assert {int(n) for _, n, _ in lines} == {len(lines)}
    assert len(lines) == len(load_json(tmp_path / "r.json")["benchmarks"])


def test_existing_result_file_is_never_overwritten(bench_all, quick_result):
    before = quick_result.read_bytes()
    proc = run([bench_all, "heap_vector", "--quick", "--out", quick_result])
    assert proc.returncode == 2
    assert "never overwritten" in proc.stderr
    assert "[1/" not in proc.stderr, "must fail before any benchmark runs"
    assert quick_result.read_bytes() == before


def test_unwritable_results_folder_fails_before_running(bench_all, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    proc = run([bench_all, "heap_vector", "--quick", "--out", blocker / "r.json"])
    assert proc.returncode == 2
    assert str(blocker) in proc.stderr
    assert "[1/" not in proc.stderr


@pytest.mark.parametrize("args", [["no_such_family"], ["heap_vector/no_such_case"],
                                  ["--benchmark_filter=^nothing_matches$"]])
def test_unknown_case_or_empty_filter_lists_what_exists(bench_all, tmp_path, args):
    proc = run([bench_all, *args, "--out", tmp_path / "r.json"])
    assert proc.returncode == 2
    assert "heap_vector/sum" in proc.stderr and "arena_nodes/build_bump" in proc.stderr
    assert not (tmp_path / "r.json").exists()


def test_sizes_beyond_the_memory_limit_are_skipped_with_a_message(bench_all, tmp_path):
    out = tmp_path / "r.json"
    proc = run([bench_all, "heap_vector", "--quick", "--max-memory", "1M",
                "--benchmark_min_time=0.001", "--out", out])
    assert proc.returncode == 0, proc.stderr
    skipped = re.findall(r"skipping (heap_vector/sum/\d+): needs about", proc.stderr)
    assert skipped
    ran = {b["run_name"] for b in load_json(out)["benchmarks"]}
    assert ran and not ran & set(skipped)
    assert all(b["working_set_bytes"] <= 1 << 20 for b in load_json(out)["benchmarks"])


def test_bad_options_are_clear_errors(bench_all):
    for args, words in ([["--frobnicate"], "unknown option --frobnicate"],
                        [["--max-memory", "lots"], "not a size"],
                        [["--benchmark_out=x.json"], "use --out"]):
        proc = run([bench_all, *args])
        assert proc.returncode == 2, args
        assert words in proc.stderr


def test_list_and_help(bench_all):
    proc = run([bench_all, "--list"])
    assert proc.returncode == 0
    assert "scattered_nodes/list_sum_fresh" in proc.stdout and "sizes (elements):" in proc.stdout
    proc = run([bench_all, "--help"])
    assert proc.returncode == 0 and "--quick" in proc.stdout


def test_filter_flag_passes_through(bench_all, tmp_path):
    out = tmp_path / "r.json"
    proc = run([bench_all, SMALL_FILTER, "--benchmark_min_time=0.001",
                "--benchmark_repetitions=2", "--out", out])
    assert proc.returncode == 0, proc.stderr
    data = load_json(out)
    reps = [b for b in data["benchmarks"] if b["run_name"] == "heap_vector/sum/1024"
            and b["run_type"] == "iteration"]
    assert len(reps) == 2
    # Aggregates Google Benchmark cannot compute (the cv of a counter whose
    # mean is 0 is NaN) are left out rather than written as invalid JSON.
    cv = [b for b in data["benchmarks"] if b.get("aggregate_name") == "cv"]
    assert cv and all("allocs_per_iter" not in b for b in cv)


def test_latency_family_records_levels_beside_sysfs(bench_all, tmp_path):
    out = tmp_path / "lat.json"
    proc = run([bench_all, "latency", "--quick", "--benchmark_min_time=0.001", "--out", out])
    assert proc.returncode == 0, proc.stderr
    data = load_json(out)
    validate(out, data)
    runs = [b for b in data["benchmarks"] if b["run_type"] == "iteration"]
    assert {b["run_name"].split("/")[1] for b in runs} == {"random_chase", "sequential_chase",
                                                            "page_random_chase"}
    for b in runs:
        # the number in the name is the node count; nodes are one 64-byte line
        # each; an iteration follows the cycle whole times, at least 4096 loads
        nodes = int(b["run_name"].rsplit("/", 1)[1])
        assert b["working_set_bytes"] == 64 * nodes
        assert b["elements"] >= 4096 and b["elements"] % nodes == 0
        assert not b.get("error_occurred"), b  # every chase came back to its start
    levels = data["context"]["locality"]["latency_levels"]
    assert levels["from"] == "latency/random_chase"
    assert isinstance(levels["detected"], list)
    assert sorted(c["size_bytes"] for c in levels["sysfs"]) == sorted(
        c["size_bytes"] for c in data["context"]["locality"]["caches"] if c["type"] != "Instruction")
