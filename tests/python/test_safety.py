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


# ---- races, edits, interruptions (the report never replaces what it did not write)

def test_a_folder_that_appears_while_the_report_runs_is_never_replaced(workspace, monkeypatch):
    """locality-report A.json -o racedir & mkdir racedir; echo x > racedir/thesis.tex"""
    from locality.report import cli, document

    out = workspace / "racedir"
    real_write = document.write_report

    def slow_write(report, folder, formats):
        out.mkdir()
        (out / "thesis.tex").write_text("my thesis\n")
        return real_write(report, folder, formats)

    monkeypatch.setattr(document, "write_report", slow_write)
    code = cli.main([str(workspace / "results" / "run1.json"), "-o", str(out), "--formats", "svg"])
    assert code == 2
    assert (out / "thesis.tex").read_text() == "my thesis\n"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    assert not [p for p in workspace.iterdir() if p.name.startswith(".racedir.")], "a temporary folder was left"


def test_two_reports_to_one_folder_cannot_both_succeed(workspace):
    procs = [subprocess.Popen([sys.executable, "-m", "locality.report", "results/run1.json", "-o", "same",
                               "--formats", "svg"], cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], [err for _, err in outputs]
    assert (workspace / "same" / MARKER).is_file()


def test_force_keeps_a_file_the_user_edited(workspace):
    first = report("results/run1.json", "-o", "rep", "--formats", "svg", cwd=workspace)
    assert first.returncode == 0, first.stderr
    table = workspace / "rep" / "table.tex"
    table.write_text(table.read_text() + "% my edit\n")
    before = snapshot(workspace)
    line = one_error_line(report("results/run1.json", "-o", "rep", "--force", "--formats", "svg", cwd=workspace))
    assert "changed since the report wrote them (table.tex)" in line, line
    assert snapshot(workspace) == before


def test_an_interrupted_report_leaves_nothing_and_stale_temporaries_are_cleaned(workspace):
    # a temporary folder of a report killed earlier (its process is gone)
    stale = workspace / ".rep.locality-tmp-999999999-new-abc"
    stale.mkdir()
    (stale / "report.md").write_text("half\n")
    proc = subprocess.Popen([sys.executable, "-m", "locality.report", "results/run1.json", "-o", "rep"],
                            cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait until it is writing (its own temporary folder exists), then hang up
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not [p for p in workspace.iterdir()
                                               if p.name.startswith(f".rep.locality-tmp-{proc.pid}-")]:
        time.sleep(0.02)
    proc.send_signal(__import__("signal").SIGHUP)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (129, 0), err  # 0: it finished before the signal came
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    assert not stale.exists(), "the stale temporary folder of a dead report is removed"
    leftovers = [p.name for p in workspace.iterdir() if p.name.startswith(".rep.")]
    assert leftovers == [], leftovers
    if proc.returncode == 129:
        assert "stopped by SIGHUP; nothing was written" in err
        assert not (workspace / "rep").exists()


def test_ctrl_c_is_one_line_not_a_traceback(workspace):
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "locality.report", "results/run1.json", "-o", "rep"],
                            cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        assert proc.returncode in (130, -signal.SIGINT), err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_a_symlink_as_output_is_named_as_one(workspace):
    (workspace / "real").mkdir()
    (workspace / "link").symlink_to(workspace / "real")
    line = one_error_line(report("results/run1.json", "-o", "link", cwd=workspace))
    assert "is a symbolic link" in line


def test_a_newline_in_a_file_name_stays_on_one_line(workspace):
    line = one_error_line(report("results/no\nsuch.json", cwd=workspace))
    assert "no\\nsuch.json" in line


def test_a_stop_swallowed_inside_a_callback_still_stops_the_report(tmp_path, capsys):
    """A signal handled inside a weakref callback (matplotlib has many) has
    its exception printed as "Exception ignored" and swallowed by Python; the
    report must neither print that nor publish."""
    import signal
    import weakref

    from locality.report import interrupt
    from locality.report.output import write_folder

    class Thing:
        pass

    def write(folder):
        thing = Thing()
        # the callback receives the signal and runs a few bytecodes after it
        ref = weakref.ref(thing, lambda _: [os.kill(os.getpid(), signal.SIGTERM), sum(range(100))])
        del thing
        assert ref() is None
        (folder / "report.md").write_text("complete\n")
        return [folder / "report.md"]

    with interrupt.handled():
        with pytest.raises(interrupt.Stopped) as stopped:
            write_folder(tmp_path / "rep", write)
    assert stopped.value.signo == signal.SIGTERM
    assert list(tmp_path.iterdir()) == [], "nothing published, no temporary left"
    err = capsys.readouterr().err
    assert "Exception ignored" not in err and "Traceback" not in err, err
    # without the handlers the same callback's stop is lost and the folder
    # published: what the test above guards against
    with interrupt.handled():
        signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(interrupt.Stopped(s)))
        sys.unraisablehook = lambda args: None
        assert write_folder(tmp_path / "rep", write) == [tmp_path / "rep" / "report.md"]


def test_a_signal_after_the_report_is_in_place_changes_nothing(tmp_path):
    import signal

    from locality.report import interrupt
    from locality.report.output import write_folder

    def write(folder):
        (folder / "report.md").write_text("complete\n")
        return [folder / "report.md"]

    with interrupt.handled():
        written = write_folder(tmp_path / "rep", write)
        os.kill(os.getpid(), signal.SIGHUP)  # handled at once: ignored, nothing raised
        assert sum(range(100)) and interrupt.pending() is None
    assert written == [tmp_path / "rep" / "report.md"] and (tmp_path / "rep" / MARKER).is_file()
