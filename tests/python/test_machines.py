"""bench_all on machines this one is not: synthetic topologies given to hwloc
as XML (HWLOC_XMLFILE). The planner, --list, --dry-run and the report must
hold on each: the run planned within ten minutes, every cache figure that
was not trusted named, with what was used instead."""
from __future__ import annotations

import os
import re
import sys

import pytest

import machines
from conftest import SMALL_FILTER, load_json, run
from locality.report.load import validate

BUDGET_S = 600
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def seconds(text: str) -> float:
    m = re.fullmatch(r"(?:(\d+) min )?(\d+) s", text.strip())
    assert m, text
    return int(m[1] or 0) * 60 + int(m[2])


def size(text: str) -> float:
    number, unit = text.split()
    return float(number) * UNITS[unit]


@pytest.fixture(scope="module", params=machines.MACHINES, ids=lambda m: m.name)
def machine(request, tmp_path_factory):
    path = machines.write(request.param, tmp_path_factory.mktemp("xml"))
    env = dict(os.environ, HWLOC_XMLFILE=str(path))
    return request.param, env


def dry_run(bench_all, env, *args):
    proc = run([bench_all, "--dry-run", *args], env=env)
    assert proc.returncode == 0, proc.stderr
    head = re.search(r"^(\d+) benchmarks; ladders sized for a (.+?) last-level cache \((\S+)\)", proc.stdout, re.M)
    est = re.search(r"^estimated time: (.+?) of a (.+?) budget", proc.stdout, re.M)
    assert head and est, proc.stdout[-2000:]
    return proc, int(head[1]), size(head[2]), head[3], seconds(est[1]), seconds(est[2])


def expected_llc(m: machines.Synthetic) -> tuple[float, str]:
    """The last level the ladders should be sized for, from the machine's
    description and the stated rules, computed here independently."""
    data = [c for c in m.caches if c.kind != "instruction"]
    if not data:
        return 32 * machines.MiB, "assumed"
    llc = max(data, key=lambda c: c.depth)
    sharing = 1 if llc.per_core else m.cores
    if llc.size / sharing > 128 * machines.MiB or llc.size > m.memory / 8:
        return 32 * machines.MiB, "fallback"
    return llc.size, "hwloc"


def test_the_default_run_is_planned_within_ten_minutes(bench_all, machine):
    m, env = machine
    proc, planned, llc, source, estimate, budget = dry_run(bench_all, env)
    assert budget == BUDGET_S
    assert estimate <= BUDGET_S, proc.stdout[-1500:]
    assert planned > 0
    want_llc, want_source = expected_llc(m)
    assert (source, llc) == (want_source, pytest.approx(want_llc, rel=0.05))
    # what the plan left out for time is said, with the way to get it
    cut = re.search(r"^cut for time: (\d+) of (\d+) benchmarks.*--full", proc.stdout, re.M)
    skipped_for_time = [line for line in proc.stdout.splitlines() if "time budget" in line]
    if cut:
        assert int(cut[1]) == len(skipped_for_time)
    else:
        assert not skipped_for_time


def test_full_plans_everything_and_says_it_is_over_the_budget(bench_all, machine):
    m, env = machine
    _, planned, _, _, trimmed, _ = dry_run(bench_all, env)
    proc, full, _, _, estimate, _ = dry_run(bench_all, env, "--full")
    assert full >= planned and estimate >= trimmed
    assert "cut for time" not in proc.stdout and "time budget" not in proc.stdout
    if estimate > BUDGET_S:
        assert "over the budget: nothing is cut with --full" in proc.stdout


def test_list_shows_the_ladders_of_the_cache_it_uses(bench_all, machine):
    m, env = machine
    proc = run([bench_all, "--list"], env=env)
    assert proc.returncode == 0, proc.stderr
    llc, _ = expected_llc(m)
    sizes = [int(n) for n in re.search(r"^heap_vector\n(?:.*\n)*?  sizes \(ints\):([ \d]+)$", proc.stdout, re.M)[1].split()]
    # the shared ladder ends at the first power of two of ints at least twice the last level
    assert sizes[-1] * 4 >= 2 * llc and sizes[-2] * 4 < 2 * llc


def test_the_report_names_every_cache_figure_it_did_not_trust(bench_all, machine, tmp_path):
    m, env = machine
    out = tmp_path / "r.json"
    proc = run([bench_all, "--quick", SMALL_FILTER, "--benchmark_min_time=0.001", "--out", out], env=env)
    assert proc.returncode == 0, proc.stderr
    data = load_json(out)
    validate(out, data)
    notes = data["context"]["locality"]["machine"]["cache_notes"]
    want_llc, source = expected_llc(m)
    if source == "hwloc":
        assert not [n for n in notes if n["field"] == "size"]
    else:
        assert [n for n in notes if n["field"] == "size" and n["level"] == 3]
    if any(c.ways == 0 for c in m.caches):
        assert notes, "an unknown associativity is noted"
    report = run([sys.executable, "-m", "locality.report", out, "-o", tmp_path / "rep"])
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "rep" / "report.md").read_text()
    for n in notes:
        assert f"L{n['level']}" in text and n["reported"] in text and n["used"] in text, n
    if source == "fallback":
        assert "508 MiB" in text and "32 MiB" in text
