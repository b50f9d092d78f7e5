"""A run that is killed keeps what it measured: bench_all rewrites
<stem>.partial.json at the end of every family's pass (and within one,
every two seconds at most), and the report renders
it. SIGHUP (a closed terminal) and SIGPIPE (a reader that quit) end the run
as SIGTERM does: the benchmark running finishes, the file is written."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import load_json
from locality.report.load import validate

# Two families, each a pass of its own: the first is on disk while the
# second runs (one pass over the plan: every finished benchmark has all
# its repetitions).
TWO_FAMILIES = ["stack_array/sum", "heap_vector/sum", "--sizes", "1K,4K,16K", "--benchmark_min_time=0.2",
                "--benchmark_repetitions=3", "--passes", "1", "--full"]


def start(bench_all, out: Path, *args, **kw) -> subprocess.Popen:
    return subprocess.Popen([str(bench_all), *args, "--out", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, **kw)


def partial_of(out: Path) -> Path:
    return out.with_name(out.stem + ".partial.json")


FIRST_FAMILY = {f"stack_array/sum/{n}" for n in (1024, 4096, 16384)}


def wait_for_benchmarks(partial: Path, names: set[str], timeout: float = 120) -> dict:
    """The journal once it holds every benchmark of `names`, finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = json.loads(partial.read_text())
            if names <= {b.get("run_name", "") for b in data.get("benchmarks", [])}:
                return data
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    pytest.fail(f"{partial} never held {sorted(names)}")


def render(path: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "locality.report", str(path), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)


def test_sigkill_leaves_a_file_the_report_renders(bench_all, tmp_path):
    out = tmp_path / "r.json"
    proc = start(bench_all, out, *TWO_FAMILIES)
    wait_for_benchmarks(partial_of(out), FIRST_FAMILY)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    data = load_json(partial_of(out))
    validate(partial_of(out), data)  # a result file of the contract
    assert "stopped before it ended" in data["context"]["locality"]["run"]["incomplete"]
    names = {b["run_name"] for b in data["benchmarks"] if b["run_type"] == "iteration"}
    # every benchmark of the finished family, with all its repetitions
    assert FIRST_FAMILY <= names
    assert all(sum(1 for b in data["benchmarks"] if b["run_name"] == n and b["run_type"] == "iteration") == 3
               for n in names)
    report = render(partial_of(out), tmp_path / "rep")
    assert report.returncode == 0, report.stderr
    assert "incomplete" in (tmp_path / "rep" / "report.md").read_text()


@pytest.mark.parametrize("signo, code, said", [(signal.SIGHUP, 129, "SIGHUP"), (signal.SIGTERM, 143, "SIGTERM")])
def test_a_hang_up_ends_the_run_like_sigterm(bench_all, tmp_path, signo, code, said):
    out = tmp_path / "r.json"
    proc = start(bench_all, out, *TWO_FAMILIES)
    wait_for_benchmarks(partial_of(out), FIRST_FAMILY)
    proc.send_signal(signo)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    data = load_json(out)
    assert said in data["context"]["locality"]["run"]["incomplete"]
    assert any(b["run_name"].startswith("stack_array/sum/") for b in data["benchmarks"])
    assert not partial_of(out).exists(), "the journal is removed once the file is written"


def test_a_closed_pipe_ends_the_run_and_keeps_the_file(bench_all, tmp_path):
    """bench_all ... | head -1: the reader quits after the first line."""
    out = tmp_path / "r.json"
    proc = subprocess.Popen([str(bench_all), *TWO_FAMILIES, "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # the reader is gone: the next write raises SIGPIPE
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGPIPE, err.decode()[-2000:]
    data = load_json(out)
    assert "SIGPIPE" in data["context"]["locality"]["run"]["incomplete"]
    assert data["benchmarks"]
    assert not partial_of(out).exists()


def memory_cgroup() -> Path | None:
    """A writable memory cgroup of this process under which a child can be
    made (v1's memory hierarchy, or v2 with memory in subtree_control), or
    None."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            base = Path("/sys/fs/cgroup") / path.lstrip("/")
            control = base / "cgroup.subtree_control"
            if not control.exists() or "memory" not in control.read_text():
                continue
        elif "memory" in controllers.split(","):
            base = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
        else:
            continue
        if base.is_dir() and os.access(base, os.W_OK):
            return base
    return None


def test_the_oom_killer_leaves_the_benchmarks_finished_before(bench_all, tmp_path):
    base = memory_cgroup()
    if base is None:
        pytest.skip("no writable memory cgroup here to make an OOM kill (needs root and cgroup v1 or v2 "
                    "with the memory controller)")
    group = base / f"locality-oom-test-{os.getpid()}"
    try:
        group.mkdir()
    except OSError as e:
        pytest.skip(f"cannot make a memory cgroup under {base}: {e}")
    try:
        limit = group / ("memory.max" if (group / "memory.max").exists() else "memory.limit_in_bytes")
        limit.write_text(str(160 << 20))
        for swap in ("memory.swap.max", "memory.memsw.limit_in_bytes"):
            try:
                (group / swap).write_text(str(160 << 20) if swap.endswith("bytes") else "0")
            except OSError:
                pass
        out = tmp_path / "r.json"
        # The stack array's family runs first, at sizes that fit; then the
        # vector at 256 Mi ints (1 GiB) does not: --max-memory lifts the
        # plan's own limit, which would otherwise skip that size
        proc = subprocess.Popen(["sh", "-c", f'echo $$ > "{group}/cgroup.procs" && exec "$@"', "sh", str(bench_all),
                                 "--benchmark_filter=^(stack_array/sum/(1024|1048576)|heap_vector/sum/268435456)$",
                                 "--sizes", "1K,1M,256M", "--max-memory", "8G",
                                 "--benchmark_repetitions=2", "--benchmark_min_time=0.01", "--full",
                                 "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), (proc.returncode, err[-2000:])
        data = load_json(partial_of(out))
        names = {b["run_name"] for b in data["benchmarks"]}
        assert "stack_array/sum/1024" in names and "stack_array/sum/1048576" in names
        assert render(partial_of(out), tmp_path / "rep").returncode == 0
    finally:
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
