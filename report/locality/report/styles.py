"""Figure styles for the medium a figure goes to.

- screen: wide figures for reading the report on a monitor.
- print: 16 cm wide, the text column of course notes, with no text smaller
  than 8 pt at that size.
- slides: 16:9 at 25.4 x 14.3 cm, text at 18 pt or more (legible from the back of a lecture hall when projected full width).

Every style uses the Okabe-Ito palette, which readers with any common form
of colour blindness can tell apart, and gives each case a marker and a line
style of its own as well, so cases stay distinct in greyscale print.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import matplotlib

CM = 1 / 2.54

# Okabe & Ito (2008), "Color Universal Design", without its yellow, which
# does not show on white (lines and hollow markers vanish).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p"]
LINESTYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 2)), (0, (6, 2)), (0, (3, 1, 1, 1))]


@dataclass(frozen=True)
class Style:
    name: str
    width_in: float        # figure width
    panel_height_in: float  # height of one panel
    font_pt: float          # the smallest text on the figure
    title_pt: float
    line_width: float
    marker_size: float
    legend_outside: bool    # beside the axes (wide figures) or below them
    wrap: int               # characters per line of long titles
    footer: bool = True     # the line naming machine, build and figure id under each figure


STYLES = {
    "screen": Style("screen", 11.0, 4.4, 8.5, 11, 1.6, 4.5, True, 150),
    "print": Style("print", 16 * CM, 7.2 * CM, 8.0, 9, 1.1, 3.5, False, 80),
    "slides": Style("slides", 25.4 * CM, 13.0 * CM, 18.0, 20, 2.6, 8.0, False, 60),
}


def style_of(name: str) -> Style:
    return STYLES[name]


def case_look(index: int) -> dict:
    """The index-th look: colour, marker and line style. 7 colours and 12
    markers: the first 84 looks differ in colour or marker."""
    return {"color": PALETTE[index % len(PALETTE)], "marker": MARKERS[index % len(MARKERS)],
            "linestyle": LINESTYLES[index % len(LINESTYLES)]}


def case_looks(families: dict) -> dict[tuple[str, str], dict]:
    """One look per case for a whole report, read from the descriptors:
    cases in teaching order, each taking the first look that no case it is
    drawn beside has taken (the cases of its family, and the baseline and
    layout cases, which share the comparison figures). The same case keeps
    its look in every figure; two cases of one figure never share one."""
    ordered = sorted(families.items(), key=lambda kv: (kv[1].get("order", 0), kv[0]))
    compared = {(f, c["name"]) for f, d in ordered for c in d.get("cases", [])
                if c.get("role") in ("baseline", "layout")}
    taken: dict[tuple[str, str], int] = {}
    for family, desc in ordered:
        for c in desc.get("cases", []):
            key = (family, c["name"])
            beside = {k for k in taken if k[0] == family or (key in compared and k in compared)}
            used = {taken[k] for k in beside}
            taken[key] = next(i for i in range(len(taken) + 1) if i not in used)
    return {k: case_look(i) for k, i in taken.items()}


def machine_linestyle(index: int):
    """Where several machines share a figure: the case keeps its colour and
    marker, each machine has a line style of its own."""
    return ["-", "--", ":", "-."][index % 4]


@contextlib.contextmanager
def rc(style: Style):
    """matplotlib settings of a style, for the figures built inside. Text is
    never parsed as mathtext: names from result files may hold '$'."""
    with matplotlib.rc_context({
        "font.size": style.font_pt,
        "axes.titlesize": style.title_pt,
        "axes.labelsize": style.font_pt,
        "xtick.labelsize": style.font_pt,
        "ytick.labelsize": style.font_pt,
        "legend.fontsize": style.font_pt,
        "figure.titlesize": style.font_pt,
        "text.parse_math": False,
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    }):
        yield
