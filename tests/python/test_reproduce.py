"""runners/tools/reproduce.py, the measure of "claims that reproduce": a run
compared with itself agrees on every claim; a copy in which one case got
3x slower is caught (the claims on it move and their intervals no longer
cover each other); bad input is one line and exit 2."""

import json
import subprocess
import sys

import pytest

from conftest import CITED, ROOT

SCRIPT = ROOT / "runners" / "tools" / "reproduce.py"


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_a_run_reproduces_itself_claim_for_claim(tmp_path):
    out = tmp_path / "same.json"
    proc = run(CITED, CITED, "--json", out)
    assert proc.returncode in (0, 1), proc.stderr
    got = json.loads(out.read_text())
    assert got["claims"] > 20 and got["flips"] == []
    assert got["within"] == 1.0 and got["b_in_a"] == 1.0 and got["a_in_b"] == 1.0
    assert set(got["by_where"]) == {"caches", "memory", "other"}
    assert all(g["within"] == 1.0 for g in got["by_where"].values())
    assert sum(g["numeric"] for g in got["by_where"].values()) == got["numeric"]
    assert "by where the claim is measured: in the caches 100.0% of" in proc.stdout
    assert set(got["points"]) == {"caches", "memory"} and all(g["within"] == 1.0 for g in got["points"].values())
    assert "points (a case at a size) within 10% of each other" in proc.stdout
    # the committed run still has checks that pass by more than 3x: named, so the exit is 1
    assert (proc.returncode == 1) == bool(got["loose"])
    assert ("targets met" in proc.stdout) == (proc.returncode == 0)


def test_one_case_three_times_slower_is_caught(tmp_path):
    data = json.loads(CITED.read_text())
    for b in data["benchmarks"]:
        if b.get("run_name", "").startswith("heap_vector/sum/"):
            b["real_time"] *= 3
            b["cpu_time"] *= 3
    slower = tmp_path / "slower.json"
    slower.write_text(json.dumps(data))
    out = tmp_path / "cmp.json"
    proc = run(CITED, slower, "--json", out)
    assert proc.returncode == 1, proc.stderr
    got = json.loads(out.read_text())
    moved = [k for k, m in got["moved"].items() if m > 0.10]
    # every claim on the vector moved by 3x (ratios by 2x or more) and only those
    assert moved and all("vector" in k or "heap_vector" in k for k in moved), moved
    assert got["within"] < 1.0 and got["b_in_a"] < 1.0
    assert any(line.startswith("  moved ") for line in proc.stdout.splitlines())
    # the vector's points moved, in the caches and beyond them, and only those
    cited = json.loads(CITED.read_text())
    l2 = next(c["size_bytes"] for c in cited["context"]["locality"]["caches"] if c["level"] == 2)
    in_caches = {b["run_name"] for b in cited["benchmarks"]
                 if b.get("run_type") == "iteration" and b["run_name"].startswith("heap_vector/sum/")
                 and b["working_set_bytes"] <= l2}
    g = got["points"]["caches"]
    assert in_caches and round((1 - g["within"]) * g["points"]) == len(in_caches)
    assert 0 < got["points"]["memory"]["within"] < 1.0


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    proc = run(CITED, bad)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("reproduce.py: error: ")
    out = tmp_path / "exists.json"
    out.write_text("keep")
    proc = run(CITED, CITED, "--json", out)
    assert proc.returncode == 2 and out.read_text() == "keep"


def test_only_a_bound_that_says_it_is_a_physical_limit_may_pass_by_far():
    import importlib.util

    spec = importlib.util.spec_from_file_location("reproduce", SCRIPT)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    claim = {"verdict": "agrees", "value": 50.0, "low": 45.0, "high": 55.0, "min": 5.0, "max": None, "kind": "value"}
    runs = {"core_to_core: costs at least 5 ns (a physical limit, not a typical value)": claim,
            "core_to_core: costs at least 5 ns": claim}
    out = tool.compare(runs, runs, 0.10)
    assert out["loose"] == ["core_to_core: costs at least 5 ns"]


