"""runners/cluster.sh on a real one-host SLURM cluster.

The fixture brings up munged, slurmctld and slurmd from Debian's packages
(slurmctld, slurmd, munge, slurm-client; runners/test.sh installs them)
with a configuration, key, sockets, ports and spool folders of its own
under a temporary folder, so that a SLURM the machine already runs is left
alone, and stops all three at the end. slurmd launches jobs as their user,
so this needs root (CI runs as root); elsewhere it is skipped with why.
"""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, build_dir

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo")
MISSING = [d for d in DAEMONS if not shutil.which(d) and not Path("/usr/sbin", d).exists()]
pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=f"no {', '.join(MISSING)} (runners/test.sh installs Debian's "
                                             "slurmctld, slurmd, slurm-client, munge)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="slurmd runs jobs as their user: needs root (CI is root)"),
]
QUICK = ["--quick", "--benchmark_filter=^(heap_vector/sum|latency/random_chase|bandwidth/read)/[0-9]{1,5}$",
         "--benchmark_min_time=0.001"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _daemon(path: str) -> str:
    return shutil.which(path) or str(Path("/usr/sbin", path))


def _conf(top: Path, host: str) -> str:
    return "\n".join([
        "ClusterName=localitytest", f"SlurmctldHost={host}(127.0.0.1)",
        f"SlurmctldPort={_free_port()}", f"SlurmdPort={_free_port()}",
        "SlurmUser=root", "SlurmdUser=root", "AuthType=auth/munge", "CredType=cred/munge",
        f"AuthInfo=socket={top}/munge.socket", f"StateSaveLocation={top}/ctld", f"SlurmdSpoolDir={top}/d",
        f"SlurmctldPidFile={top}/ctld.pid", f"SlurmdPidFile={top}/d.pid",
        f"SlurmctldLogFile={top}/ctld.log", f"SlurmdLogFile={top}/d.log",
        "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none", "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core", "MpiDefault=none", "MailProg=/bin/true", "ReturnToService=2",
        "MinJobAge=3600", f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} Features=locality-test State=UNKNOWN",
        "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP", ""])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    top = tmp_path_factory.mktemp("slurm")
    (top / "ctld").mkdir()
    (top / "d").mkdir()
    host = socket.gethostname().split(".")[0]
    (top / "slurm.conf").write_text(_conf(top, host))
    env = dict(os.environ, SLURM_CONF=str(top / "slurm.conf"))
    subprocess.run(["mungekey", "-c", "-k", str(top / "munge.key")], check=True)
    procs = [subprocess.Popen([_daemon("munged"), "-F", "--force", f"--socket={top}/munge.socket",
                               f"--key-file={top}/munge.key", f"--log-file={top}/munged.log",
                               f"--pid-file={top}/munged.pid", f"--seed-file={top}/munged.seed"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        _wait(lambda: (top / "munge.socket").exists(), "munged's socket", top)
        for daemon in ("slurmctld", "slurmd"):
            procs.append(subprocess.Popen([_daemon(daemon), "-D", "-f", str(top / "slurm.conf")], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait(lambda: subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True,
                                     text=True).stdout.strip() == "idle", "an idle node", top)
        yield {"env": env, "host": host, "top": top}
    finally:
        subprocess.run(["scancel", "--user=root"], env=env, capture_output=True)
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        assert all(p.poll() is not None for p in procs)


def _wait(ready, what: str, top: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            logs = "".join(f"\n--- {p.name}\n{p.read_text()[-2000:]}" for p in top.glob("*.log"))
            pytest.fail(f"the test cluster did not come up: no {what} in {seconds:.0f} s{logs}")
        time.sleep(0.3)


def _runner(cluster, results: Path, *args: str, bench: list[str] = QUICK) -> subprocess.Popen:
    env = dict(cluster["env"], LOCALITY_BUILD=str(build_dir()))
    return subprocess.Popen([str(ROOT / "runners/cluster.sh"), "--results", str(results), "--poll", "0.5",
                             *args, "--", *bench], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen, lines: list[str] | None = None) -> tuple[int, list[str]]:
    lines = list(lines or [])
    out, _ = proc.communicate(timeout=600)
    lines += out.splitlines()
    return proc.returncode, [ln for ln in lines if ln.startswith("cluster:")]


def _gallery_files(results: Path) -> set[str]:
    text = (results / "gallery" / "gallery.csv").read_text()
    return set(re.findall(r"[^ ,]+-slurm\d+_\d+\.json", text))


def _digests(results: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in results.glob("*.json")}


def test_a_two_task_array_writes_two_files_and_the_gallery_shows_both(cluster, tmp_path):
    rc, lines = _finish(_runner(cluster, tmp_path, "--tasks", "2"))
    assert rc == 0, "\n".join(lines)
    job = re.search(r"^cluster: job (\d+): 2 task", lines[0]).group(1)
    files = sorted(p.name for p in tmp_path.glob("*.json"))
    # both tasks ran on the one host, one after the other: two files all the same
    assert [re.sub(r"-\d{8}T\d{6}Z", "", f) for f in files] == \
        [f"{cluster['host']}-slurm{job}_0.json", f"{cluster['host']}-slurm{job}_1.json"]
    assert _gallery_files(tmp_path) == set(files)
    assert any(f"task 0 (anywhere) on {cluster['host']}: done" in ln for ln in lines)
    assert lines[-1].startswith(f"cluster: gallery of 2 result file(s): {tmp_path / 'gallery' / 'index.html'}")


def test_failed_tasks_say_why_and_keep_every_other_result(cluster, tmp_path):
    host = cluster["host"]
    rc, lines = _finish(_runner(cluster, tmp_path, "--constraint", "locality-test,no-such-feature",
                                "--node", host, "--node", "no-such-node"))
    assert rc == 1
    assert any(re.match(r"cluster: task 1 \(feature no-such-feature\): FAILED: could not be placed on "
                        r"feature no-such-feature: .*[Ii]nvalid feature", ln) for ln in lines), lines
    assert any(re.match(r"cluster: task 3 \(node no-such-node\): FAILED: could not be placed on node "
                        r"no-such-node: .*[Ii]nvalid node name", ln) for ln in lines), lines
    assert any(ln.startswith(f"cluster: task 0 (feature locality-test) on {host}: done: ") for ln in lines), lines
    assert any(ln.startswith(f"cluster: task 2 (node {host}) on {host}: done: ") for ln in lines), lines
    first = _digests(tmp_path)
    assert len(first) == 2 and _gallery_files(tmp_path) == set(first)

    # Cancelled while it runs: SLURM's state is the reason; the other task still runs.
    slow = ["--sizes", "4K,64K,1M", "--benchmark_min_time=0.5", "heap_vector"]
    proc = _runner(cluster, tmp_path, "--tasks", "2", bench=slow)
    seen = []
    for line in proc.stdout:
        seen.append(line.rstrip("\n"))
        if m := re.match(r"cluster: job (\d+):", line):
            job = m.group(1)
        if line.startswith("cluster: task 0 (anywhere): RUNNING"):
            subprocess.run(["scancel", f"{job}_0"], env=cluster["env"], check=True)
            break
    rc, lines = _finish(proc, seen)
    assert rc == 1
    cancelled = next(ln for ln in lines if re.match(r"cluster: task 0 \(anywhere\) on \S+: FAILED: SLURM state "
                                                    r"CANCELLED", ln))
    # bench_all, stopped by SLURM's SIGTERM, writes what it measured if it had finished a benchmark
    stopped = sorted(tmp_path.glob(f"*-slurm{job}_0*.json"))
    # (SLURM may list the task as ended while bench_all still writes: a file named must exist)
    named = re.search(r"what it measured before it stopped is in (\S+)", cancelled)
    assert named is None or Path(named.group(1)) in stopped, (cancelled, stopped)
    assert any(re.match(rf"cluster: task 1 \(anywhere\) on {host}: done: .*-slurm{job}_1\.json$", ln)
               for ln in lines), lines
    assert f"cluster: job {job}: 1 of 2 task(s) wrote a result file; failed: 0" in lines

    # bench_all refuses its arguments: its own line is the reason.
    rc, lines = _finish(_runner(cluster, tmp_path, bench=["--sizes", "0"]))
    assert rc == 1
    assert any(re.match(r"cluster: task 0 \(anywhere\) on \S+: FAILED: bench_all exit 2: bench_all: "
                        r"--sizes: '0' is not a positive size", ln) for ln in lines), lines

    # Nothing written before was lost, and the gallery holds every file.
    now = _digests(tmp_path)
    assert {k: now[k] for k in first} == first and len(now) == 3 + len(stopped)
    assert _gallery_files(tmp_path) == set(now)


def test_a_refused_submission_is_one_line_and_runs_nothing(cluster, tmp_path):
    rc, lines = _finish(_runner(cluster, tmp_path, "--partition", "no-such-partition"))
    assert rc == 2
    assert lines == ["cluster: error: sbatch refused the job: sbatch: error: Batch job submission failed: "
                     "Invalid partition name specified"]
    assert not list(tmp_path.glob("*.json")) and not (tmp_path / "gallery").exists()
