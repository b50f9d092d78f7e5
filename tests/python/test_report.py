"""The report: renders from real result files, stops cleanly on bad ones."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, ROOT, load_json
from locality import __version__
from locality.report import ResultFileError, Summary, load_result, tidy
from locality.report.document import build_report
from locality.report.output import MARKER
from locality.report.plot import plot_family
from locality.report.tidy import caches
from locality.report.units import size_bytes
from locality.report.write import safe_filename


def report(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "locality.report", *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def test_version_has_one_source():
    assert __version__ == (ROOT / "VERSION").read_text().strip()


@pytest.fixture(scope="module")
def real_report(real_result):
    return build_report([load_result(real_result)])


def test_renders_every_figure_page_and_table(real_result, real_report, tmp_path):
    out = tmp_path / "rep"
    proc = report(real_result, "-o", out)
    assert proc.returncode == 0, proc.stderr
    families = load_result(real_result).families
    stems = {e.name for e in real_report.figures}
    # every family that ran has its figure, and the layouts their comparison
    assert {f"family-{f}" for f in families} <= stems
    assert {"comparison", "allocations", "node-gaps"} <= stems
    top = {p.name for p in out.iterdir()}
    assert {f"{s}.{ext}" for s in stems for ext in ("png", "svg")} <= top
    assert {"data.csv", "points.csv", "table.tex", "report.md", "report.html", "tables", "figures", MARKER} <= top
    for stem in stems:
        assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / f"{stem}.svg").read_text().lstrip().startswith("<?xml")
        assert (out / "figures" / f"{stem}.tex").read_text().count("\\label{") == 1
    assert {p.stem for p in (out / "tables").iterdir()} == set(families)
    md = (out / "report.md").read_text()
    for stem in stems:
        assert f"({stem}.png)" in md
    # the marker lists every file written, the nested ones too
    listed = set(json.loads((out / MARKER).read_text())["files"])
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != MARKER}
    assert listed == on_disk


def test_default_folder_is_named_after_the_result_file(quick_result):
    proc = report(quick_result)
    assert proc.returncode == 0, proc.stderr
    folder = quick_result.with_suffix("")
    assert (folder / "comparison.png").is_file()
    # A second run must not silently replace it.
    again = report(quick_result)
    assert again.returncode == 2 and "exists" in again.stderr
    assert report(quick_result, "--force").returncode == 0


def test_cache_sizes_are_marked_on_every_axis(real_result):
    result = load_result(real_result)
    summary = Summary(tidy([result]))
    family = "heap_vector"
    machine_caches = caches(result)
    sizes = {c["size_bytes"] for c in machine_caches}
    fig = plot_family(summary, family, result.families[family], machine_caches, {})
    for ax in fig.axes:
        if not ax.get_xlabel().startswith("working set"):
            continue
        marked = {line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == ":"}
        assert marked == sizes
        labels = {t.get_text() for t in ax.texts}
        assert {f"L{c['level']} {size_bytes(c['size_bytes'])}" for c in machine_caches} <= labels


def test_footer_names_machine_build_and_counters(real_result, real_report):
    loc = load_result(real_result).locality
    footer = next(e.figure for e in real_report.figures if e.name == "comparison").texts[-1].get_text()
    for words in (loc["cpu_model"], loc["compiler"], f"locality {loc['suite_version']}",
                  f"counters: {loc['counters']['backend']}", "LOC-vector-vs-list"):
        assert words in footer


def test_a_cache_size_not_used_as_reported_is_starred_and_explained_on_the_figure(real_result, real_report, tmp_path):
    """A figure copied into notes says which last-level size the suite used
    where it did not use the machine's: the marker is starred, and both the
    screen and the print footer say what was reported. Where every size was
    used as reported, nothing is starred."""
    data = load_json(real_result)
    caches = [c for c in data["context"]["locality"]["caches"] if c["type"] != "Instruction"]
    last = max(caches, key=lambda c: c["level"])
    machine = data["context"]["locality"].setdefault("machine", {})
    machine["cache_notes"] = [{"field": "size", "level": last["level"], "type": last["type"], "reported": "300 MiB",
                               "used": "32 MiB", "why": "more than 128 MiB per logical CPU sharing it (2)"}]
    noted = tmp_path / "noted.json"
    noted.write_text(json.dumps(data))
    name = f"L{last['level']} {size_bytes(last['size_bytes'])}"

    def texts(report):
        fig = next(e.figure for e in report.figures if e.name == "family-heap_vector")
        return fig.texts[-1].get_text(), [t.get_text() for ax in fig.get_axes() for t in ax.texts]

    for style in ("screen", "print"):
        footer, marks = texts(build_report([load_result(noted)], style=style))
        assert f"{name}*" in marks, marks
        assert "300 MiB reported" in footer, footer
    footer, marks = texts(real_report)
    assert name in marks and not any(m.endswith("*") for m in marks) and "reported" not in footer


def test_renamed_benchmarks_load_as_plain_json(real_result, tmp_path):
    data = load_json(real_result)
    del data["context"]["locality"]
    for b in data["benchmarks"]:
        b["name"] = b["run_name"] = "BM_" + b["run_name"].replace("/", "_", 1)
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(data))
    frame = tidy([load_result(plain)])
    assert set(frame["family"]) >= {"BM_heap_vector_sum"}
    assert frame["elements"].notna().all()


def one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize("content, field", [
    ("{not json", "JSON line 1"),
    ('{"a": 1}', "context"),
    ('{"context": {}, "benchmarks": []}', "benchmarks: empty"),
    ('[1, 2]', "(top level)"),
    ('{"context": {}, "benchmarks": [{"name": "x", "real_time": NaN, "time_unit": "ns"}]}', "benchmarks[0].real_time"),
    ('{"context": {}, "benchmarks": [{"name": "x", "real_time": Infinity, "time_unit": "ns"}]}', "real_time"),
    ('{"context": {}, "benchmarks": [{"name": "x", "real_time": -3, "time_unit": "ns"}]}', "benchmarks[0].real_time"),
])
def test_bad_files_give_one_clear_error(tmp_path, content, field):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    line = one_error_line(report(bad, "-o", tmp_path / "out"))
    assert str(bad) in line and field in line
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.json"], "partial output left behind"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["context"]["locality"].update(schema=99), "context.locality.schema"),
    (lambda d: d["context"]["locality"].pop("cpu_model"), "context.locality.cpu_model"),
    (lambda d: d["context"]["locality"]["counters"].update(backend="magic"),
     "context.locality.counters.backend"),
    (lambda d: d["benchmarks"][0].pop("working_set_bytes"), "benchmarks[0].working_set_bytes"),
    (lambda d: d["benchmarks"][1].update(name="x", run_name="../../x"), "benchmarks[1]"),
])
def test_contract_violations_name_the_field(real_result, tmp_path, mutate, field):
    data = load_json(real_result)
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ResultFileError) as err:
        load_result(bad)
    assert err.value.field.startswith(field), err.value
    assert field in one_error_line(report(bad, "-o", tmp_path / "out"))


def test_missing_file_and_folder_are_clear_errors(tmp_path):
    assert "no such file" in one_error_line(report(tmp_path / "absent.json", "-o", tmp_path / "out"))
    (tmp_path / "d.json").mkdir()
    assert "folder" in one_error_line(report(tmp_path / "d.json", "-o", tmp_path / "out"))


def test_names_never_become_paths_unsanitised():
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert "/" not in safe_filename("family-a/b/c")
    assert safe_filename("...") == "figure"


def test_help_and_bad_options_are_one_line():
    proc = report("--help")
    assert proc.returncode == 0 and "RESULT.json" in proc.stdout and "--style" in proc.stdout
    assert "--formats" in one_error_line(report("x.json", "--formats", "gif"))
    assert "HOST=NAME" in one_error_line(report("x.json", "--label", "nope"))


def test_simulated_misses_get_their_own_labelled_figure():
    sim = FIXTURES / "vm-simulated.json"
    rep = build_report([load_result(sim)])
    figures = {e.name: e.figure for e in rep.figures}
    assert "misses-simulated" in figures and "misses-papi" not in figures
    fig = figures["misses-simulated"]
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert len(titles) == 3 and all("simulated" in t for t in titles)
    assert "counters: simulated" in fig.texts[-1].get_text()
    assert any("no hardware counters" in w for w in rep.warnings)
    assert not any("Use --simulate" in w for w in rep.warnings)
    # the plotted vector line beyond L2 sits at one miss per 16 ints
    ax = fig.axes[0]
    vector = next(line for line in ax.lines if line.get_label() == "std::vector")
    l2 = next(c["size_bytes"] for c in load_result(sim).locality["caches"] if c["level"] == 2)
    beyond = [y for x, y in zip(vector.get_xdata(), vector.get_ydata()) if x >= 2 * l2]
    assert beyond and beyond[-1] == pytest.approx(1 / 16, rel=0.02)


def test_a_file_without_miss_counters_gets_no_misses_figure(real_report):
    assert not any(e.name.startswith("misses-") for e in real_report.figures)
    for e in real_report.figures:
        assert not any("misses" in ax.get_title(loc="left") for ax in e.figure.axes), e.name


def test_family_figures_show_the_misses_under_the_times(tmp_path):
    """Where a family's curves have miss counts, a panel under the times
    draws them per case, on the same working-set axis, in the case's look."""
    sim = FIXTURES / "vm-simulated.json"
    rep = build_report([load_result(sim)])
    figures = {e.name: e.figure for e in rep.figures}
    fig = figures["family-scattered_nodes"]
    times, misses = fig.axes[0], fig.axes[1]
    assert "Misses" in misses.get_title(loc="left") and "simulated" in misses.get_title(loc="left")
    assert misses.get_xlim() == times.get_xlim()
    drawn = {line.get_gid(): line for line in misses.lines if line.get_gid()}
    cases = {"scattered_nodes/list_sum", "scattered_nodes/list_sum_fresh"}
    assert set(drawn) == {f"{c}/{level}" for c in cases for level in ("L1d", "L2", "last level")}
    for gid, line in drawn.items():
        timed = next(t for t in times.lines if t.get_gid() == gid.rsplit("/", 1)[0])
        assert (line.get_color(), line.get_marker()) == (timed.get_color(), timed.get_marker())
    # the levels differ in line style, named in the panel's own legend
    assert drawn["scattered_nodes/list_sum/L1d"].get_linestyle() != drawn["scattered_nodes/list_sum/L2"].get_linestyle()
    assert [t.get_text() for t in misses.get_legend().get_texts()] == ["L1d", "L2", "last level"]
    # the shuffled list misses about once per node beyond L1
    shuffled = drawn["scattered_nodes/list_sum/L1d"].get_ydata()
    assert shuffled[-1] == pytest.approx(1, rel=0.05)
    # the same figure from the file without its counts has no such panel
    data = load_json(sim)
    for b in data["benchmarks"]:
        for key in [k for k in b if k.startswith("sim_")]:
            del b[key]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(data))
    plain = {e.name: e.figure for e in build_report([load_result(bare)]).figures}["family-scattered_nodes"]
    assert len(plain.axes) == len(fig.axes) - 1
    assert not any("misses" in ax.get_title(loc="left") for ax in plain.axes)


