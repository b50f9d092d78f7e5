#!/usr/bin/env python3
"""Run bench_all across a SLURM cluster as one job array, then the gallery.

    runners/cluster.sh --results DIR [where] [options] [-- bench_all arguments]

where (each adds tasks; give several to compare node types):
  --partition P     one task in partition P (repeat, or P1,P2)
  --constraint F    one task on a node with feature F (repeat, or F1,F2)
  --node N          one task on node N (repeat, or N1,N2)
  --tasks K         K tasks wherever SLURM puts them (default 1 when no
                    other target is given)

Each task is one element of one job array: the array is submitted held,
each task is given its partition, feature or node (scontrol update), then
the array is released. A task has a whole node (--exclusive, --mem=0,
one node); bench_all pins itself there as it always does. It writes
DIR/<host>-<UTC stamp>-slurm<job>_<task>.json (bench_all never overwrites
a file, and the job and task ids tell two tasks on one host apart), its
output to DIR/slurm/<job>_<task>.out and .err and its exit status to
DIR/slurm/<job>_<task>.status. While the array runs this prints the job
id and each task's state as it changes; when the array ends, which tasks
failed and why (bench_all's own error line, or SLURM's state and reason),
then renders the gallery of every result file in DIR (not only this
run's) into DIR/gallery (or --gallery). Running again adds to the same
folder and gallery; nothing written before is removed.

The suite must be built where every node can reach it (a shared home):
--bench-all PATH (default: this checkout's build). "{arch}" in PATH becomes
the node's `uname -m`, for clusters with x86-64 and arm64 node types.

Ctrl-C stops watching, not the job: --attach JOB watches again. Exit
status: 0 when every task wrote its result and the gallery was rendered,
1 when a task failed or the gallery could not be rendered (what the others
measured is kept and shown), 2 on bad usage or a refused submission.
Uses SLURM's own sbatch, scontrol, squeue, scancel (and sacct where
accounting is on): Debian's slurm-client.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

JOB_SCRIPT = r"""#!/bin/bash
# One task of a locality job array (written by runners/cluster.sh).
# Arguments: STATE_FOLDER RESULTS_FOLDER BENCH_ALL [bench_all arguments]
state="$1" results="$2" bench_all="$3"
shift 3
host="$(hostname -s)"
bench_all="${bench_all//\{arch\}/$(uname -m)}"
task="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
out="$results/${host}-$(date -u +%Y%m%dT%H%M%SZ)-slurm${task}.json"
status() {  # EXIT HOST RESULT WHY, written whole or not at all
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" > "$state/$task.status.tmp" &&
    mv -f "$state/$task.status.tmp" "$state/$task.status"
}
if [ ! -x "$bench_all" ]; then
  status 127 "$host" "" "no bench_all at $bench_all on $host: build the suite there first"
  exit 127
fi
echo "task $task on $host: $bench_all $* --out $out"
"$bench_all" "$@" --out "$out"
rc=$?
[ -e "$out" ] || out=""
status "$rc" "$host" "$out" ""
exit "$rc"
"""

def say(text: str) -> None:
    print(f"cluster: {text}", flush=True)


def fail(text: str, code: int = 2) -> None:
    print(f"cluster: error: {text}", file=sys.stderr, flush=True)
    sys.exit(code)


def slurm(cmd: list[str]) -> subprocess.CompletedProcess:
    """A SLURM command's result; its exit status is the caller's to read."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        fail(f"no {cmd[0]} on PATH: run this on a SLURM login node (Debian: apt-get install slurm-client)")
    except subprocess.TimeoutExpired:
        fail(f"{cmd[0]} did not answer in 120 s")


def last_line(text: str, prefer: str = "") -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    chosen = [ln for ln in lines if prefer and ln.startswith(prefer)] or lines
    return chosen[-1] if chosen else ""


@dataclass
class Task:
    index: int
    where: str               # "partition P", "feature F", "node N" or "anywhere"
    update: str = ""         # the scontrol update that places it
    state: str = ""
    node: str = ""
    done: bool = False
    ok: bool = False


