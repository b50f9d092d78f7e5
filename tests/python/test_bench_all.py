"""bench_all end to end: the result file, its contract, Google Benchmark's
conventions, and every kind of bad input or interruption."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import COMPARE_PY, SMALL_FILTER, load_json, run
from locality.report.load import load_result, validate

TINY = ["heap_vector/sum", "--sizes", "1024", "--benchmark_min_time=0.001"]


def sysfs_caches():
    """Cache sizes from sysfs, read here independently of bench_all; empty
    where this machine has no sysfs cache folder."""
    from pathlib import Path

    caches = []
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        size = (index / "size").read_text().strip()
        scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(size[-1], 1)
        caches.append(int(size.rstrip("KMG")) * scale)
    return caches


def test_result_file_follows_the_contract(quick_result):
    data = load_json(quick_result)
    validate(quick_result, data)  # raises on any violation of the schema
    loc = data["context"]["locality"]
    assert loc["schema"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", loc["started_utc"])
    machine = loc["machine"]
    reported = machine["caches_reported"]
    if sysfs_caches():
        assert sorted(c["size_bytes"] for c in reported) == sorted(sysfs_caches())
    assert machine["cache_source"] == ("hwloc" if reported else "unknown")
    # the caches used are those reported, but where a note says otherwise
    noted = {(n["level"], n["type"]) for n in machine["cache_notes"] if n["field"] in ("size", "level")}
    for c in reported:
        if (c["level"], c["type"]) not in noted:
            assert any(u["level"] == c["level"] and u["type"] == c["type"] and u["size_bytes"] == c["size_bytes"]
                       for u in loc["caches"]), c
    for n in machine["cache_notes"]:
        assert n["why"] and n["used"], n
        assert "cache figure not used as reported" in " ".join(loc["warnings"])
    assert loc["kernels"]["vector_bits"] >= 128 and loc["kernels"]["vector_target"]
    assert loc["counters"]["backend"] in ("none", "papi", "simulated")
    if loc["counters"]["backend"] == "none":
        assert loc["counters"]["reason"], "a missing counter backend must say why"
    assert loc["clock"]["before"]["ghz"] > 0.5
    assert loc["sampling"]["pinned_cpu"] in loc["sampling"]["allowed_cpus"]
    for name, family in loc["families"].items():
        assert family["expected"] and family["claims"] and family["unit"]["name"], name
    names = {b["run_name"] for b in data["benchmarks"]}
    assert any(n.startswith("heap_vector/sum/") for n in names)
    for b in data["benchmarks"]:
        if b["run_type"] != "iteration":
            continue
        assert b["elements"] == int(b["run_name"].rsplit("/", 1)[1])
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
    proc = run([bench_all, "heap_vector", "--quick", "--benchmark_min_time=0.001", "--out", tmp_path / "r.json"])
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


def test_unwritable_results_folder_and_a_folder_as_out_fail_before_running(bench_all, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    proc = run([bench_all, *TINY, "--out", blocker / "r.json"])
    assert proc.returncode == 2 and str(blocker) in proc.stderr and "[1/" not in proc.stderr
    proc = run([bench_all, *TINY, "--out", tmp_path])
    assert proc.returncode == 2 and "is a folder" in proc.stderr and "exists" not in proc.stderr


@pytest.mark.parametrize("args", [["no_such_family"], ["heap_vector/no_such_case"],
                                  ["--benchmark_filter=^nothing_matches$"]])
def test_unknown_case_or_empty_filter_lists_what_exists(bench_all, tmp_path, args):
    proc = run([bench_all, *args, "--out", tmp_path / "r.json"])
    assert proc.returncode == 2
    assert "heap_vector/sum" in proc.stderr and "arena_nodes/build_bump" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.json").exists()


def test_sizes_beyond_the_memory_limit_are_skipped_with_a_message(bench_all, tmp_path):
    out = tmp_path / "r.json"
    proc = run([bench_all, "heap_vector", "--quick", "--max-memory", "1M", "--benchmark_min_time=0.001",
                "--out", out])
    assert proc.returncode == 0, proc.stderr
    skipped = re.findall(r"skipping (heap_vector/sum/\d+): needs about", proc.stderr)
    assert skipped
    ran = {b["run_name"] for b in load_json(out)["benchmarks"]}
    assert ran and not ran & set(skipped)
    assert all(b["working_set_bytes"] <= 1 << 20 for b in load_json(out)["benchmarks"])
    # every size skipped: the message blames the memory, not the filter
    proc = run([bench_all, "heap_vector", "--quick", "--max-memory", "1K", "--out", tmp_path / "none.json"])
    assert proc.returncode == 2 and "skipped" in proc.stderr and "filter" not in proc.stderr


def test_skip_lines_name_only_what_was_selected(bench_all, tmp_path):
    proc = run([bench_all, "scattered_nodes/list_sum", "--dry-run"])
    assert proc.returncode == 0
    assert "std_map_sum" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("args, words", [
    (["--frobnicate"], "unknown option --frobnicate"),
    (["--max-memory", "lots"], "not a positive size"),
    (["--max-memory", "-5"], "not a positive size"),
    (["--max-memory", "99999999999999999999"], "not a positive size"),
    (["--benchmark_out=x.json"], "use --out"),
    (["--sizes", "-5"], "--sizes: '-5'"),
    (["--sizes", "1K,-1"], "--sizes: '-1'"),
    (["--sizes", "18446744073709551615"], "beyond any memory"),
    (["--sizes", "17179869184G"], "--sizes"),
    (["--sizes", "1,,2"], "--sizes"),
    (["--sizes", "0"], "--sizes"),
    (["--benchmark_repetitions=0"], "--benchmark_repetitions"),
    (["--benchmark_repetitions=-3"], "--benchmark_repetitions"),
    (["--benchmark_repetitions=two"], "--benchmark_repetitions"),
    (["--benchmark_min_time=-1"], "--benchmark_min_time"),
    (["--simulate-max-elements=-1"], "--simulate-max-elements"),
    (["--precision", "0"], "--precision"),
    (["--passes", "0"], "--passes"),
    (["--llc", "0"], "--llc"),
    (["--quick=yes"], "takes no value"),
    (["--out", "--dry-run"], "needs a value, not the option '--dry-run'"),
])
def test_bad_options_are_one_clear_line(bench_all, tmp_path, args, words):
    proc = run([bench_all, *args, "--out", tmp_path / "r.json"])
    assert proc.returncode == 2, (args, proc.stderr)
    assert words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "terminate called" not in proc.stderr
    assert not (tmp_path / "r.json").exists()


def test_list_help_version_and_dry_run(bench_all):
    proc = run([bench_all, "--list"])
    assert proc.returncode == 0
    assert "scattered_nodes/list_sum_fresh" in proc.stdout and "sizes (ints):" in proc.stdout
    proc = run([bench_all, "--help"])
    assert proc.returncode == 0 and "--quick" in proc.stdout
    proc = run([bench_all, "--version"])
    assert proc.returncode == 0 and re.match(r"locality \d+\.\d+\.\d+ \(commit ", proc.stdout)
    proc = run([bench_all, "--dry-run", "heap_vector"])
    assert proc.returncode == 0 and "heap_vector/sum/1024" in proc.stdout and "memory budget" in proc.stdout


def test_list_tests_lists_and_exits_zero(bench_all):
    proc = run([bench_all, "--benchmark_list_tests=true", "heap_vector/sum_one_chain"])
    assert proc.returncode == 0, proc.stderr
    sizes = [int(name.rsplit("/", 1)[1]) for name in proc.stdout.split()]
    assert proc.stdout.split() == [f"heap_vector/sum_one_chain/{n}" for n in sizes]
    # the shared ladder: powers of 4 from 1024 ints, then the first power of
    # two of ints at least twice the last level the plan sizes for
    dry = run([bench_all, "--dry-run", "heap_vector/sum_one_chain", "--full"])
    value, unit = re.search(r"ladders sized for a ([\d.]+) (\w+) last-level", dry.stdout).groups()
    llc = float(value) * {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
    assert sizes[0] == 1024 and all(b == 4 * a for a, b in zip(sizes[:-2], sizes[1:-1]))
    assert sizes[-1] * 4 >= 2 * llc > sizes[-2] * 4
    assert "internal error" not in proc.stderr
    # the vector sum: the same and one size more, the first power of two of
    # ints at least four times the last level (where bandwidth/read ends)
    listed = run([bench_all, "--benchmark_list_tests=true", "heap_vector/sum"]).stdout.split()
    summed = [int(name.rsplit("/", 1)[1]) for name in listed if name.startswith("heap_vector/sum/")]
    assert summed[:-1] == sizes and summed[-1] * 4 >= 4 * llc > summed[-1] * 2


def test_json_display_format_prints_json_on_stdout(bench_all, tmp_path):
    proc = run([bench_all, *TINY, "--benchmark_format=json", "--out", tmp_path / "r.json"])
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert shown["benchmarks"][0]["run_name"].startswith("heap_vector/sum/1024")
    assert "result file:" in proc.stderr


@pytest.mark.parametrize("flag", ["--benchmark_display_aggregates_only=true",
                                  "--benchmark_report_aggregates_only=true"])
def test_aggregates_only_never_loses_a_repetition(bench_all, tmp_path, flag):
    out = tmp_path / "r.json"
    proc = run([bench_all, *TINY, "--benchmark_repetitions=3", flag, "--out", out])
    assert proc.returncode == 0, proc.stderr
    reps = [b for b in load_json(out)["benchmarks"] if b["run_type"] == "iteration"]
    assert len(reps) >= 3
    assert sorted(b["repetition_index"] for b in reps) == list(range(len(reps)))
    assert "heap_vector/sum/1024_median" in proc.stdout and "heap_vector/sum/1024 " not in proc.stdout
    load_result(out)


def test_filter_flag_passes_through_and_repetitions_are_numbered(bench_all, tmp_path):
    out = tmp_path / "r.json"
    proc = run([bench_all, SMALL_FILTER, "--benchmark_min_time=0.001", "--benchmark_repetitions=2",
                "--precision", "100", "--out", out])
    assert proc.returncode == 0, proc.stderr
    data = load_json(out)
    reps = [b for b in data["benchmarks"] if b["run_name"] == "heap_vector/sum/1024" and b["run_type"] == "iteration"]
    assert [b["repetition_index"] for b in reps] == [0, 1]
    # Aggregates that cannot be computed (the cv of a counter whose mean is
    # 0) are left out rather than written as invalid JSON.
    cv = [b for b in data["benchmarks"] if b.get("aggregate_name") == "cv"]
    assert cv and all("allocs_per_iter" not in b for b in cv)


@pytest.mark.parametrize("passes, reps, expected", [("2", 5, 2), ("3", 2, 2), ("1", 3, 1)])
def test_the_repetitions_are_split_over_passes_and_numbered_across_them(bench_all, tmp_path, passes, reps, expected):
    """Each pass runs every benchmark (the later ones say so), the
    repetitions of all passes are numbered 0..n-1, and the file says how
    many passes there were (never more than repetitions)."""
    out = tmp_path / "r.json"
    proc = run([bench_all, "heap_vector/sum", "heap_vector/sum_one_chain", "--sizes", "1024,4096",
                "--benchmark_min_time=0.001", f"--benchmark_repetitions={reps}", "--passes", passes,
                "--precision", "100", "--out", out])
    assert proc.returncode == 0, proc.stderr
    data = load_result(out).data  # valid against the schema, sampling.passes included
    assert data["context"]["locality"]["sampling"]["passes"] == expected
    assert data["context"]["locality"]["sampling"]["repetitions"] == reps
    by_name = {}
    for b in data["benchmarks"]:
        if b["run_type"] == "iteration":
            by_name.setdefault(b["run_name"], []).append(b["repetition_index"])
    assert len(by_name) == 4
    assert all(sorted(v) == list(range(reps)) for v in by_name.values()), by_name
    assert (f"pass {expected} of {expected}" in proc.stderr) == (expected > 1)
    assert "did not run" not in proc.stderr


def test_memory_limits_of_the_process_bound_the_plan(bench_all, tmp_path):
    """ulimit -v: sizes that cannot fit are skipped with the reason, and an
    allocation that fails inside a case is that benchmark's error, not an
    abort; what was measured is kept."""
    out = tmp_path / "r.json"
    proc = subprocess.run(f"ulimit -v 1500000; exec {bench_all} heap_vector/sum --sizes 1K,512M "
                          f"--benchmark_min_time=0.001 --out {out}", shell=True, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "RLIMIT_AS" in proc.stderr and "skipping heap_vector/sum/536870912" in proc.stderr
    out2 = tmp_path / "r2.json"
    proc = subprocess.run(f"ulimit -v 1500000; exec {bench_all} heap_vector/sum --sizes 1K,384M --max-memory 8G "
                          f"--benchmark_min_time=0.001 --benchmark_repetitions=1 --out {out2}", shell=True,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr
    assert "out of memory" in proc.stderr and "terminate called" not in proc.stderr
    runs = {b["run_name"]: b for b in load_json(out2)["benchmarks"] if b["run_type"] == "iteration"}
    assert not runs["heap_vector/sum/1024"].get("error_occurred")
    assert runs["heap_vector/sum/402653184"]["error_occurred"]  # 1.5 GiB: more than the whole limit


def wait_for(proc, pattern: str, timeout: float = 120) -> str:
    """Reads the process's stderr until a line matches."""
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        if re.search(pattern, line):
            return seen
    raise AssertionError(f"never saw {pattern!r}:\n{seen}")


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_writes_what_it_measured(bench_all, tmp_path, sig, code):
    out = tmp_path / "r.json"
    with subprocess.Popen([str(bench_all), "heap_vector", "--benchmark_min_time=0.05", "--out", str(out)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        wait_for(proc, r"^\[5/")
        proc.send_signal(sig)
        rest = proc.stderr.read()
        assert proc.wait(timeout=120) == code, rest
    assert "writing what was measured" in rest and "the measurements" not in rest
    data = load_json(out)
    assert "interrupted" in data["context"]["locality"]["run"]["incomplete"]
    assert data["benchmarks"] and not any("interrupted" in b.get("error_message", "") for b in data["benchmarks"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary file left behind"
    report = run([sys.executable, "-m", "locality.report", out, "-o", tmp_path / "rep"])
    assert report.returncode == 0, report.stderr
    assert "incomplete" in (tmp_path / "rep" / "report.md").read_text()


def test_a_failed_final_write_keeps_the_measurements_in_a_file_it_names(bench_all, tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    fallback = tmp_path / "tmp"
    fallback.mkdir()
    with subprocess.Popen([str(bench_all), "heap_vector", "--quick", "--benchmark_min_time=0.01",
                           "--out", str(folder / "r.json")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, "TMPDIR": str(fallback)}) as proc:
        wait_for(proc, r"^\[1/")
        shutil.rmtree(folder)  # the results folder vanishes while the run goes on
        rest = proc.stderr.read()
        assert proc.wait(timeout=300) == 1, rest
    kept = re.search(r"the measurements are in (\S+) instead", rest)
    assert kept, rest
    assert load_json(kept[1])["benchmarks"]
    assert kept[1].startswith(str(fallback))


def test_two_runs_started_together_both_keep_their_files(bench_all, tmp_path):
    procs = [subprocess.Popen([str(bench_all), *TINY, "--benchmark_repetitions=1"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    files = sorted((tmp_path / "results").glob("*.json"))
    assert len(files) == 2
    assert all(load_json(f)["benchmarks"] for f in files)


def test_latency_family_chases_whole_cycles(bench_all, tmp_path):
    out = tmp_path / "lat.json"
    proc = run([bench_all, "latency", "--quick", "--benchmark_min_time=0.001", "--out", out])
    assert proc.returncode == 0, proc.stderr
    data = load_json(out)
    validate(out, data)
    runs = [b for b in data["benchmarks"] if b["run_type"] == "iteration"]
    assert {b["run_name"].split("/")[1] for b in runs} == {"random_chase", "random_chase_huge_pages",
                                                            "sequential_chase", "page_random_chase"}
    for b in runs:
        # the number in the name is the node count; nodes are one 64-byte line
        # each; an iteration follows the cycle whole times, at least 4096 loads
        nodes = int(b["run_name"].rsplit("/", 1)[1])
        assert b["working_set_bytes"] == 64 * nodes
        assert b["elements"] >= 4096 and b["elements"] % nodes == 0
        assert not b.get("error_occurred"), b  # every chase came back to its start


def test_the_main_job_renders_the_report_of_the_file_it_wrote(bench_all, tmp_path):
    """runners/bench.sh, the README's main command: bench_all names its file
    on stderr, and the script renders that file's report beside it."""
    out = tmp_path / "r.json"
    script = Path(__file__).resolve().parents[2] / "runners" / "bench.sh"
    proc = subprocess.run([str(script), "heap_vector/sum", "--sizes", "1024,65536", "--benchmark_min_time=0.001",
                           "--benchmark_repetitions=2", "--out", str(out)], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "LOCALITY_BUILD": str(bench_all.parent)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert load_json(out)["benchmarks"]
    assert (tmp_path / "r" / "report.md").is_file() and (tmp_path / "r" / "family-heap_vector.png").is_file()
    assert f"report: {tmp_path / 'r'}/" in proc.stdout
    # Nothing to render: the script ends with bench_all's status.
    listing = subprocess.run([str(script), "--list"], capture_output=True, text=True, timeout=900,
                             env={**os.environ, "LOCALITY_BUILD": str(bench_all.parent)})
    assert listing.returncode == 0 and "heap_vector" in listing.stdout and "report:" not in listing.stdout