def test_warnings_name_noise_the_debug_library_and_missing_counters(real_report, quick_report):
    text = "\n".join(real_report.warnings)
    assert re.search(r"\d+ of \d+ points have a 95% interval wider than \+-5%", text) or \
        all(not p.noisy for p in real_report.summary if p.n >= 2)
    assert "built as debug" in text and "no hardware counters" in text
    assert any("One repetition per point" in w for w in quick_report.warnings)


@pytest.fixture(scope="module")
def quick_report(quick_result):
    return build_report([load_result(quick_result)])


def test_markdown_csv_and_latex_tables(real_result, real_report, tmp_path):
    out = tmp_path / "rep"
    proc = report(real_result, "-o", out)
    assert proc.returncode == 0, proc.stderr
    md = (out / "report.md").read_text()
    for section in ("## Machines", "## Warnings", "## The key numbers", "## Figures", "## How to cite"):
        assert section in md
    assert md.count("*LOC-") == len(real_report.figures)
    csv = pd.read_csv(out / "data.csv")
    assert {"time_per_elem_ns", "working_set_bytes", "repetition", "unit_name", "statistic"} <= set(csv.columns)
    points = pd.read_csv(out / "points.csv")
    assert {"value", "ci_low", "ci_high", "count", "runs"} <= set(points.columns)
    assert (points["ci_low"] <= points["value"]).all() and (points["value"] <= points["ci_high"]).all()
    tex = (out / "table.tex").read_text()
    assert "\\toprule" in tex and "\\bottomrule" in tex


