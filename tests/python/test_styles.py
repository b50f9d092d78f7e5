"""Figures for the medium: print figures are 16 cm wide with no text under
8 pt, slides 16:9 with text of 14 pt or more, and every case of a family
figure can be told from the others without colour."""

import math
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from locality.report import load_result
from locality.report.document import build_report

CM = 72 / 2.54  # points per cm


def pdf_text_sizes(pdf: Path) -> tuple[float, list[float]]:
    """(page width, size of every text run) of a matplotlib PDF, in points
    as printed at the page's own size: each run's font size (Tf) times the
    scale of the matrix it is drawn with (q ... cm BT /F Tf ... ET Q)."""
    raw = pdf.read_bytes()
    width = float(re.search(rb"/MediaBox\s*\[\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)", raw)[1])
    sizes = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        try:
            text = zlib.decompress(stream[1])
        except zlib.error:
            continue  # fonts and images
        runs = re.findall(rb"/F\d+\s+([\d.]+)\s+Tf", text)
        placed = re.findall(rb"([-\d.]+)\s+([-\d.]+)(?:\s+[-\d.]+){4}\s+cm\s*BT\s*/F\d+\s+([\d.]+)\s+Tf", text)
        assert len(placed) == len(runs), (pdf.name, "text drawn without its own matrix")
        sizes += [float(size) * math.hypot(float(a), float(b)) for a, b, size in placed]
    return width, sizes


def font_sizes(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r"font(?:-size)?:\s*([0-9.]+)px", svg)] + \
        [float(x) for x in re.findall(r'font-size="([0-9.]+)"', svg)]