def targets(args) -> list[Task]:
    tasks: list[Task] = []
    for values, what, key in ((args.partition, "partition", "Partition"),
                              (args.constraint, "feature", "Features"),
                              (args.node, "node", "ReqNodeList")):
        for value in (v for vs in values for v in vs.split(",") if v):
            tasks.append(Task(len(tasks), f"{what} {value}", f"{key}={value}"))
    count = args.tasks if args.tasks is not None else (0 if tasks else 1)
    tasks += [Task(len(tasks) + k, "anywhere") for k in range(count)]
    if not tasks:
        fail("no task: give --partition, --constraint, --node or --tasks")
    return tasks


def submit(args, tasks: list[Task], state: Path) -> str:
    """The held array, each task placed, then released; the job id."""
    fd, script = tempfile.mkstemp(prefix="job-", suffix=".sh", dir=state)
    with os.fdopen(fd, "w") as f:
        f.write(JOB_SCRIPT)
    partitions = sorted({t.update.split("=", 1)[1] for t in tasks if t.update.startswith("Partition=")})
    cmd = ["sbatch", "--parsable", "--hold", f"--array=0-{len(tasks) - 1}", "--exclusive", "--nodes=1",
           "--ntasks=1", "--mem=0", f"--job-name={args.job_name}",
           f"--output={state}/%A_%a.out", f"--error={state}/%A_%a.err"]
    cmd += [f"--partition={','.join(partitions)}"] if partitions else []
    cmd += [f"--time={args.time}"] if args.time else []
    cmd += [f"--account={args.account}"] if args.account else []
    cmd += [o for opt in args.sbatch_option for o in shlex.split(opt)]
    cmd += [script, str(state), str(args.results), args.bench_all, *args.bench_args]
    proc = slurm(cmd)
    if proc.returncode != 0:
        os.unlink(script)
        fail(f"sbatch refused the job: {last_line(proc.stderr) or f'exit {proc.returncode}'}")
    job = proc.stdout.strip().split(";")[0]
    os.replace(script, state / f"{job}.sh")
    (state / f"{job}.json").write_text(json.dumps(
        {"job": job, "tasks": [[t.index, t.where] for t in tasks], "bench_all": args.bench_all,
         "arguments": args.bench_args, "submitted": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
        indent=1) + "\n")
    say(f"job {job}: {len(tasks)} task(s) of bench_all {shlex.join(args.bench_args)}".rstrip())
    for t in tasks:
        if t.update:
            placed = slurm(["scontrol", "update", f"JobId={job}_{t.index}", t.update])
            if placed.returncode != 0:
                why = last_line(placed.stderr) or f"scontrol exit {placed.returncode}"
                slurm(["scancel", f"{job}_{t.index}"])
                finish(t, False, f"could not be placed on {t.where}: {why}")
    slurm(["scontrol", "release", job])
    return job


def finish(t: Task, ok: bool, text: str) -> None:
    t.done, t.ok = True, ok
    say(f"task {t.index} ({t.where}){' on ' + t.node if t.node else ''}: "
        f"{'done' if ok else 'FAILED'}: {text}")


def queued(job: str) -> dict[int, tuple[str, str, str]] | None:
    """Task -> (state, node, reason) of the tasks squeue still shows; None
    when squeue did not answer (a busy controller: ask again later)."""
    proc = slurm(["squeue", "-h", "-r", "-j", job, "-o", "%K|%T|%N|%r"])
    if proc.returncode != 0 and "Invalid job id" not in proc.stderr:
        return None
    found = {}
    for line in proc.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 4 and parts[0].isdigit():
            found[int(parts[0])] = (parts[1], parts[2], parts[3])
    return found


def records(job: str) -> dict[int, dict]:
    """Task -> SLURM's record of an ended task: scontrol while it keeps
    them (MinJobAge), sacct where accounting is on."""
    found: dict[int, dict] = {}
    proc = slurm(["scontrol", "show", "job", "-o", job])
    for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
        fields = dict(tok.split("=", 1) for tok in line.split() if "=" in tok)
        if fields.get("ArrayTaskId", "").isdigit():
            found[int(fields["ArrayTaskId"])] = {"state": fields.get("JobState", ""),
                                                 "exit": fields.get("ExitCode", ""),
                                                 "reason": fields.get("Reason", ""),
                                                 "node": fields.get("NodeList", "")}
    if found:
        return found
    proc = slurm(["sacct", "-n", "-P", "-X", "-j", job, "--format=JobID,State,ExitCode,NodeList"])
    for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
        parts = line.split("|")
        task = parts[0].rpartition("_")[2] if len(parts) == 4 else ""
        if task.isdigit():
            found[int(task)] = {"state": parts[1].split()[0], "exit": parts[2], "reason": "", "node": parts[3]}
    return found


def status_file(state: Path, job: str, index: int) -> dict | None:
    path = state / f"{job}_{index}.status"
    try:
        rc, host, result, why = path.read_text().rstrip("\n").split("\t", 3)
        return {"rc": int(rc), "host": host, "result": result, "why": why}
    except (OSError, ValueError):
        return None


def conclude(t: Task, job: str, state: Path, record: dict | None) -> None:
    """The task has left the queue: say what it left and why."""
    own = status_file(state, job, t.index)
    t.node = (own or {}).get("host") or (record or {}).get("node", "") or t.node
    err = state / f"{job}_{t.index}.err"
    if own and own["rc"] == 0 and own["result"]:
        return finish(t, True, own["result"])
    # a run stopped part-way keeps what it measured: the result file a
    # SIGTERM lets bench_all write, or else its journal
    left = sorted(state.parent.glob(f"*-slurm{job}_{t.index}.json")) or \
        sorted(state.parent.glob(f"*-slurm{job}_{t.index}.partial.json"))
    kept = f"; what it measured before it stopped is in {left[-1]}" if left else ""
    if own:
        why = own["why"] or last_line(read(err), "bench_all:") or "no error line"
        return finish(t, False, f"bench_all exit {own['rc']}: {why}{kept} (log: {err})")
    if record:
        reason = record["reason"] if record["reason"] not in ("", "None") else ""
        return finish(t, False, f"SLURM state {record['state']}" + (f" ({reason})" if reason else "")
                      + (f", exit {record['exit']}" if record["exit"] else "") + f"{kept} (log: {err})")
    seen = t.state.split(" ")[0] if t.state else "queued"
    never = " and never started (cancelled?)" if seen in ("queued", "PENDING") else ""
    finish(t, False, f"left the queue while {seen}{never}; SLURM keeps no record of it (no scontrol "
                     f"record, no sacct) and the task wrote no status{kept} (log: {err})")


def read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def watch(job: str, tasks: list[Task], state: Path, poll: float) -> None:
    silent = 0
    while not all(t.done for t in tasks):
        live = queued(job)
        if live is None:
            silent += 1
            if silent * poll > 600:
                fail(f"squeue has not answered for 10 minutes; job {job} may go on: --attach {job} later", 1)
            time.sleep(poll)
            continue
        silent = 0
        ended = [t for t in tasks if not t.done and t.index not in live]
        known = records(job) if ended else {}
        for t in tasks:
            if t.done:
                continue
            if t.index in live:
                st, node, reason = live[t.index]
                text = st + (f" on {node}" if node and st != "PENDING" else "") + \
                    (f" ({reason})" if st == "PENDING" and reason not in ("", "None") else "")
                if text != t.state:
                    t.state, t.node = text, node or t.node
                    say(f"task {t.index} ({t.where}): {text}")
            else:
                conclude(t, job, state, known.get(t.index))
        if not all(t.done for t in tasks):
            time.sleep(poll)


def gallery(args) -> bool:
    files = sorted(str(p) for p in args.results.glob("*.json") if not p.name.endswith(".partial.json"))
    if not files:
        say("no result file in the folder: no gallery")
        return False
    cmd = [sys.executable, "-m", "locality.report", "--gallery", "-o", str(args.gallery), *files]
    if args.gallery.exists():
        cmd.insert(4, "--force")  # replaces only a gallery the report wrote, checked by its marker
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr, end="", file=sys.stderr)
        say(f"gallery not rendered (exit {proc.returncode}); the result files are in {args.results}")
        return False
    say(f"gallery of {len(files)} result file(s): {proc.stdout.strip().splitlines()[0]}")
    return True


