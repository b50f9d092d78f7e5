"""The report: renders from real result files, stops cleanly on bad ones."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, load_json
from locality import __version__
from locality.report import ResultFileError, load_result, tidy
from locality.report.checks import check_family, fmt
from locality.report.document import build_report
from locality.report.plot import format_bytes, plot_family
from locality.report.tidy import caches
from locality.report.write import safe_filename

FAMILIES = {"stack_array", "heap_vector", "scattered_nodes", "arena_nodes"}


def report(*args):
    return subprocess.run([sys.executable, "-m", "locality.report", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_version_has_one_source():
    assert __version__ == (ROOT / "VERSION").read_text().strip()


def build_figures(results):
    return {e.name: e.figure for e in build_report(results).figures}


def test_renders_every_figure_in_png_and_svg_with_tables(real_result, tmp_path):
    out = tmp_path / "rep"
    proc = report(real_result, "-o", out)
    assert proc.returncode == 0, proc.stderr
    stems = ["comparison", "allocations"] + [f"family-{f}" for f in FAMILIES]
    expected = [f"{s}.{ext}" for s in stems for ext in ("png", "svg")]
    assert sorted(p.name for p in out.iterdir()) == sorted(expected + ["data.csv", "table.tex", "report.md",
                                                              ".locality-report"])
    for stem in stems:
        assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / f"{stem}.png").stat().st_size > 20_000
        assert (out / f"{stem}.svg").read_text().lstrip().startswith("<?xml")
    md = (out / "report.md").read_text()
    for stem in stems:
        assert f"({stem}.png)" in md


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
    frame = tidy([result])
    machine_caches = caches(result)
    sizes = {c["size_bytes"] for c in machine_caches}
    assert sizes == {32768, 1048576, 33554432}  # the VM the fixture came from
    fig = plot_family(frame, "heap_vector", machine_caches, {})
    for ax in fig.axes:
        marked = {line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == ":"}
        assert marked == sizes
        labels = {t.get_text() for t in ax.texts}
        assert {"L1 32 KiB", "L2 1 MiB", "L3 32 MiB"} <= labels


def test_footer_names_machine_build_and_counters(real_result):
    figures = build_figures([load_result(real_result)])
    footer = figures["comparison"].texts[-1].get_text()
    for words in ("AMD EPYC", "GNU", "locality 0.1.0", "counters: none", "debug",
                  "LOC-vector-vs-list"):
        assert words in footer


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


@pytest.mark.parametrize("content, field", [
    ("{not json", "JSON line 1"),
    ('{"a": 1}', "context"),
    ('{"context": {}, "benchmarks": []}', "benchmarks: empty"),
    ('[1, 2]', "(top level)"),
])
def test_bad_files_give_one_clear_error(tmp_path, content, field):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = report(bad, "-o", tmp_path / "out")
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and field in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.json"], "partial output left behind"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["context"]["locality"].update(schema=99), "context.locality.schema"),
    (lambda d: d["context"]["locality"].pop("cpu_model"), "context.locality.cpu_model"),
    (lambda d: d["context"]["locality"]["counters"].update(backend="magic"),
     "context.locality.counters.backend"),
    (lambda d: d["benchmarks"][0].pop("working_set_bytes"), "benchmarks[0].working_set_bytes"),
    (lambda d: d["benchmarks"][1].update(name="x", run_name="../../x"), "benchmarks[1].name"),
])
def test_contract_violations_name_the_field(real_result, tmp_path, mutate, field):
    data = load_json(real_result)
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ResultFileError) as err:
        load_result(bad)
    assert err.value.field == field
    proc = report(bad, "-o", tmp_path / "out")
    assert proc.returncode == 2 and field in proc.stderr and "Traceback" not in proc.stderr


def test_missing_file_is_a_clear_error(tmp_path):
    proc = report(tmp_path / "absent.json", "-o", tmp_path / "out")
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_names_never_become_paths_unsanitised():
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert "/" not in safe_filename("family-a/b/c")
    assert safe_filename("...") == "figure"


def test_format_bytes():
    assert format_bytes(32768) == "32 KiB"
    assert format_bytes(1 << 20) == "1 MiB"
    assert format_bytes(48 << 20) == "48 MiB"
    assert format_bytes(100) == "100 B"


def test_help():
    proc = report("--help")
    assert proc.returncode == 0 and "RESULT.json" in proc.stdout


def test_simulated_misses_get_their_own_labelled_figure(tmp_path):
    sim = FIXTURES / "vm-simulated.json"
    figures = build_figures([load_result(sim)])
    assert "misses-simulated" in figures and "misses-papi" not in figures
    fig = figures["misses-simulated"]
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert len(titles) == 3 and all("simulated" in t for t in titles)
    assert "counters: simulated" in fig.texts[-1].get_text()
    warnings = build_report([load_result(sim)]).warnings
    assert any("no hardware counters" in w for w in warnings)
    assert not any("Use --simulate" in w for w in warnings)
    # the plotted vector line beyond L2 sits at one miss per 16 ints
    ax = fig.axes[0]
    vector = next(line for line in ax.lines if line.get_label() == "std::vector")
    x, y = vector.get_xdata(), vector.get_ydata()
    assert y[list(x).index(4 << 20)] == pytest.approx(1 / 16, rel=0.02)


def test_a_file_without_miss_counters_gets_no_misses_figure(real_result):
    figures = build_figures([load_result(real_result)])
    assert not any(name.startswith("misses-") for name in figures)


def test_a_narrow_time_range_still_has_labelled_y_ticks(real_result):
    frame = tidy([load_result(real_result)])
    fig = plot_family(frame[frame["case"] == "bump_list_sum"], "arena_nodes", [], {})
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(labels) >= 3, labels


# ---- the full report: several sources, captions, tables, checks, warnings ----



PAIR = [FIXTURES / "vm-gcc.json", FIXTURES / "vm-clang.json"]


@pytest.fixture(scope="module")
def pair_report():
    return build_report([load_result(p) for p in PAIR])


def test_two_compilers_become_a_comparison(pair_report):
    assert sorted(set(pair_report.labels)) == ["vm (AMD EPYC), Clang 14.0.6", "vm (AMD EPYC), GNU 12.2.0"]
    names = [e.name for e in pair_report.figures]
    assert "side-by-side" in names and "comparison" in names
    fig = next(e.figure for e in pair_report.figures if e.name == "comparison")
    labels = [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")]
    assert any("Clang" in lab for lab in labels) and any("GNU" in lab for lab in labels)
    footer = fig.texts[-1].get_text()
    assert "GNU 12.2.0" in footer and "Clang 14.0.6" in footer  # every source, not the first only
    assert set(pair_report.table["machine"]) == set(pair_report.labels)


def test_caption_numbers_are_the_tables_numbers(pair_report):
    caption = next(e.caption for e in pair_report.figures if e.name == "comparison")
    table = pair_report.table
    for machine in set(pair_report.labels):
        rows = table[table["machine"] == machine].set_index("case")
        for case in ("heap_vector/sum", "scattered_nodes/list_sum"):
            assert fmt(rows.loc[case, "median_ns"]) in caption
        assert fmt(rows.loc["scattered_nodes/list_sum", "vs_vector"]) + "x" in caption


def test_every_family_expectation_is_checked_and_agrees_on_real_data(pair_report):
    family_captions = {e.name: e.caption for e in pair_report.figures if e.name.startswith("family-")}
    assert set(family_captions) == {f"family-{f}" for f in FAMILIES}
    for name, caption in family_captions.items():
        assert caption.count("the data agrees with the expectation") == 2, (name, caption)


def test_a_check_says_when_the_data_disagree(real_result):
    frame = tidy([load_result(real_result)])
    slow = frame.copy()
    stack = slow["family"] == "stack_array"
    slow.loc[stack, "time_per_elem_ns"] *= 3
    verdict = check_family(slow, "stack_array", 32 << 20)
    assert verdict.verdict == "disagrees" and "3" in verdict.sentence
    assert check_family(frame[frame["family"] != "heap_vector"], "stack_array", 32 << 20).verdict \
        == "not enough data"


def test_warnings_name_noise_the_debug_library_and_missing_counters(pair_report, real_result):
    text = "\n".join(pair_report.warnings)
    assert re.search(r"\d+ of \d+ points are noisy \(coefficient of variation above 5%", text)
    assert "built as debug" in text and "no hardware counters" in text
    single = build_report([load_result(real_result)])
    assert any("One repetition per point" in w for w in single.warnings)


def test_markdown_csv_and_latex_tables(pair_report, tmp_path):
    out = tmp_path / "rep"
    proc = report(*PAIR, "-o", out)
    assert proc.returncode == 0, proc.stderr
    md = (out / "report.md").read_text()
    for section in ("## Machines", "## Warnings", "## The key numbers", "## Figures", "## How to cite"):
        assert section in md
    assert md.count("*LOC-") == len(pair_report.figures)
    import pandas as pd

    csv = pd.read_csv(out / "data.csv")
    assert set(csv["machine"]) == set(pair_report.labels)
    assert {"time_per_elem_ns", "working_set_bytes", "repetition"} <= set(csv.columns)
    tex = (out / "table.tex").read_text()
    assert "\\toprule" in tex and "\\bottomrule" in tex and "Clang 14.0.6" in tex
    for value in pair_report.table["median_ns"]:
        assert fmt(value) in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine installed")
def test_latex_table_compiles(pair_report, tmp_path):
    out = tmp_path / "rep"
    assert report(*PAIR, "-o", out).returncode == 0
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\begin{document}"
                   f"\\input{{{out / 'table.tex'}}}\\end{{document}}\n")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_pdf_on_request_and_bad_formats(real_result, tmp_path):
    proc = report(real_result, "-o", tmp_path / "rep", "--pdf")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "rep" / "comparison.pdf").read_bytes()[:5] == b"%PDF-"
    proc = report(real_result, "-o", tmp_path / "rep2", "--formats", "png,gif")
    assert proc.returncode == 2 and "gif" in proc.stderr


def test_node_gaps_figure_from_measured_distribution():
    rep = build_report([load_result(PAIR[0])])
    entry = next(e for e in rep.figures if e.name == "node-gaps")
    assert "shuffled list: under 0.01% of steps" in entry.caption
    assert "fresh list: 100% of steps" in entry.caption


def test_real_plain_google_benchmark_file_renders_what_it_has(tmp_path):
    plain = Path("/usr/share/benchmark/gbench/Inputs/test1_run1.json")
    if not plain.is_file():
        pytest.fail(f"{plain} missing: install Debian's libbenchmark-tools")
    proc = report(plain, "-o", tmp_path / "rep")
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "LOC-plain" in md and "missing" in md and "No comparison case ran" in md
