"""runners/tools/layout_verdict.py, the verdict of runners/layout_check.sh: a
build that is really slower differs, one that measures the same agrees,
and rounds too noisy to decide are said to be so."""

import json
import random
import subprocess
import sys

from conftest import ROOT

SCRIPT = ROOT / "runners" / "tools" / "layout_verdict.py"


def write_rounds(folder, rounds, factor, noise, seed=0):
    """Result files for `rounds` rounds of the three builds: the shifted
    build `factor` times the normal one, each round's machine speed moving
    by up to 30% (which the per-round ratio must cancel), each repetition by
    `noise`."""
    rng = random.Random(seed)
    for r in range(1, rounds + 1):
        machine = 1 + rng.uniform(0, 0.3)
        for variant, scale in (("normal", 1.0), ("shifted", factor), ("uncounted", 1.0)):
            reps = [{"run_name": "heap_vector/sum/4096", "run_type": "iteration", "elements": 4096,
                     "real_time": 100 * machine * scale * (1 + rng.uniform(-noise, noise))} for _ in range(3)]
            (folder / f"{variant}-{r}.json").write_text(json.dumps({"benchmarks": reps}))


def verdict(folder, rounds):
    return subprocess.run([sys.executable, str(SCRIPT), str(folder), str(rounds)], capture_output=True,
                          text=True, timeout=120)


def test_a_build_that_is_the_same_agrees(tmp_path):
    write_rounds(tmp_path, 10, 1.0, 0.01)
    proc = verdict(tmp_path, 10)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 agree within 5%, 0 differ, 0 cannot tell" in proc.stdout


def test_a_build_that_is_slower_differs(tmp_path):
    write_rounds(tmp_path, 10, 1.2, 0.01)
    proc = verdict(tmp_path, 10)
    assert proc.returncode == 1
    assert "1 agree within 5%, 1 differ, 0 cannot tell" in proc.stdout, proc.stdout
    row = next(line for line in proc.stdout.splitlines() if line.startswith("heap_vector/sum/4096"))
    assert "1.2" in row and "differs" in row


def test_rounds_too_noisy_to_decide_say_so(tmp_path):
    write_rounds(tmp_path, 4, 1.04, 0.25, seed=3)
    proc = verdict(tmp_path, 4)
    assert proc.returncode == 1
    assert "cannot tell" in proc.stdout and "differ" in proc.stdout, proc.stdout
    assert "agrees" not in next(line for line in proc.stdout.splitlines()
                                if line.startswith("heap_vector/sum/4096")).split(")")[1]
