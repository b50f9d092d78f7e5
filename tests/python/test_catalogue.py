"""The teaching catalogue end to end: bench_all --sizes, the reference
comparison script, and the report of every family from the cited full run."""

import os
import re
import shutil
import stat
import sys
from pathlib import Path

import pytest

from conftest import CITED, ROOT, load_json, run
from locality.report import load_result
from locality.report.document import build_report

SCRIPT = ROOT / "runners" / "tools" / "compare_reference.py"


def test_sizes_replace_every_ladder_and_bad_sizes_are_errors(bench_all, tmp_path):
    out = tmp_path / "s.json"
    proc = run([bench_all, "latency/random_chase", "element_size/random_npad7", "--sizes", "96,2K",
                "--benchmark_repetitions=1", "--benchmark_min_time=0.001", "--out", out])
    assert proc.returncode == 0, proc.stderr
    names = sorted(b["run_name"] for b in load_json(out)["benchmarks"])
    assert names == ["element_size/random_npad7/2048", "element_size/random_npad7/96",
                     "latency/random_chase/2048", "latency/random_chase/96"]
    for bad in ("0", "12x", ""):
        proc = run([bench_all, "--sizes", bad, "--out", tmp_path / "never.json"])
        assert proc.returncode == 2 and "--sizes" in proc.stderr, (bad, proc.stderr)
        assert not (tmp_path / "never.json").exists()


def fake_lat_mem_rd(tmp_path: Path) -> Path:
    """A stand-in that prints lat_mem_rd's format (on stderr, as lmbench
    does): what the script must parse, not a measurement."""
    path = tmp_path / "lat_mem_rd"
    path.write_text("#!/bin/sh\n"
                    "echo '\"stride=64' >&2\n"
                    "echo '0.00391 1.000' >&2\n"     # 4 KiB
                    "echo '0.00586 1.000' >&2\n"     # 6 KiB: ours runs it too
                    "echo '0.00049 0.900' >&2\n"     # 512 B: below 4 KiB, not compared
                    "echo '0.01562 1.000' >&2\n")    # 16 KiB
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_latency_comparison_runs_ours_at_lat_mem_rd_sizes(tmp_path):
    proc = run([sys.executable, SCRIPT, "--only", "latency", "--lat-mem-rd", fake_lat_mem_rd(tmp_path),
                "--rounds", "2", "--repetitions", "1"])
    assert proc.returncode in (0, 1), proc.stderr  # 1: a size missed 5%, not an error
    chase, _, lmbench = proc.stdout.partition("against lat_mem_rd")
    assert "against chase" in chase, proc.stdout

    def rows(section: str) -> list[list[str]]:
        return [line.split() for line in section.splitlines() if line.strip().endswith(("ok", "5%)"))]

    # Both references at every size lat_mem_rd printed from 4 KiB on.
    for section in (chase, lmbench):
        assert [r[0] + r[1] for r in rows(section)] == ["4KiB", "6KiB", "16KiB"], proc.stdout
    for r in rows(lmbench):
        ours, theirs, ratio = map(float, r[2:5])
        assert theirs == 1.0 and ours > 0 and abs(ratio - ours / theirs) < 0.001
    for r in rows(chase):
        ours, theirs, ratio = map(float, r[2:5])
        assert 0 < theirs < 1000 and abs(ratio - ours / theirs) < 0.01
    assert proc.stderr.count("lat_mem_rd") >= 2  # alternated: one per round