def options(argv: list[str]):
    head, bench_args = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    p = argparse.ArgumentParser(prog="runners/cluster.sh", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="everything after -- goes to bench_all (default: the default run)")
    p.add_argument("--results", type=Path, required=True, help="shared folder for the result files")
    p.add_argument("--gallery", type=Path, help="gallery folder (default: RESULTS/gallery)")
    p.add_argument("--partition", action="append", default=[], metavar="P",
                   help="one task in partition P (repeat, or P1,P2)")
    p.add_argument("--constraint", action="append", default=[], metavar="F",
                   help="one task on a node with feature F (repeat, or F1,F2)")
    p.add_argument("--node", action="append", default=[], metavar="N", help="one task on node N (repeat, or N1,N2)")
    p.add_argument("--tasks", type=int, metavar="K", help="K tasks wherever SLURM puts them (default 1 when "
                                                          "no partition, feature or node is given)")
    p.add_argument("--time", help="each task's time limit, as sbatch --time takes it")
    p.add_argument("--account")
    p.add_argument("--sbatch-option", action="append", default=[], metavar="OPT",
                   help="passed to sbatch as it is (repeat)")
    p.add_argument("--job-name", default="locality")
    p.add_argument("--bench-all", default=os.environ.get("LOCALITY_BENCH_ALL", ""),
                   help="bench_all as the nodes reach it ({arch}: the node's uname -m)")
    p.add_argument("--poll", type=float, default=10.0, help="seconds between looks at the queue")
    p.add_argument("--attach", metavar="JOB", help="watch a job submitted before, then render the gallery")
    p.add_argument("--no-wait", action="store_true", help="submit, print the job id and leave")
    args = p.parse_args(head)
    args.bench_args = bench_args
    if args.tasks is not None and not 0 <= args.tasks <= 1000:
        p.error("--tasks: from 0 to 1000")
    if not 0.1 <= args.poll <= 3600:
        p.error("--poll: from 0.1 to 3600 seconds")
    args.results = args.results.resolve()
    args.gallery = (args.gallery or args.results / "gallery").resolve()
    if not args.attach and not args.bench_all:
        p.error("--bench-all: where the nodes find bench_all")
    return args


