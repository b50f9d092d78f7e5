"""The class gallery: many result files, one page and one summary table,
with every number traceable to the files and every gap shown as missing.

The class is made from a real result file by class_files.py (machines with
their own caches and speeds, one without latency, one without caches, one
plain Google Benchmark file, one machine with two runs). The numbers are
computed again here from the raw JSON, by the rules the page states."""

import csv
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from class_files import factor, write_class
from conftest import FIXTURES
from test_html import CHROMIUM, FLAGS

COUNT = 9  # files: pc000 ... pc007, and pc004 twice (two runs)


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> list[Path]:
    return write_class(FIXTURES / "vm-quick.json", tmp_path_factory.mktemp("class"), COUNT)


def gallery(files, out, *extra):
    return subprocess.run([sys.executable, "-m", "locality.report", "--gallery", "-o", str(out), *extra,
                           *map(str, files)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def made(klass, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gallery") / "class"
    proc = gallery(klass, out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / "index.html")
    return out


def rows(folder: Path) -> dict[str, dict]:
    with open(folder / "gallery.csv", newline="") as f:
        return {r["machine"]: r for r in csv.DictReader(f)}


def expected(path: Path) -> dict:
    """The page's numbers for one file, from its raw entries: the minimum
    over repetitions at the largest working set inside each level."""
    data = json.loads(path.read_text())
    loc = data["context"]["locality"]
    size = {c["level"]: c["size_bytes"] for c in loc["caches"] if c["type"] != "Instruction"}
    l1, l2, llc = size[1], size[2], size[max(size)]
    regions = {"l1": (0, l1 / 2), "l2": (2 * l1, l2 / 2), "llc": (2 * l2, llc / 2), "memory": (2 * llc, math.inf)}
    reps: dict[str, list] = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration":
            reps.setdefault(b["run_name"], []).append(b)

    def per_unit(name):
        return min(b["real_time"] / b["elements"] for b in reps[name])

    out = {}
    for family, case, key, convert in (("latency", "random_chase", "latency_{}_ns", lambda ns: ns),
                                       ("bandwidth", "read", "read_{}_gbs", lambda ns: 8 / ns)):
        names = [n for n in reps if n.startswith(f"{family}/{case}/")]
        for level, (low, high) in regions.items():
            inside = [n for n in names if low <= reps[n][0]["working_set_bytes"] <= high]
            best = max(inside, key=lambda n: reps[n][0]["working_set_bytes"], default=None)
            out[key.format(level)] = convert(per_unit(best)) if best else None
    sizes = [int(n.split("/")[2]) for n in reps if n.startswith("scattered_nodes/list_sum/")
             and f"heap_vector/sum/{n.split('/')[2]}" in reps]
    n = max(sizes)
    out["list_vs_vector"] = per_unit(f"scattered_nodes/list_sum/{n}") / per_unit(f"heap_vector/sum/{n}")
    return out


def test_one_row_per_machine_with_the_numbers_of_its_files(made, klass):
    table = rows(made)
    # eight machines: seven with a host of their own, the plain Google
    # Benchmark file under its context's host name; pc004's two runs pooled
    assert len(table) == COUNT - 1
    assert table["pc004"]["runs"] == "2" and set(table["pc004"]["files"].split()) == {"pc004.json", "pc004-run2.json"}
    for name in ("pc000", "pc005", "pc006", "pc007"):
        row, want = table[name], expected(next(p for p in klass if p.name == f"{name}.json"))
        assert row["cpu"] and row["l1d_bytes"] == "32768"
        for key, value in want.items():
            if value is None:
                assert row[key] == "" and key.split("_")[1] in row["missing"].lower().replace("last level", "llc"), (name, key)
            else:
                assert float(row[key]) == pytest.approx(value, rel=1e-5), (name, key)
    # the factors class_files gave the machines come back out of the table
    assert float(table["pc005"]["latency_memory_ns"]) / float(table["pc000"]["latency_memory_ns"]) \
        == pytest.approx(factor(5) / factor(0), rel=1e-5)


def test_what_a_file_lacks_is_missing_with_why(made):
    table = rows(made)
    assert all(table["pc001"][f"latency_{lv}_ns"] == "" for lv in ("l1", "l2", "llc", "memory"))
    assert "latency/random_chase was not run" in table["pc001"]["missing"]
    assert table["pc001"]["read_l1_gbs"] != ""
    assert table["pc002"]["l1d_bytes"] == "" and "the caches are unknown" in table["pc002"]["missing"]
    assert table["pc002"]["list_vs_vector"] != ""  # needs no cache sizes
    plain = next(r for r in table.values() if r["files"] == "pc003.json")
    assert plain["read_l1_gbs"] == plain["latency_l1_ns"] == plain["list_vs_vector"] == ""
    assert "a plain Google Benchmark file does not say which case is the gallery's latency" in plain["missing"]
    html = (made / "index.html").read_text()
    assert html.count('class="missing"') == sum(
        r[k] == "" for r in table.values() for k in r
        if k.startswith(("latency_", "read_", "l1d", "l2_", "llc_")) or k == "list_vs_vector")
    assert "latency/random_chase was not run" in html
    md = (made / "gallery.md").read_text()
    assert "Why values are missing" in md and "pc001: latency L1, latency L2" in md


def test_the_columns_follow_the_cases_the_file_marks(klass, tmp_path):
    """The gallery reads the cases a file's descriptors mark for it: moved
    marks move the numbers, and a file without marks says so."""
    source = json.loads(klass[0].read_text())
    families = source["context"]["locality"]["families"]
    for c in families["latency"]["cases"]:
        c.pop("gallery", None)
        if c["name"] == "sequential_chase":
            c["gallery"] = "latency"
    for c in families["scattered_nodes"]["cases"]:
        c.pop("gallery", None)
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(source))
    proc = gallery([moved], tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    row = next(iter(rows(tmp_path / "out").values()))
    sequential = [b for b in source["benchmarks"] if b["name"].startswith("latency/sequential_chase/")
                  and b.get("run_type") == "iteration"]
    assert float(row["latency_memory_ns"]) == pytest.approx(
        min(b["real_time"] / b["elements"] for b in sequential
            if b["working_set_bytes"] == max(s["working_set_bytes"] for s in sequential)), rel=1e-5)
    assert row["list_vs_vector"] == "" and "no case of the file is marked as the gallery's scattered case" \
        in row["missing"]
    assert "Latency: latency/sequential\\_chase" in (tmp_path / "out" / "gallery.md").read_text()


def test_page_table_and_figures_agree(made):
    html = (made / "index.html").read_text()
    table = rows(made)
    assert html.count("<tr>") == 1 + len(table)
    figures = sorted((made / "figures").glob("*.png"))
    assert len(figures) == len(table) and all(f'src="figures/{f.name}"' in html for f in figures)
    import matplotlib.image

    for f in figures:
        pixels = matplotlib.image.imread(f)
        assert pixels.shape[1] > 500 and pixels.std() > 0.05
    assert (made / "overview.svg").read_text().count("<path") > len(table)
    md_rows = [line for line in (made / "gallery.md").read_text().splitlines() if line.startswith("| pc")]
    assert len(md_rows) == len(table) - 1  # the plain file is named after its context's host


def _screenshot(page: Path, folder: Path) -> "numpy.ndarray":
    shot = folder / "shot.png"
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={folder / 'profile'}", "--enable-logging=stderr",
                           "--v=0", "--window-size=1400,4000", f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert shot.is_file(), proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    import matplotlib.image

    return matplotlib.image.imread(shot)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (runners/test.sh installs Debian's)")
def test_chromium_shows_the_gallery_and_its_figures_without_console_errors(made, tmp_path):
    shown = _screenshot(made / "index.html", tmp_path)
    # the same page with its figures gone: where the figures were, the
    # screenshots must differ (the figures load and are drawn)
    bare = tmp_path / "bare"
    shutil.copytree(made, bare)
    for png in (bare / "figures").glob("*.png"):
        png.unlink()
    (tmp_path / "b").mkdir()
    without = _screenshot(bare / "index.html", tmp_path / "b")
    drawn = np.where(shown.std(axis=(1, 2)) > 0.01)[0]
    assert drawn.max() > 2000  # the table, the overview, then the figures
    lower = slice(drawn.max() // 2, drawn.max())
    assert np.abs(shown[lower] - without[lower]).mean() > 0.02
    # the window a reader sees first, kept to be looked at ($LOCALITY_SCREENSHOTS)
    folder = Path(os.environ.get("LOCALITY_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    import matplotlib.image

    matplotlib.image.imsave(folder / "gallery-top.png", shown[:900, :, :3])


def test_a_bad_file_stops_the_gallery_naming_every_bad_file(klass, tmp_path):
    truncated = tmp_path / "truncated.json"
    truncated.write_text(klass[0].read_text()[:5000])
    data = json.loads(klass[5].read_text())
    entry = next(b for b in data["benchmarks"] if b["name"].startswith("latency/random_chase/"))
    del entry["working_set_bytes"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    out = tmp_path / "out"
    proc = gallery([*klass, truncated, broken], out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert str(truncated) in lines[0] and "not valid JSON" in lines[0]
    assert str(broken) in lines[1] and "working_set_bytes: missing" in lines[1]
    assert "2 of" in lines[2] and "no gallery written" in lines[2]
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_hosts_are_renamed_or_hidden_and_a_twice_given_file_is_read_once(klass, tmp_path):
    out = tmp_path / "g"
    proc = gallery([*klass, klass[0]], out, "--label", "pc000=lab-1", "--label", "pc006=")
    assert proc.returncode == 0, proc.stderr
    assert "is the same result as" in proc.stderr
    table = rows(out)
    assert "lab-1" in table and "pc000" not in table
    assert not any(name.startswith("pc006") for name in table)
    page = (out / "index.html").read_text()
    assert "pc000" not in page.replace("pc000.json", "") and "pc006" not in page.replace("pc006.json", "")


def test_an_existing_folder_is_never_replaced_without_force(made, klass):
    before = sorted(p.name for p in made.rglob("*"))
    proc = gallery(klass[:2], made)
    assert proc.returncode == 2 and "exists" in proc.stderr
    assert sorted(p.name for p in made.rglob("*")) == before
    proc = gallery(klass[:2], made, "--force")
    assert proc.returncode == 0, proc.stderr
    assert len(rows(made)) == 2


def test_gallery_needs_an_output_folder(klass):
    proc = subprocess.run([sys.executable, "-m", "locality.report", "--gallery", str(klass[0])],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--gallery needs -o DIR" in proc.stderr


def test_the_speed_check_script_runs(tmp_path):
    """runners/gallery_speed.sh (200 files, under a minute) works on a small
    class; its time is reported, not asserted, here."""
    script = Path(__file__).resolve().parents[2] / "runners" / "gallery_speed.sh"
    proc = subprocess.run(["bash", str(script), "6"], capture_output=True, text=True, timeout=600,
                          env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                               "LOCALITY_PYTHON": sys.executable, "TMPDIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert "gallery of 6 result files rendered in" in proc.stdout
