"""Nothing lost: what --force may replace, and output problems as one line."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from locality.report.output import MARKER


def report(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "locality.report", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def workspace(tmp_path, real_result):
    """results/ with an input, another result and a user's notes, as a user
    keeps it."""
    results = tmp_path / "results"
    results.mkdir()
    shutil.copy(real_result, results / "run1.json")
    shutil.copy(real_result, results / "run2.json")
    (results / "notes.txt").write_text("my notes\n")
    return tmp_path


def one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize("target", ["results", ".", "..", "results/.."])
def test_force_never_deletes_what_the_report_did_not_write(workspace, target):
    before = snapshot(workspace)
    proc = report("results/run1.json", "-o", target, "--force", cwd=workspace / "results"
                  if target in ("..",) else workspace)
    line = one_error_line(proc)
    assert "--force will not" in line or "not a report folder" in line, line
    assert snapshot(workspace) == before


def test_default_output_named_results_is_not_wiped(workspace):
    # locality-report results.json --force: the default folder is ./results
    shutil.copy(workspace / "results" / "run1.json", workspace / "results.json")
    before = snapshot(workspace)
    proc = report("results.json", "--force", cwd=workspace)
    one_error_line(proc)
    assert snapshot(workspace) == before


def test_force_replaces_an_earlier_report_and_keeps_it_readable(workspace):
    out = workspace / "rep"
    assert report("results/run1.json", "-o", out, cwd=workspace).returncode == 0
    assert (out / MARKER).is_file()
    mode = out.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask, oct(mode)  # as mkdir makes it, not mkdtemp's 0700
    proc = report("results/run1.json", "-o", out, cwd=workspace)
    assert "exists" in one_error_line(proc)
    proc = report("results/run2.json", "-o", out, "--force", cwd=workspace)
    assert proc.returncode == 0, proc.stderr
    assert "run2.json" in (out / "report.md").read_text()
    assert not [p for p in workspace.iterdir() if p.name.startswith(".rep")], "staging left behind"


def test_force_refuses_a_report_folder_holding_a_users_file(workspace):
    out = workspace / "rep"
    assert report("results/run1.json", "-o", out, cwd=workspace).returncode == 0
    (out / "lecture-notes.tex").write_text("mine")
    before = snapshot(out)
    line = one_error_line(report("results/run1.json", "-o", out, "--force", cwd=workspace))
    assert "lecture-notes.tex" in line
    assert snapshot(out) == before


@pytest.mark.parametrize("make, words", [
    (lambda w: w / "missing" / "deeper" / "rep", "does not exist"),
    (lambda w: w / "results" / "run1.json", "not a folder"),
])
def test_output_problems_are_one_line(workspace, make, words):
    before = snapshot(workspace)
    proc = report("results/run2.json", "-o", make(workspace), "--force", cwd=workspace)
    assert words in one_error_line(proc)
    assert snapshot(workspace) == before


def test_unwritable_output_parent_is_one_line(workspace, monkeypatch, capsys):
    # As root every folder is writable, so the refusal is simulated the way
    # the check sees it: os.access says no.
    from locality.report import cli

    monkeypatch.chdir(workspace)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    (workspace / "locked").mkdir()
    assert cli.main(["results/run1.json", "-o", "locked/rep"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("is not writable") and not (workspace / "locked" / "rep").exists()
