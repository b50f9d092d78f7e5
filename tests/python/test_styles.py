"""Figures for the medium: print figures are 16 cm wide with no text under
8 pt, slides 16:9 with text of 14 pt or more, and every case of a family
figure can be told from the others without colour."""

import re
import subprocess
import sys

import pytest

from locality.report import load_result
from locality.report.document import build_report

CM = 72 / 2.54  # points per cm


def font_sizes(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r"font(?:-size)?:\s*([0-9.]+)px", svg)] + \
        [float(x) for x in re.findall(r'font-size="([0-9.]+)"', svg)]


@pytest.fixture(scope="module")
def rendered(real_result, tmp_path_factory):
    out = {}
    for style in ("print", "slides"):
        folder = tmp_path_factory.mktemp(style) / "rep"
        proc = subprocess.run([sys.executable, "-m", "locality.report", str(real_result), "-o", str(folder),
                               "--style", style, "--formats", "svg"], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        out[style] = folder
    return out


@pytest.mark.parametrize("style, width_cm, smallest", [("print", 16, 8), ("slides", 25.4, 14)])
def test_every_figure_fits_the_medium_with_readable_text(rendered, style, width_cm, smallest):
    svgs = sorted(rendered[style].glob("*.svg"))
    assert svgs
    for svg in svgs:
        text = svg.read_text()
        width = float(re.search(r'<svg[^>]*width="([0-9.]+)pt"', text)[1])
        assert width == pytest.approx(width_cm * CM, rel=0.01), svg.name
        sizes = font_sizes(text)
        assert sizes, svg.name
        assert min(sizes) >= smallest - 0.01, (svg.name, min(sizes))


def test_family_lines_differ_in_marker_and_line_style_not_only_colour(real_result):
    rep = build_report([load_result(real_result)], style="print")
    checked = 0
    for entry in rep.figures:
        if not entry.name.startswith("family-"):
            continue
        for ax in entry.figure.axes:
            lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_") and len(ln.get_xdata()) > 1]
            looks = [(ln.get_marker(), str(ln.get_linestyle())) for ln in lines]
            assert len(set(looks)) == len(looks), (entry.name, looks)
            checked += len(lines) > 1
    assert checked >= 5


def test_legends_follow_the_natural_order_of_the_cases(real_result):
    rep = build_report([load_result(real_result)])
    fig = next(e.figure for e in rep.figures if e.name == "family-element_size")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    npads = [int(re.search(r"npad(\d+)", t)[1]) for t in labels if "sequential" in t]
    assert npads == sorted(npads), labels
