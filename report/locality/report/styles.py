"""Figure styles for the medium a figure goes to.

- screen: wide figures for reading the report on a monitor.
- print: 16 cm wide, the text column of course notes, with no text smaller
  than 8 pt at that size.
- slides: 16:9 at 25.4 x 14.3 cm, text at 14 pt or more.

Every style uses the Okabe-Ito palette, which readers with any common form
of colour blindness can tell apart, and gives each case a marker and a line
style of its own as well, so cases stay distinct in greyscale print.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import matplotlib

CM = 1 / 2.54

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
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


STYLES = {
    "screen": Style("screen", 11.0, 4.4, 8.5, 11, 1.6, 4.5, True, 150),
    "print": Style("print", 16 * CM, 7.2 * CM, 8.0, 9, 1.1, 3.5, False, 80),
    "slides": Style("slides", 25.4 * CM, 12.0 * CM, 14.0, 16, 2.2, 7.0, False, 70),
}


def style_of(name: str) -> Style:
    return STYLES[name]


def case_look(index: int) -> dict:
    """Colour, marker and line style of the index-th case of a figure."""
    return {"color": PALETTE[index % len(PALETTE)], "marker": MARKERS[index % len(MARKERS)],
            "linestyle": LINESTYLES[index % len(LINESTYLES)]}


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
