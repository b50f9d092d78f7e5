"""Hostile and odd result files: every one gives a report, or one line and
exit 2; none a traceback. Plain Google Benchmark files are made here."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest


def plain(names, **changes) -> dict:
    """A plain Google Benchmark file (no context.locality), one entry per name."""
    benchmarks = []
    for i, name in enumerate(names):
        b = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 3,
             "threads": 1, "iterations": 1000, "cpu_time": 10.0 + i, "time_unit": "ns"}
        benchmarks += [dict(b, repetition_index=r, real_time=10.0 + i + r) for r in range(3)]
    for b in benchmarks:
        b.update(changes)
    return {"context": {"date": "2026-12-04T00:00:00+00:00", "host_name": "lab", "executable": "./bm",
                        "num_cpus": 2, "mhz_per_cpu": 2000, "cpu_scaling_enabled": False, "caches": [],
                        "load_avg": [], "library_build_type": "release"},
            "benchmarks": benchmarks}


def locality_report(*args, cwd):
    return subprocess.run([sys.executable, "-m", "locality.report", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def write(tmp_path, name, data) -> str:
    text = json.dumps(data) if not isinstance(data, str) else data
    (tmp_path / name).write_text(text)
    return name


def one_line(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return proc.stderr


def test_compare_of_plain_files_whose_names_have_no_size(tmp_path):
    a = write(tmp_path, "a.json", plain(["BM_x", "BM_y"]))
    b = write(tmp_path, "b.json", plain(["BM_x", "BM_y"], real_time=30.0))
    proc = locality_report(a, b, "--compare", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "BM_x" in proc.stdout and "2 benchmarks in both" in proc.stdout


def test_compare_of_files_with_nothing_in_common_says_so(tmp_path):
    a = write(tmp_path, "a.json", plain(["BM_x/8"]))
    b = write(tmp_path, "b.json", plain(["BM_z/8"]))
    assert "no benchmark in common" in one_line(locality_report(a, b, "--compare", cwd=tmp_path))


@pytest.mark.parametrize("field, value, said", [
    ("elements", 1e30, "elements"),
    ("iterations", "10**400", "iterations"),
    ("real_time", 5e-324, "real_time"),
    ("real_time", -3.0, "real_time"),
    ("working_set_bytes", 1e300, "working_set_bytes"),
])
def test_numbers_no_benchmark_can_measure_are_one_line(tmp_path, field, value, said):
    data = plain(["BM_e/8"])
    text = json.dumps(data)
    if value == "10**400":
        text = text.replace('"iterations": 1000', '"iterations": ' + str(10**400))
    else:
        for b in data["benchmarks"]:
            b[field] = value
        text = json.dumps(data)
    name = write(tmp_path, "x.json", text)
    line = one_line(locality_report(name, cwd=tmp_path))
    assert f"].{said}:" in line, line
    assert not (tmp_path / "x").exists()


def test_failed_plain_benchmarks_are_said_and_kept_in_the_data(tmp_path):
    data = plain(["BM_ok/8", "BM_bad/8"])
    for b in data["benchmarks"]:
        if b["name"] == "BM_bad/8":
            b.update(error_occurred=True, error_message="it broke")
    name = write(tmp_path, "f.json", data)
    proc = locality_report(name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "BM_bad/8: it broke" in proc.stderr
    rows = list(csv.DictReader((tmp_path / "f" / "data.csv").read_text().splitlines()))
    assert {r["name"] for r in rows} == {"BM_ok/8", "BM_bad/8"}
    assert "it broke" in (tmp_path / "f" / "report.md").read_text()


def test_a_file_where_everything_failed_is_one_line(tmp_path):
    name = write(tmp_path, "f.json", plain(["BM_bad/8"], error_occurred=True, error_message="boom"))
    assert "no benchmark ran without an error" in one_line(locality_report(name, cwd=tmp_path))


def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised(tmp_path):
    evil = '=HYPERLINK("http://example.invalid","x")'
    data = plain([f"{evil}/8"])
    data["context"]["host_name"] = "+cmd|' /C calc'!A0"
    name = write(tmp_path, "i.json", data)
    proc = locality_report(name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for table in ("data.csv", "points.csv"):
        for row in csv.reader((tmp_path / "i" / table).read_text().splitlines()):
            for cell in row:
                assert not cell.startswith(("=", "+", "@")), (table, cell)
    data_csv = (tmp_path / "i" / "data.csv").read_text().splitlines()
    assert any(c.startswith("'=HYPERLINK") for row in csv.reader(data_csv) for c in row)