def test_pdf_on_request(real_result, tmp_path):
    proc = report(real_result, "-o", tmp_path / "rep", "--pdf")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "rep" / "comparison.pdf").read_bytes()[:5] == b"%PDF-"


def test_node_gaps_figure_from_measured_distribution(real_report):
    entry = next(e for e in real_report.figures if e.name == "node-gaps")
    assert re.search(r"shuffled: under 0\.01% of steps|shuffled: [0-9.]+% of steps", entry.caption)
    assert "fresh heap: 100% of steps" in entry.caption


def test_real_plain_google_benchmark_file_renders_what_it_has(tmp_path):
    plain = Path("/usr/share/benchmark/gbench/Inputs/test1_run1.json")
    if not plain.is_file():
        pytest.fail(f"{plain} missing: install Debian's libbenchmark-tools")
    proc = report(plain, "-o", tmp_path / "rep")
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "LOC-plain" in md and "missing" in md and "No comparison case ran" in md


def test_numbers_from_pandas_are_written_as_numbers(real_result):
    """Counts and sizes that come out of a pandas table are numpy scalars:
    they are formatted like Python numbers, never as "n/a"."""
    import numpy as np

    from locality.report import units
    from locality.report.document import build_report

    assert units.count(np.int64(16777216)) == "16 Mi" and units.count(16777216) == "16 Mi"
    assert units.number(np.float64(0.3001)) == "0.3" and units.size_bytes(np.int64(4096)) == "4 KiB"
    assert units.count(True) == "n/a"
    rep = build_report([load_result(real_result)])
    caption = next(e.caption for e in rep.figures if e.name == "comparison")
    assert caption.startswith("At ") and "n/a" not in caption, caption
    assert re.match(r"At [0-9,]+( [KMG]i)? elements the ", caption), caption