def test_claims_from_another_file_judge_both_runs_and_the_table_names_them(tmp_path):
    # the same run judged by a copy whose one claim has a bound it cannot meet
    data = json.loads(CITED.read_text())
    families = data["context"]["locality"]["families"]
    family, desc = next((f, d) for f, d in families.items() if any(c["kind"] == "ratio" for c in d["claims"]))
    ratios = [c for d in families.values() for c in d["claims"] if c["kind"] == "ratio" and not c.get("per")]
    claim = next(c for c in desc["claims"] if c["kind"] == "ratio")
    claim["says"] = "a bound no run meets"
    claim["min"], claim["max"] = 1e9, None
    # and one every run passes by far: a loose check, so the targets are not met
    loose = next(c for c in ratios if c is not claim)
    loose["says"] = "a bound every run passes by far"
    loose["min"], loose["max"] = 1e-9, None
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    table = tmp_path / "claims.md"
    proc = run(CITED, CITED, "--claims-from", other, "--json", tmp_path / "o.json", "--markdown", table)
    assert proc.returncode == 1, proc.stderr
    got = json.loads((tmp_path / "o.json").read_text())
    assert got["flips"] == [] and got["claims"] > 20
    assert [k for k in got["loose"] if "a bound every run passes by far" in k], got["loose"]
    rows = [r for r in table.read_text().splitlines() if r.startswith(f"| {family}: a bound no run meets |")]
    assert len(rows) == 1 and rows[0].count("disagrees") == 2, rows
    assert table.read_text().splitlines()[0].count(CITED.name) == 2
    # the table, like the JSON, is never written over
    proc = run(CITED, CITED, "--markdown", table)
    assert proc.returncode == 2 and proc.stderr.startswith("reproduce.py: error: cannot write")


def test_a_third_run_is_judged_against_the_range_over_two_pooled():
    import importlib.util

    spec = importlib.util.spec_from_file_location("reproduce", SCRIPT)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    pooled = {"a": {"value": 1.5, "low": 1.0, "high": 2.0}, "b": {"value": 1.5, "low": 1.0, "high": 2.0},
              "c": {"value": 1.0, "low": float("nan"), "high": float("nan")}}
    third = {"a": {"value": 1.9}, "b": {"value": 2.5}, "c": {"value": 1.0}}
    assert tool.held_out(pooled, third) == (0.5, 2)  # c has no range: not counted
    # the run pooled with itself covers itself
    proc = run(CITED, CITED, "--held-out", CITED)
    assert proc.returncode in (0, 1), proc.stderr
    line = next(x for x in proc.stdout.splitlines() if "pooled" in x)
    assert "100.0% of" in line, line


def test_the_within_share_is_also_given_by_where_the_claims_are_measured():
    """A claim whose points all fit in the caches, one that reaches beyond
    the last level (its region or a growth's end) and one over every size
    are counted apart: here only the one reaching memory moved."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("reproduce", SCRIPT)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.where_measured({"at": "in:L1"}) == "caches"
    assert tool.where_measured({"at": "in:L1", "to": "in:L2"}) == "caches"
    assert tool.where_measured({"at": "in:L1", "to": "beyond:LLC"}) == "memory"
    assert tool.where_measured({"at": "beyond:LLC"}) == "memory"
    assert tool.where_measured({"at": "first", "to": "last"}) == "other"
    assert tool.where_measured({}) == "other"

    def claim(value, where):
        return {"verdict": "agrees", "value": value, "low": value / 2, "high": value * 2, "min": 0.1, "max": None,
                "kind": "ratio", "where": where}
    a = {"f: in L1": claim(2.0, "caches"), "f: beyond": claim(2.0, "memory"), "f: every size": claim(2.0, "other")}
    b = {"f: in L1": claim(2.05, "caches"), "f: beyond": claim(3.0, "memory"), "f: every size": claim(2.1, "other")}
    out = tool.compare(a, b, 0.10)
    assert out["by_where"] == {"caches": {"numeric": 1, "within": 1.0}, "memory": {"numeric": 1, "within": 0.0},
                               "other": {"numeric": 1, "within": 1.0}}
    assert out["within"] == pytest.approx(2 / 3)
