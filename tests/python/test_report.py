"""The report: renders from real result files, stops cleanly on bad ones."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, load_json
from locality import __version__
from locality.report import ResultFileError, load_result, tidy
from locality.report.cli import build_figures
from locality.report.plot import format_bytes, plot_family
from locality.report.tidy import caches
from locality.report.write import safe_filename

FAMILIES = {"stack_array", "heap_vector", "scattered_nodes", "arena_nodes"}


def report(*args):
    return subprocess.run([sys.executable, "-m", "locality.report", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_version_has_one_source():
    assert __version__ == (ROOT / "VERSION").read_text().strip()


def test_renders_one_figure_per_family_and_the_comparison(real_result, tmp_path):
    out = tmp_path / "rep"
    proc = report(real_result, "-o", out)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["comparison.png"] + [f"family-{f}.png" for f in FAMILIES])
    for p in out.iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert p.stat().st_size > 20_000


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


def test_plain_google_benchmark_json_loads(real_result, tmp_path):
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
    from conftest import FIXTURES

    sim = FIXTURES / "vm-simulated.json"
    figures = build_figures([load_result(sim)])
    assert "misses-simulated" in figures and "misses-papi" not in figures
    fig = figures["misses-simulated"]
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert len(titles) == 3 and all("simulated" in t for t in titles)
    assert "counters: simulated" in fig.texts[-1].get_text()
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