def _cycles_shown(rep) -> bool:
    """Whether any figure has a cycles axis or any caption a number of cycles."""
    labels = [a.get_ylabel() for e in rep.figures for a in e.figure.get_axes()]
    return any(label.startswith("cycles per") for label in labels) \
        or any(re.search(r"\d cycles", e.caption + e.details) for e in rep.figures)


def test_a_clock_no_core_runs_at_gives_no_cycles_and_says_why(real_result, real_report, tmp_path):
    """An add chain faster than one add per cycle (Intel's renamer folds
    add-immediates from Golden Cove on: 15.7 "GHz" on a 2.1 GHz Xeon) is not
    a clock: no cycles are derived from it, and the report says why."""
    assert _cycles_shown(real_report)  # the file's own clock is converted
    data = load_json(real_result)
    data["context"]["locality"]["clock"]["before"]["ghz"] = 15.7
    bad = tmp_path / "fast-clock.json"
    bad.write_text(json.dumps(data))
    rep = build_report([load_result(bad)])
    assert not _cycles_shown(rep)
    assert any("the probed clock, 15.7 GHz, is outside what any core runs at" in w for w in rep.warnings)


def _cycle_numbers(rep) -> list[str]:
    return [m for e in rep.figures for m in re.findall(r"([\d.]+) cycles", e.caption + e.details)]


def test_cycles_use_the_faster_clock_probe_and_say_when_the_probes_differ(real_result, tmp_path):
    """A probe that shared its core reads slow, never fast: a slow probe
    before the run changes no cycle count, and the machine line says the
    probes differ; probes that agree say nothing."""
    from locality.report.texts import clock_text, probed_ghz

    data = load_json(real_result)
    loc = data["context"]["locality"]
    after = loc["clock"]["after"]["ghz"]
    loc["clock"]["before"]["ghz"] = after
    same = tmp_path / "same-probes.json"
    same.write_text(json.dumps(data))
    assert "differ" not in clock_text(loc)
    loc["clock"]["before"]["ghz"] = after / 1.3
    slow = tmp_path / "slow-probe-before.json"
    slow.write_text(json.dumps(data))
    assert probed_ghz(loc) == after
    assert "the clock probes differ" in clock_text(loc) and "cycles use the faster" in clock_text(loc)
    shown = _cycle_numbers(build_report([load_result(same)]))
    assert shown and _cycle_numbers(build_report([load_result(slow)])) == shown


def test_no_point_is_called_last_level_where_the_latency_curve_does_not_confirm_its_size():
    """The cited run's latency curve steps at 4 MiB beyond L2 while the
    last level used is 32 MiB: its 16 MiB point is memory as likely as L3,
    so the highlights name none "in the last level" and say why; with the
    size confirmed they would."""
    from conftest import CITED
    from locality.report.document import highlights
    from locality.report.tidy import caches

    result = load_result(CITED)
    rep = build_report([result])
    levels = rep.checks["latency"][next(iter(rep.checks["latency"]))]
    if levels.marks.get("llc_confirmed", True):
        pytest.skip("the cited run's curve confirms its last level")
    details = next(e.details for e in rep.figures if e.figure_id == "LOC-latency")
    assert "in the last level (" not in details
    assert "none named in the last level, whose size the latency curve does not confirm" in details
    series = rep.summary.series()[0]
    trusting = highlights(rep.summary, series, "latency", rep.families["latency"], caches(result), None, True)
    assert "in the last level (" in trusting