def test_reference_comparison_skips_what_is_missing_and_rejects_bad_input(tmp_path):
    # Without lat_mem_rd the independent chase alone is the reference (exit
    # 1 would be a size outside 5%: a measurement, not an error).
    proc = run([sys.executable, SCRIPT, "--only", "latency", "--sizes", "16K", "--rounds", "1",
                "--repetitions", "1"])
    assert proc.returncode in (0, 1) and "skipped: no lat_mem_rd given" in proc.stdout, proc.stderr
    assert re.search(r"^ +16 KiB +[0-9.]+ +[0-9.]+ +[0-9.]+ ", proc.stdout, re.MULTILINE), proc.stdout
    proc = run([sys.executable, SCRIPT, "--only", "latency", "--lat-mem-rd", tmp_path / "none"])
    assert proc.returncode == 2 and "not an executable file" in proc.stderr
    proc = run([sys.executable, SCRIPT, "--sizes", "12Q"])
    assert proc.returncode == 2 and "'12Q' is not a size" in proc.stderr
    proc = run([sys.executable, SCRIPT, "--bench-all", tmp_path / "nothing"])
    assert proc.returncode == 2 and "no such executable" in proc.stderr
    # Without likwid-bench and mbw on PATH the bandwidth comparison says so.
    env = dict(os.environ, PATH=str(tmp_path))
    proc = run([sys.executable, SCRIPT, "--only", "bandwidth", "--sizes", "16K"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert "skipped likwid-bench: not installed" in proc.stdout and "skipped mbw: not installed" in proc.stdout


@pytest.mark.skipif(not shutil.which("likwid-bench"), reason="likwid-bench is not installed")
def test_bandwidth_comparison_prints_a_ratio_per_size():
    proc = run([sys.executable, SCRIPT, "--only", "bandwidth", "--sizes", "16K", "--rounds", "1",
                "--repetitions", "1"])
    assert proc.returncode in (0, 1), proc.stderr
    row = next(line.split() for line in proc.stdout.splitlines() if line.strip().startswith("16 KiB"))
    ours, best, ratio = map(float, row[2:5])
    assert ours > 0 and best > 0 and abs(ratio - ours / best) < 0.01
    # which of ours / which reference; mbw does not apply below 1 MiB
    assert row[5].startswith("read") and row[6:8] == ["/", "likwid"]


@pytest.fixture(scope="module")
def cited_report():
    return build_report([load_result(CITED)])


def test_the_cited_run_has_every_family_with_its_checks(cited_report):
    entries = {e.name: e for e in cited_report.figures}
    for family, desc in load_result(CITED).families.items():
        entry = entries[f"family-{family}"]
        # the short caption: the verdict over all the family's checks
        found = re.search(r"Verdict: (agrees|disagrees|inconclusive) \((\d+) of (\d+) checks agree\)\.", entry.caption)
        assert found and int(found[3]) == len(desc["claims"]), (family, entry.caption)
        # beside it, the expectation and every check
        details = entry.details
        assert details.startswith("Expected:"), family
        assert details.count("; agrees.") + details.count("; disagrees.") + details.count("; inconclusive.") \
            == len(desc["claims"]), family


def test_a_family_is_one_file(tmp_path):
    """tests/example/one_more_family.cc, compiled into bench_all_example with
    no other edit, is listed, run, plotted, captioned and checked."""
    from conftest import build_dir

    exe = build_dir() / "bench_all_example"
    assert exe.is_file(), f"{exe} is missing: build the tests (runners/test.sh does)"
    listing = run([exe, "--list"])
    assert listing.returncode == 0 and "one_more_family/twice" in listing.stdout
    out = tmp_path / "r.json"
    proc = run([exe, "one_more_family", "--sizes", "4096,65536", "--benchmark_min_time=0.001",
                "--benchmark_repetitions=3", "--precision", "100", "--out", out])
    assert proc.returncode == 0, proc.stderr
    assert "one_more_family" in load_json(out)["context"]["locality"]["families"]
    report = run([sys.executable, "-m", "locality.report", out, "-o", tmp_path / "rep"])
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "rep" / "family-one_more_family.png").is_file()
    md = (tmp_path / "rep" / "report.md").read_text()
    lines = md.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("*LOC-one_more_family.*"))
    caption, details = lines[at], lines[at + 2]
    assert "Walking the array twice costs more" in details
    assert re.search(r"[Tt]wice costs more than once: [0-9.\\]+x .*; (agrees|disagrees|inconclusive)", caption), caption


def test_a_case_with_its_own_ladder_is_sized_the_same_by_every_reader(tmp_path):
    """one_more_family/strided declares its ladder in the descriptor alone:
    --list, the plan (--dry-run, --benchmark_list_tests), the result file's
    fields and the report agree on its sizes, and --sizes replaces them."""
    from conftest import build_dir
    from locality.report.load import load_result
    from locality.report.tidy import tidy

    exe = build_dir() / "bench_all_example"
    own = [3072, 49152]
    listing = run([exe, "--list", "--quick"]).stdout
    assert re.search(r"one_more_family/strided .*\n +sizes \(ints\): 3072 49152\n", listing), listing
    planned = run([exe, "one_more_family/strided", "--quick", "--benchmark_list_tests=true"]).stdout.split()
    assert planned == [f"one_more_family/strided/{n}" for n in own]
    dry = run([exe, "one_more_family/strided", "--quick", "--dry-run"]).stdout
    assert [int(n) for n in re.findall(r"one_more_family/strided/(\d+)  ~", dry)] == own
    out = tmp_path / "r.json"
    proc = run([exe, "one_more_family/strided", "--quick", "--benchmark_min_time=0.001", "--out", out])
    assert proc.returncode == 0, proc.stderr
    result = load_result(out)
    entries = [b for b in result.benchmarks if b["run_type"] == "iteration"]
    assert sorted(b["size"] for b in entries) == own
    assert {(b["family"], b["case"]) for b in entries} == {("one_more_family", "strided")}
    assert result.families["one_more_family"]["cases"][2]["ladder"] == own
    frame = tidy([result])
    assert sorted(frame["elements"].unique()) == own
    sized = run([exe, "one_more_family/strided", "--sizes", "1024", "--benchmark_list_tests=true"]).stdout.split()
    assert sized == ["one_more_family/strided/1024"]