@pytest.fixture(scope="module")
def rendered(real_result, tmp_path_factory):
    out = {}
    for style in ("print", "slides"):
        folder = tmp_path_factory.mktemp(style) / "rep"
        proc = subprocess.run([sys.executable, "-m", "locality.report", str(real_result), "-o", str(folder),
                               "--style", style, "--formats", "svg,pdf"], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        out[style] = folder
    return out


@pytest.mark.parametrize("style, width_cm, smallest", [("print", 16, 8), ("slides", 25.4, 18)])
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


@pytest.mark.parametrize("style, width_cm, smallest", [("print", 16, 8), ("slides", 25.4, 18)])
def test_the_printed_pdf_text_is_never_below_the_medium_minimum(rendered, style, width_cm, smallest):
    """Measured from the rendered PDFs, placed at the medium's width (a
    16 cm column, a 16:9 slide's full width): no text run below 8 pt in
    print, 18 pt on slides."""
    pdfs = sorted(rendered[style].glob("*.pdf"))
    assert len(pdfs) >= 10
    for pdf in pdfs:
        width, sizes = pdf_text_sizes(pdf)
        scale = width_cm * CM / width
        assert sizes, pdf.name
        assert min(sizes) * scale >= smallest - 0.01, (pdf.name, min(sizes) * scale)


def test_the_pdf_measure_finds_the_screen_style_too_small_for_a_column(real_result, tmp_path):
    """The same measure says no to the screen style placed in a 16 cm
    column (its 8.5 pt text on an 11-inch-wide figure prints at about 5 pt)."""
    out = tmp_path / "screen"
    proc = subprocess.run([sys.executable, "-m", "locality.report", str(real_result), "-o", str(out),
                           "--style", "screen", "--formats", "pdf"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    width, sizes = pdf_text_sizes(out / "family-latency.pdf")
    assert min(sizes) * (16 * CM / width) < 6


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


def look_conflicts(figures) -> list[str]:
    """Lines that break "one look per case": a case (the line's gid,
    "family/case") drawn with two colours or markers in one report, or two
    cases sharing colour and marker in one panel."""
    import matplotlib.colors as mc

    seen, problems = {}, []
    for name, fig in figures:
        for ax in fig.get_axes():
            here = {}
            for line in ax.get_lines():
                gid = line.get_gid()
                if not gid or line.get_label().startswith("_"):
                    continue
                look = (mc.to_hex(line.get_color()), line.get_marker())
                if seen.setdefault(gid, (look, name))[0] != look:
                    problems.append(f"{gid}: {seen[gid][0]} in {seen[gid][1]}, {look} in {name}")
                other = next((g for g, lk in here.items() if lk == look and g != gid), None)
                if other:
                    problems.append(f"{name}: {gid} and {other} both {look}")
                here[gid] = look
    return problems


def test_each_case_has_one_colour_and_marker_in_every_figure(real_result):
    report = build_report([load_result(real_result)])
    figures = [(e.name, e.figure) for e in report.figures]
    drawn = {line.get_gid() for _, f in figures for ax in f.get_axes() for line in ax.get_lines() if line.get_gid()}
    assert len(drawn) > 40  # the check looked at the report's cases
    assert look_conflicts(figures) == []
    # a case that comes out twice in different looks, two cases alike: said
    from matplotlib.figure import Figure
    a, b = Figure(), Figure()
    a.subplots().plot([1, 2], color="red", marker="o", gid="f/x", label="x")
    ax = b.subplots()
    ax.plot([1, 2], color="blue", marker="o", gid="f/x", label="x")
    ax.plot([1, 2], color="blue", marker="o", gid="f/y", label="y")
    assert len(look_conflicts([("a", a), ("b", b)])) == 2


def test_no_line_colour_is_too_pale_for_white_paper():
    """Every palette colour keeps a contrast of at least 2:1 against white
    (WCAG's relative luminance): Okabe-Ito's yellow (1.2:1) is left out."""
    import matplotlib.colors as mc

    from locality.report.styles import PALETTE

    def luminance(hex_colour):
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in mc.to_rgb(hex_colour)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    contrast = {c: 1.05 / (luminance(c) + 0.05) for c in PALETTE}
    assert min(contrast.values()) >= 2, contrast
    assert 1.05 / (luminance("#F0E442") + 0.05) < 2  # the check says no to the yellow


def axis_problems(figures) -> list[str]:
    """Log axes with fewer than three labelled ticks inside their range,
    and text that would show as raw mathtext ("$", "\\mathdefault")."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    problems = []
    for name, fig in figures:
        FigureCanvasAgg(fig).draw()
        for ax in fig.get_axes():
            for axis in "xy":
                if getattr(ax, f"get_{axis}scale")() != "log":
                    continue
                low, high = sorted(getattr(ax, f"get_{axis}lim")())
                ticks = getattr(ax, f"{axis}axis").get_major_ticks() + getattr(ax, f"{axis}axis").get_minor_ticks()
                shown = {t.label1.get_text() or t.label2.get_text() for t in ticks
                         if low <= t.get_loc() <= high and (t.label1.get_text() and t.label1.get_visible()
                                                            or t.label2.get_text() and t.label2.get_visible())}
                if len(shown) < 3:
                    problems.append(f"{name}: {axis} axis labelled only {sorted(shown)}")
        for text in fig.findobj(lambda o: hasattr(o, "get_text") and hasattr(o, "get_visible")):
            s = text.get_text()
            if text.get_visible() and isinstance(s, str) and ("$" in s or "mathdefault" in s):
                problems.append(f"{name}: raw mathtext {s!r}")
    return problems


def test_log_axes_carry_numbers_and_no_text_is_raw_mathtext(real_result):
    report = build_report([load_result(real_result)])
    assert axis_problems([(e.name, e.figure) for e in report.figures]) == []
    # a log axis left to matplotlib over one decade, a secondary axis in
    # scientific notation with mathtext off: both said
    from matplotlib.figure import Figure
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):
        fig = Figure()
        ax = fig.subplots()
        ax.plot([1, 2], [0.023, 0.24])
        ax.set_yscale("log")
        ax.secondary_yaxis("right", functions=(lambda v: v * 300, lambda v: v / 300))
        found = axis_problems([("made", fig)])
    assert any("y axis labelled only" in p for p in found) and any("raw mathtext" in p for p in found), found


def test_nice_log_ticks_are_round_and_three_or_more():
    from locality.report.plot import nice_log_ticks

    # 1-2-5 would leave the axis reaching 2.2x below its lowest label: finer
    assert nice_log_ticks(0.023, 0.24) == [0.03, 0.05, 0.07, 0.1, 0.2]
    assert nice_log_ticks(4.5, 46) == [5, 7, 10, 20, 30]  # not 5, 10, 20 under a top near 40
    assert nice_log_ticks(1, 1000) == [1, 10, 100, 1000]
    assert nice_log_ticks(0.3, 300) == [1, 10, 100]  # 1-2-5 would be nine labels
    # bytes: every power of two where there are few, else every other one,
    # the set whose labels reach nearer the ends (the top first)
    assert nice_log_ticks(6, 700, base=2) == [8, 16, 32, 64, 128, 256, 512]
    assert nice_log_ticks(4096, 64 << 20, base=2) == [4 ** k for k in range(6, 14)]
    assert nice_log_ticks(2900, 181 << 20, base=2) == [2 ** k for k in range(13, 28, 2)]  # 8 KiB to 128 MiB
    assert nice_log_ticks(1, 2, base=2) == []  # too narrow: a linear axis instead


def test_the_line_size_figure_labels_every_distance_and_the_shared_line_cost(real_result):
    """The line size figure: a label at every distance its points are at
    (8 B to 512 B: the step at the line size is read off it), and on each
    time axis a label within 2x of its dearest point."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    report = build_report([load_result(real_result)])
    fig = next(e.figure for e in report.figures if "line_size" in e.name)
    FigureCanvasAgg(fig).draw()
    for ax in fig.get_axes():
        xs = sorted({float(x) for line in ax.get_lines() for x in line.get_xdata()})
        ys = [float(y) for line in ax.get_lines() for y in line.get_ydata()]
        if not xs:
            continue
        labelled = {round(t.get_loc()) for t in ax.xaxis.get_major_ticks() if t.label1.get_text()}
        assert set(map(round, xs)) <= labelled, (xs, labelled)
        y_low, y_high = ax.get_ylim()
        y_labels = [t.get_loc() for t in ax.yaxis.get_major_ticks()
                    if t.label1.get_text() and y_low <= t.get_loc() <= y_high]
        assert y_labels and max(ys) / max(y_labels) <= 2, (max(ys), y_labels)