def main(argv: list[str]) -> int:
    args = options(argv)
    state = args.results / "slurm"
    try:
        state.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        fail(f"cannot make {state}: {e.strerror or e}")
    if args.attach:
        try:
            saved = json.loads((state / f"{args.attach}.json").read_text())
        except (OSError, ValueError):
            fail(f"no job {args.attach} submitted into {args.results} ({state / (args.attach + '.json')})")
        job, tasks = saved["job"], [Task(i, where) for i, where in saved["tasks"]]
    else:
        if not shutil.which("sbatch"):
            fail("no sbatch on PATH: run this on a SLURM login node (Debian: apt-get install slurm-client)")
        tasks = targets(args)
        job = submit(args, tasks, state)
    if args.no_wait:
        say(f"watch it with: runners/cluster.sh --results {shlex.quote(str(args.results))} --attach {job}")
        return 0
    try:
        watch(job, tasks, state, args.poll)
    except KeyboardInterrupt:
        say(f"stopped watching; job {job} goes on: runners/cluster.sh --results "
            f"{shlex.quote(str(args.results))} --attach {job}")
        return 130
    failed = [t for t in tasks if not t.ok]
    say(f"job {job}: {len(tasks) - len(failed)} of {len(tasks)} task(s) wrote a result file"
        + (f"; failed: {', '.join(str(t.index) for t in failed)}" if failed else ""))
    rendered = gallery(args)
    return 1 if failed or not rendered else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
