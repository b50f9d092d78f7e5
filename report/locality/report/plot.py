"""Figures built from the summary and the families' descriptors. Functions
here build matplotlib figures and do no I/O; write.py saves them.

What a figure shows comes from the descriptor alone: the unit on the axis,
time or bandwidth, which cases form the comparison (role baseline and
layout), which are build costs (role build), which form one line along a
counter of their own (series and axis). Every point carries its 95%
interval as a band; a point whose interval is wider than +-5% is drawn
hollow.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import offset_copy
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, MaxNLocator, NullFormatter, NullLocator

from locality.report import models, units
from locality.report.styles import STYLES, Style, case_look, case_looks, machine_linestyle
from locality.report.summary import Point, Summary
from locality.report.texts import title_of

# Figures are plain matplotlib Figures, not pyplot's: nothing global is kept
# alive, no backend is imposed (notebooks keep theirs), saving needs none.

SCREEN = STYLES["screen"]


def cache_label(c: dict, marker: bool = False) -> str:
    """'L2 1 MiB', or where the suite did not use the size the machine
    reported 'L3 32 MiB* (300 MiB reported)'; a marker on the axes, where
    space is dear, 'L3 32 MiB*', which the footer explains: a figure copied
    into notes says which size it used."""
    label = f"L{c['level']} {units.size_bytes(c['size_bytes'])}"
    if not c.get("reported"):
        return label
    return label + ("*" if marker else f"* ({c['reported']} reported)")


def reported_note(caches: list[dict]) -> str:
    """'*L3 32 MiB used, 300 MiB reported' for the sizes marked with a star."""
    return "; ".join(f"*L{c['level']} {units.size_bytes(c['size_bytes'])} used, {c['reported']} reported"
                     for c in caches if c.get("reported"))


def footer_text(meta: dict, short: bool = False) -> str:
    """Two lines naming the machine, build and run behind a figure; with
    `short` (print and slides, where space is dear) one: the figure id, CPU,
    version and date (the build's details are in the report beside it).
    Build warnings are the report's, not the figure's."""
    if short:
        return " · ".join(p for p in (
            meta.get("figure_id", ""), meta.get("cpu", "unknown CPU"),
            f"locality {meta.get('suite_version', '?')} "
            f"({' / '.join(c[:12] for c in meta.get('git_commit', '?').split(' / '))})",
            meta.get("date", ""), reported_note(meta.get("caches") or [])) if p)
    parts = [meta.get("cpu", "unknown CPU")]
    if meta.get("caches"):
        parts.append(", ".join(cache_label(c) for c in meta["caches"]))
    parts.append(meta.get("compiler", "compiler unknown") + " " + meta.get("build_flags", ""))
    line1 = " · ".join(p.strip() for p in parts)
    line2 = " · ".join(p for p in (
        f"locality {meta.get('suite_version', '?')} "
        f"({' / '.join(c[:12] for c in meta.get('git_commit', '?').split(' / '))})",
        meta.get("date", ""),
        f"counters: {meta.get('counters_backend', 'unknown')}",
        meta.get("figure_id", ""),
    ) if p)
    return line1 + "\n" + line2


# ---- shared pieces ----------------------------------------------------------------------


def _new_figure(style: Style, nrows: int = 1, height_scale: float = 1.0) -> tuple[Figure, list]:
    height = style.panel_height_in * (1 + 0.75 * (nrows - 1)) * height_scale + 0.6
    fig = Figure(figsize=(style.width_in, height), layout="constrained")
    axes = fig.subplots(nrows, 1, squeeze=False)[:, 0].tolist()
    return fig, axes


def _finish(fig: Figure, meta: dict, style: Style) -> Figure:
    for ax in fig.get_axes():
        for axis in "xy":
            _label_log(ax, axis)
    if not style.footer:
        return fig
    footer = footer_text(meta, short=not style.legend_outside)
    if not style.legend_outside:
        chars = int(style.width_in * 72 / (0.55 * style.font_pt))
        footer = "\n".join(textwrap.fill(line, chars) for line in footer.split("\n"))
    lines = footer.count("\n") + 1
    share = min(0.3, (lines * style.font_pt * 1.35 / 72 + 0.1) / fig.get_figheight())
    fig.get_layout_engine().set(rect=(0, share, 1, 1 - share))
    fig.text(0.01, 0.005, footer, fontsize=style.font_pt, color="0.3", va="bottom", ha="left")
    return fig


def _log_axes(ax, style: Style, x_label: str, x_bytes: bool = True) -> None:
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=4 if x_bytes else 2))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: units.size_bytes(v) if x_bytes else f"{v:g}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.1g}"[0] in "25" else ""))
    ax.grid(True, which="major", alpha=0.3)
    ax.set_xlabel(x_label)
    if not style.legend_outside:
        ax.tick_params(axis="x", labelrotation=30)


# Tick values of a log axis, sparsest first: the first set with three or
# more values inside the axis is labelled. Base 10 (times, rates): a finer
# set where an end of the axis lies more than END_GAP beyond the outermost
# label and the finer set both closes that gap and keeps to MAX_TICKS.
# Base 2 (bytes, counts): every power of two where they keep to MAX_TICKS,
# else every other one, the one of the two sets that leaves the axis' ends
# closer to a label (the top first: the largest sizes are where the memory
# is).
_MANTISSAS = {10: ((1,), (1, 2, 5), (1, 2, 3, 5, 7), (1, 1.5, 2, 3, 4, 5, 6, 8))}
MAX_TICKS = 8
END_GAP = 2.0


def _end_gap(ticks: list[float], low: float, high: float) -> float:
    """How far, as a factor, the axis reaches past its outermost labels."""
    return max(ticks[0] / low, high / ticks[-1])


def _powers_of_two(low: float, high: float) -> list[float]:
    exponents = [e for e in range(math.floor(math.log2(low)), math.ceil(math.log2(high)) + 1)
                 if low <= 2.0 ** e <= high]
    if len(exponents) < 3:
        return []
    ticks = [2 ** e if e >= 0 else 2.0 ** e for e in exponents]
    if len(ticks) <= MAX_TICKS:
        return ticks
    halves = [t for t in (ticks[0::2], ticks[1::2]) if len(t) >= 3]
    return min(halves, key=lambda t: (_end_gap(t, low, high), high / t[-1])) if halves else []


def nice_log_ticks(low: float, high: float, base: int = 10) -> list[float]:
    """Three or more round values from low to high for a log axis (powers
    of the base first, then finer); empty where the range is too narrow
    for that (under a factor of about 1.4)."""
    if not (0 < low < high and math.isfinite(high)):
        return []
    if base == 2:
        return _powers_of_two(low, high)
    sets = _MANTISSAS.get(base, ((1,),))

    def ticks_of(mantissas) -> list[float]:
        return sorted({m * base ** k for k in range(math.floor(math.log(low, base)) - 1,
                                                    math.ceil(math.log(high, base)) + 1)
                       for m in mantissas if low <= m * base ** k <= high})
    for i, mantissas in enumerate(sets):
        ticks = ticks_of(mantissas)
        if len(ticks) < 3:
            continue
        finer = ticks_of(sets[i + 1]) if i + 1 < len(sets) else []
        if (_end_gap(ticks, low, high) > END_GAP and 3 <= len(finer) <= MAX_TICKS
                and _end_gap(finer, low, high) < _end_gap(ticks, low, high)):
            return finer
        return ticks
    return []


def _label_log(ax, axis: str) -> None:
    """Call after drawing: a log axis gets three or more labelled ticks
    inside its range (round values, nice_log_ticks), and a range too
    narrow for that becomes a linear axis with evenly spaced ticks."""
    a = getattr(ax, f"{axis}axis")
    if getattr(ax, f"get_{axis}scale")() != "log":
        return
    low, high = sorted(getattr(ax, f"get_{axis}lim")())
    base = int(round(getattr(a.get_transform(), "base", 10)))
    ticks = nice_log_ticks(low, high, base)
    fmt = a.get_major_formatter()
    if ticks:
        a.set_major_locator(FixedLocator(ticks))
        a.set_minor_formatter(NullFormatter())
        if base == 10:
            a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        return
    getattr(ax, f"set_{axis}scale")("linear")
    getattr(ax, f"set_{axis}lim")(low, high)
    # base 2: counts (threads, strides) or bytes, labelled where the data is
    values = sorted({float(v) for line in ax.get_lines() for v in getattr(line, f"get_{axis}data")()
                     if low <= float(v) <= high})
    if base == 2 and 0 < len(values) <= 8:
        a.set_major_locator(FixedLocator(values))
    else:
        a.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    a.set_minor_locator(NullLocator())
    a.set_major_formatter(fmt if base == 2 else FuncFormatter(lambda v, _: f"{v:.3g}"))


def _label_y(ax) -> None:
    _label_log(ax, "y")


def _fit_x_to_data(ax, margin: float = 1.4) -> None:
    """The x range of a working-set axis: the data's, a little wider, so
    that no part of the axis is empty (call before _mark_caches)."""
    xs = [float(x) for line in ax.get_lines() for x in line.get_xdata() if float(x) > 0]
    if xs:
        ax.set_xlim(min(xs) / margin, max(xs) * margin)


def _mark_caches(ax, caches: list[dict], style: Style, bottom: bool = False) -> None:
    """A dotted line and a label at each cache size inside the x range (a
    cache the data does not reach has nothing to mark); the label at the
    top, or at the bottom where the data runs along the top (misses)."""
    low, high = ax.get_xlim()
    for c in caches:
        size = c["size_bytes"]
        if not low < size < high:
            continue
        ax.axvline(size, color="0.45", linestyle=":", linewidth=1)
        ax.annotate(cache_label(c, marker=True), xy=(size, 0 if bottom else 1),
                    xycoords=("data", "axes fraction"), xytext=(3, 3 if bottom else -3), textcoords="offset points",
                    va="bottom" if bottom else "top", ha="left",
                    fontsize=style.font_pt, color="0.3", rotation=90)


def _mark_detected(ax, steps: list[dict], style: Style) -> None:
    for s in steps:
        ax.axvline(s["size_bytes"], color="#D55E00", linestyle="--", linewidth=1)
        # the size is on the axis and in the caption; wide figures say it again
        ax.annotate(f"step after {units.size_bytes(s['size_bytes'])}" if style.legend_outside else "step",
                    xy=(s["size_bytes"], 0),
                    xycoords=("data", "axes fraction"), xytext=(-3, 3), textcoords="offset points",
                    va="bottom", ha="right", fontsize=style.font_pt, color="#D55E00", rotation=90)


def _legend(ax, style: Style, title: str | None = None, below: bool = False) -> None:
    """The legend beside the axes (screen), or below them (print, slides,
    and where a right-hand axis takes the space beside them): never over
    the data or the cache labels."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if style.legend_outside and not below:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, title=title)
    else:
        # as many columns as the longest label lets fit across the figure
        longest = max(len(label) for label in labels)
        fits = int(style.width_in * 72 / ((longest * 0.6 + 4) * style.font_pt))
        ncol = max(1, min(3, fits, len(handles)))
        # below the tick labels (rotated 30 degrees where the figure is
        # narrow: about three lines of text high) and the axis label, a
        # distance in points whatever the panel's height
        ticks = 3.0 if not style.legend_outside else 1.0
        below = offset_copy(ax.transAxes, fig=ax.figure, y=-((ticks + 1.3) * style.font_pt + 11), units="points")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, ncol=ncol, frameon=False,
                  title=title)


def y_value(p: Point, metric: str) -> tuple[float, float, float]:
    """(value, low, high) as the figure shows it: ns per unit, or GB/s."""
    low = min([p.ci_low] + p.run_values) if len(p.run_values) > 1 else p.ci_low
    high = max([p.ci_high] + p.run_values) if len(p.run_values) > 1 else p.ci_high
    if metric == "bandwidth" and p.unit_bytes:
        return p.unit_bytes / p.value, p.unit_bytes / high, p.unit_bytes / low
    return p.value, low, high


def y_label(metric: str, unit: str, log: bool = True) -> str:
    text = "GB/s" if metric == "bandwidth" else f"ns per {unit}"
    return text + (" (log scale)" if log else "")


def _draw_series(ax, points: list[Point], x_of, metric: str, label: str, look: dict, style: Style,
                 gid: str | None = None) -> None:
    """One line: the statistic at each point, its interval as a band, noisy
    points hollow. The line's gid is "family/case" (the first point's unless
    given): the case it draws, for tests and the SVG."""
    points = sorted(points, key=x_of)
    if not points:
        return
    x = np.array([x_of(p) for p in points], dtype=float)
    ys = np.array([y_value(p, metric) for p in points])
    line, = ax.plot(x, ys[:, 0], label=label, color=look["color"], linestyle=look["linestyle"],
                    linewidth=style.line_width, marker=look["marker"], markersize=style.marker_size,
                    markerfacecolor=look["color"], gid=gid or f"{points[0].family}/{points[0].case}")
    ax.fill_between(x, ys[:, 1], ys[:, 2], color=look["color"], alpha=0.18, linewidth=0)
    noisy = [i for i, p in enumerate(points) if p.noisy]
    if noisy:
        ax.plot(x[noisy], ys[noisy, 0], linestyle="none", marker=look["marker"], markersize=style.marker_size,
                markerfacecolor="white", markeredgecolor=look["color"])


# A model is drawn as a broad pale line in its case's colour, behind the
# measurement (whose lines carry markers), in the times and the misses.
MODEL_ALPHA = 0.35
MODEL_WIDTH = 2.6


def _draw_model(ax, points: list[Point], x_of, metric: str, look: dict, style: Style, machine, descs: dict,
                gid: str) -> bool:
    """The model's prediction at each point, as a broad pale line in the
    case's colour without markers; True where one was drawn."""
    xs, ys = [], []
    for p in sorted(points, key=x_of):
        c = descs.get(p.case, {})
        if not c.get("model"):
            continue
        ns, _ = models.predict_point(machine, c, p)
        if math.isfinite(ns) and ns > 0:
            xs.append(x_of(p))
            ys.append(p.unit_bytes / ns if metric == "bandwidth" and p.unit_bytes else ns)
    if len(xs) < 2:
        return False
    ax.plot(xs, ys, color=look["color"], alpha=MODEL_ALPHA, linewidth=style.line_width * MODEL_WIDTH,
            solid_capstyle="round", zorder=1.5, gid=gid + "/model", label="_nolegend_")
    return True


def _model_key(ax, style: Style) -> None:
    """One legend entry for every model line of the panel."""
    ax.plot([], [], color="0.2", alpha=MODEL_ALPHA, linewidth=style.line_width * MODEL_WIDTH,
            label="model (broad pale line, this machine's parameters)" if style.legend_outside else "model")


def _cycles_axis(ax, ghz: float, unit: str, style: Style = SCREEN) -> None:
    """A right-hand axis in cycles at the measured clock."""
    sec = ax.secondary_yaxis("right", functions=(lambda ns: ns * ghz, lambda c: c / ghz))
    sec.set_ylabel(f"cycles per {unit} at {ghz:.2f} GHz (measured)" if style.legend_outside
                   else f"cycles at {ghz:.2f} GHz")
    low, high = sorted(ax.get_ylim())
    ticks = nice_log_ticks(low * ghz, high * ghz) if ax.get_yscale() == "log" else []
    if ticks:
        sec.set_yticks(ticks)
    sec.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    sec.yaxis.set_minor_formatter(NullFormatter())


def cases_in_order(desc: dict, summary: Summary, family: str) -> list[dict]:
    """The family's case descriptors that have points, in descriptor order
    (the natural order of the ladder: npad0 before npad7 before npad15)."""
    present = {p.case for p in summary if p.family == family}
    return [c for c in desc.get("cases", []) if c["name"] in present] if desc else [
        {"name": c, "label": c, "role": ""} for c in sorted(present)]


# ---- the family figure ------------------------------------------------------------------


def plot_family(summary: Summary, family: str, desc: dict, caches: list[dict], meta: dict,
                style: Style = SCREEN, detected: list[dict] | None = None, ghz: float | None = None,
                looks: dict | None = None, machine_models: dict | None = None) -> Figure:
    """Every case of a family: a line per case (and machine) against the
    working set, with the interval band; build costs on a panel of their
    own; cases that form one series along a counter (stride's k) as one
    line against it; cases of a single size as bars. `looks`: the report's
    case_looks, so that a case looks the same in every figure.
    `machine_models`: series -> models.Machine; each modelled case gets
    its model as a broad pale line behind it."""
    metric = desc.get("metric", "time") if desc else "time"
    cases = cases_in_order(desc, summary, family)
    if not cases:
        raise ValueError(f"no successful runs of family {family!r}")
    machines = summary.series()
    sizes = {}
    for p in summary:
        if p.family == family:
            sizes.setdefault(p.case, set()).add(p.size)
    groups = {"curves": [], "build": [], "series": {}, "bars": [], "axis": []}
    for c in cases:
        if c.get("series") and c.get("axis"):
            groups["series"].setdefault(c["series"], []).append(c)
        elif c.get("axis"):
            groups["axis"].append(c)
        elif c.get("role") == "build":
            groups["build"].append(c)
        elif len(sizes.get(c["name"], ())) > 1:
            groups["curves"].append(c)
        else:
            groups["bars"].append(c)
    panels = [("curves", groups["curves"])] if groups["curves"] else []
    miss = family_miss_column(summary, family, groups["curves"])
    panels += [("misses", groups["curves"])] if miss else []
    panels += [("axis", groups["axis"])] if groups["axis"] else []
    panels += [("build", groups["build"])] if groups["build"] else []
    panels += [("series", v) for v in groups["series"].values()]
    panels += [("bars", groups["bars"])] if groups["bars"] else []
    fig, axes = _new_figure(style, len(panels))
    unit_of = lambda c: c.get("unit", desc.get("unit", {})).get("name", "unit") if desc else "iteration"  # noqa: E731
    looks = looks or case_looks({family: desc} if desc else {})
    index = {c["name"]: i for i, c in enumerate(cases)}
    descs = {c["name"]: c for c in cases}
    machine_models = machine_models or {}

    def look_of(name: str, m_index: int) -> dict:
        look = dict(looks.get((family, name)) or case_look(index[name]))
        if len(machines) > 1:
            look["linestyle"] = machine_linestyle(m_index)
        return look
    for ax, (kind, members) in zip(axes, panels):
        units_here = sorted({unit_of(c) for c in members})
        ylabel = y_label(metric, " / ".join(units_here))
        if kind == "bars":
            _draw_bars(ax, summary, family, members, machines, metric, ylabel, style,
                       [look_of(c["name"], 0)["color"] for c in members])
            ax.set_title(f"{title_of(family, desc)}: each case at its one size", loc="left")
            continue
        modelled = False
        if kind == "misses":
            # the times' working-set axis, so that a miss sits under its time
            _draw_misses(ax, summary, family, members, machines, miss, look_of, style, unit_of(members[0]),
                         machine_models)
            ax.set_xlim(axes[0].get_xlim())
            _mark_caches(ax, caches, style, bottom=True)
            continue
        if kind == "series":
            # One line through the cases' points, along the counter they share.
            axis = members[0]["axis"]["counter"]
            for m_index, machine in enumerate(machines):
                pts = [p for c in members for p in summary.curve(machine, family, c["name"]) if axis in p.counters]
                if pts:
                    look = look_of(members[0]["name"], m_index)
                    label = members[0]["series"] + ("" if len(machines) == 1 else f" — {machine}")
                    _draw_series(ax, pts, lambda p, a=axis: p.counters[a], metric, label, look, style,
                                 f"{family}/{members[0]['name']}")
                    if machine in machine_models:
                        modelled |= _draw_model(ax, pts, lambda p, a=axis: p.counters[a], metric, look, style,
                                                machine_models[machine], descs, f"{family}/{members[0]['name']}")
        for c in members if kind != "series" else []:
            for m_index, machine in enumerate(machines):
                pts = summary.curve(machine, family, c["name"])
                if not pts:
                    continue
                look = look_of(c["name"], m_index)
                label = c.get("label", c["name"]) if len(machines) == 1 else f"{c.get('label', c['name'])} — {machine}"
                if kind == "axis":
                    counter = c["axis"]["counter"]
                    pts = [p for p in pts if counter in p.counters]
                    _draw_series(ax, pts, lambda p, a=counter: p.counters[a], metric, label, look, style)
                else:
                    _draw_series(ax, pts, lambda p: p.working_set_bytes, metric, label, look, style)
                    if kind == "curves" and machine in machine_models:
                        modelled |= _draw_model(ax, pts, lambda p: p.working_set_bytes, metric, look, style,
                                                machine_models[machine], descs, f"{family}/{c['name']}")
        if kind in ("series", "axis"):
            _log_axes(ax, style, members[0]["axis"]["label"], x_bytes=False)
            ax.set_title(f"{title_of(family, desc)}: {members[0].get('series', '')}".rstrip(": "), loc="left")
        else:
            _log_axes(ax, style, "working set (bytes the loop touches, log scale)")
            _fit_x_to_data(ax)
            _mark_caches(ax, caches, style)
            if detected and kind == "curves":
                _mark_detected(ax, detected, style)
            ax.set_title(title_of(family, desc) if len(panels) == 1 else f"{title_of(family, desc)}: "
                         f"{'build and destroy' if kind == 'build' else 'traversals'}", loc="left")
        ax.set_ylabel(ylabel)
        _label_y(ax)
        cycles = bool(ghz and metric == "time" and desc and desc.get("cycles") and len(machines) == 1
                      and kind == "curves")
        if cycles:
            _cycles_axis(ax, ghz, units_here[0], style)
        if modelled:
            _model_key(ax, style)
        _legend(ax, style, below=cycles)
    return _finish(fig, meta, style)


# The miss counters a family figure shows under its times, by source (best
# first: measured, else simulated): each level's column, its words and the
# line style that tells the levels apart (the colour and marker tell cases).
FAMILY_MISSES = (
    ("measured by the hardware (PAPI)",
     (("l1d_misses_per_elem", "L1d", "-"), ("l2_misses_per_elem", "L2", "--"), ("llc_misses_per_elem", "last level", ":"))),
    ("simulated by callgrind: LRU, no prefetcher",
     (("sim_d1_misses_per_elem", "L1d", "-"), ("sim_l2_misses_per_elem", "L2", "--"),
      ("sim_ll_misses_per_elem", "last level", ":"))),
)


def family_miss_column(summary: Summary, family: str, cases: list[dict]) -> tuple[str, tuple] | None:
    """(source, levels) of the misses a family figure draws under its
    curves (levels: (column, words, line style) of each level present), or
    None where none of its curves' points has L1d misses."""
    names = {c["name"] for c in cases}
    present = set()
    for p in summary:
        if p.family == family and p.case in names:
            present.update(p.counters)
    for source, levels in FAMILY_MISSES:
        if levels[0][0] in present:
            return source, tuple(level for level in levels if level[0] in present)
    return None


def _draw_misses(ax, summary: Summary, family: str, members: list[dict], machines: list[str],
                 miss: tuple[str, tuple], look_of, style: Style, unit: str, machine_models: dict | None = None) -> None:
    """Misses per unit at each level against the working set, under the
    times: the misses that explain them; a case keeps its colour and
    marker, each level has a line style of its own (L1d solid)."""
    source, levels = miss
    for m_index, machine in enumerate(machines):
        for c in members:
            look = look_of(c["name"], m_index)
            for column, words, linestyle in levels:
                pts = sorted((p for p in summary.curve(machine, family, c["name"]) if column in p.counters),
                             key=lambda p: p.working_set_bytes)
                if not pts:
                    continue
                ax.plot([p.working_set_bytes for p in pts], [p.counters[column] for p in pts], color=look["color"],
                        linestyle=linestyle, marker=look["marker"], markersize=style.marker_size * 0.8,
                        linewidth=style.line_width, gid=f"{family}/{c['name']}/{words}",
                        markerfacecolor=look["color"] if linestyle == "-" else "white")
                fitted = (machine_models or {}).get(machine)
                if fitted is not None and c.get("model"):
                    _draw_model_misses(ax, pts, fitted, c, words, linestyle, look, style, f"{family}/{c['name']}")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(LogLocator(base=4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: units.size_bytes(v)))
    ax.set_yscale("symlog", linthresh=0.01)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    top = max([y for line in ax.get_lines() for y in line.get_ydata()] + [1.0])
    ax.set_ylim(0, top * 1.6)
    ax.grid(True, which="major", alpha=0.3)
    ax.set_xlabel("working set (bytes the loop touches, log scale)")
    if not style.legend_outside:
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_ylabel(f"misses per {unit}")
    ax.set_title(f"Misses per {unit} at each level, {source}" if style.legend_outside
                 else f"Misses ({source.split(':')[0]})", loc="left")
    # the levels' line styles, in black: the cases' colours are in the legend above
    handles = [Line2D([], [], color="0.2", linestyle=ls, linewidth=style.line_width, label=words)
               for _, words, ls in levels]
    if any(str(line.get_gid()).endswith("/model") for line in ax.get_lines()):
        handles.append(Line2D([], [], color="0.2", alpha=MODEL_ALPHA, linewidth=style.line_width * MODEL_WIDTH,
                              label="model"))
    ax.legend(handles=handles, loc="best", framealpha=0.9, ncol=len(handles))


def _draw_model_misses(ax, pts: list[Point], machine, c: dict, words: str, linestyle, look: dict, style: Style,
                       gid: str) -> None:
    """The model's misses per unit at one level, pale and broad under the
    measured or simulated line of the same level."""
    level = {"L1d": "L1", "L2": "L2", "last level": machine.caches[-1].name if machine.caches else ""}.get(words)
    xs, ys = [], []
    for p in pts:
        predicted = models.point_misses(machine, c, p)
        if level in predicted:
            xs.append(p.working_set_bytes)
            ys.append(predicted[level])
    if len(xs) > 1:
        ax.plot(xs, ys, color=look["color"], linestyle=linestyle, alpha=MODEL_ALPHA, linewidth=style.line_width * MODEL_WIDTH,
                zorder=1.5, gid=f"{gid}/{words}/model", label="_nolegend_")


def _draw_bars(ax, summary: Summary, family: str, members: list[dict], machines: list[str], metric: str,
               ylabel: str, style: Style, colors: list[str]) -> None:
    """One horizontal bar per case (and machine) at its largest size, with
    the interval as a whisker and the value written at its end; each case
    in its own colour, machines told apart by hatching."""
    height = 0.8 / len(machines)
    values = []
    for m_index, machine in enumerate(machines):
        ys, vals, lows, highs, shades = [], [], [], [], []
        for c_index, c in enumerate(members):
            pts = summary.curve(machine, family, c["name"])
            if not pts:
                continue
            v, lo, hi = y_value(pts[-1], metric)
            ys.append(c_index + (m_index - (len(machines) - 1) / 2) * height)
            shades.append(colors[c_index])
            vals.append(v)
            lows.append(v - lo)
            highs.append(hi - v)
        ax.barh(ys, vals, height=height * 0.9, xerr=[lows, highs], color=shades, edgecolor="white",
                hatch=["", "//", "..", "xx"][m_index % 4], label=machine if len(machines) > 1 else None,
                error_kw={"linewidth": 0.8})
        for y, v, hi in zip(ys, vals, highs):
            ax.annotate(units.number(v), xy=(v + hi, y), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=style.font_pt)
        values += vals
    ax.set_yticks(range(len(members)), [c.get("label", c["name"]) for c in members])
    ax.invert_yaxis()
    # Bars start at zero, so their lengths compare; a log axis only where
    # the values span more than that can show.
    wide = bool(values) and max(values) > 30 * min(values)
    if wide:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.set_xlabel(ylabel.replace(" (log scale)", "") + (", log scale" if wide else "") + ": value with 95% interval")
    if len(machines) > 1:
        _legend(ax, style)


# ---- the comparison of layouts -------------------------------------------------------------


def comparison_cases(families: dict) -> tuple[tuple[str, dict] | None, list[tuple[str, dict]]]:
    """The baseline case and every layout case, (family, case descriptor),
    in teaching order."""
    baseline, layouts = None, []
    for fname, desc in sorted(families.items(), key=lambda kv: kv[1].get("order", 0)):
        for c in desc.get("cases", []):
            if c.get("role") == "baseline":
                baseline = (fname, c)
            elif c.get("role") == "layout":
                layouts.append((fname, c))
    return baseline, layouts


def plot_comparison(summary: Summary, families: dict, caches: list[dict], meta: dict, style: Style = SCREEN) -> Figure:
    """The layouts doing the same work: time per unit against working set,
    and each one's time over the baseline's at the same size."""
    baseline, layouts = comparison_cases(families)
    if baseline is None:
        raise ValueError("no case of these results is the baseline")
    fig, (ax, ratio_ax) = _new_figure(style, 2)
    machines = summary.series()
    ordered = [baseline] + layouts
    looks = case_looks(families)
    drawn = 0
    for i, (fname, c) in enumerate(ordered):
        for m_index, machine in enumerate(machines):
            pts = summary.curve(machine, fname, c["name"])
            if not pts:
                continue
            look = dict(looks[(fname, c["name"])])
            if len(machines) > 1:
                look["linestyle"] = machine_linestyle(m_index)
            label = c["label"] if len(machines) == 1 else f"{c['label']} — {machine}"
            _draw_series(ax, pts, lambda p: p.working_set_bytes, "time", label, look, style)
            base = {p.size: p for p in summary.curve(machine, baseline[0], baseline[1]["name"])}
            both = [p for p in pts if p.size in base]
            if both:
                ratio_ax.plot([p.working_set_bytes for p in both], [p.value / base[p.size].value for p in both],
                              color=look["color"], linestyle=look["linestyle"], marker=look["marker"],
                              markersize=style.marker_size, linewidth=style.line_width, label=label,
                              gid=f"{fname}/{c['name']}")
            drawn += 1
    if drawn == 0:
        raise ValueError("none of the comparison cases ran")
    unit = baseline[1].get("unit", {}).get("name", "element")
    _log_axes(ax, style, "working set of each layout (log scale)")
    _label_y(ax)
    _mark_caches(ax, caches, style)
    ax.set_ylabel(y_label("time", unit))
    ax.set_title(f"Same work, different layouts: summing N {unit}s", loc="left")
    _legend(ax, style)
    _log_axes(ratio_ax, style, "working set of each layout (log scale); ratios compare equal element counts")
    _label_y(ratio_ax)
    _mark_caches(ratio_ax, caches, style)
    ratio_ax.set_ylabel(f"time / {baseline[1]['label']} time\n(same count, log scale)")
    ratio_ax.axhline(1, color="black", linewidth=0.8)
    return _finish(fig, meta, style)


# ---- misses --------------------------------------------------------------------------------

# Misses per unit, by source. Simulated and measured counts are never drawn
# on the same axes.
MISS_PANELS = {
    "simulated": [
        ("sim_d1_misses_per_elem", "L1d misses per unit (simulated, callgrind)"),
        ("sim_l2_misses_per_elem", "L2 misses per unit (simulated)"),
        ("sim_ll_misses_per_elem", "last-level misses per unit (simulated)"),
    ],
    "papi": [
        ("l1d_misses_per_elem", "L1d misses per unit (measured, PAPI)"),
        ("l2_misses_per_elem", "L2 misses per unit (measured, PAPI)"),
        ("llc_misses_per_elem", "last-level misses per unit (measured, PAPI)"),
    ],
}


def miss_columns(summary: Summary) -> dict[str, list[tuple[str, str]]]:
    """The miss counters present in the summary, grouped by source."""
    present = set()
    for p in summary:
        present.update(p.counters)
    return {source: [(c, t) for c, t in panels if c in present]
            for source, panels in MISS_PANELS.items() if any(c in present for c, _ in panels)}


def plot_misses(summary: Summary, families: dict, source: str, caches: list[dict], meta: dict,
                style: Style = SCREEN, multiplexed: bool = False) -> Figure:
    """Misses per unit against working set for the comparison cases, one
    panel per cache level: the counts that explain the times."""
    panels = miss_columns(summary).get(source)
    if not panels:
        raise ValueError(f"no {source} miss counters in these results")
    baseline, layouts = comparison_cases(families)
    ordered = ([baseline] if baseline else []) + layouts
    looks = case_looks(families)
    fig, axes = _new_figure(style, len(panels))
    line_bytes = next((c.get("line_bytes") for c in caches if c.get("line_bytes")), None)
    unit_bytes = baseline[1].get("unit", {}).get("bytes") if baseline else None
    for ax, (column, title) in zip(axes, panels):
        for i, (fname, c) in enumerate(ordered):
            pts = [p for p in summary.curve(summary.series()[0], fname, c["name"]) if column in p.counters]
            if not pts:
                continue
            look = looks[(fname, c["name"])]
            ax.plot([p.working_set_bytes for p in pts], [p.counters[column] for p in pts], color=look["color"],
                    linestyle=look["linestyle"], marker=look["marker"], markersize=style.marker_size,
                    linewidth=style.line_width, label=c["label"], gid=f"{fname}/{c['name']}")
        _log_axes(ax, style, "working set (log scale)")
        ax.set_yscale("symlog", linthresh=0.01)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        _mark_caches(ax, caches, style)
        ax.set_ylabel("misses per unit")
        ax.set_title(title + (" — multiplexed, scaled estimates" if multiplexed else ""), loc="left")
        refs = [(1.0, "1 per unit")]
        if line_bytes and unit_bytes:
            refs.append((unit_bytes / line_bytes, f"{units.number(unit_bytes / line_bytes)}: one miss per line"))
        for ref, text in refs:
            ax.axhline(ref, color="0.6", linewidth=0.8, linestyle="--")
            ax.annotate(text, xy=(0, ref), xycoords=("axes fraction", "data"), xytext=(3, 2),
                        textcoords="offset points", fontsize=style.font_pt, color="0.4")
        _legend(ax, style)
    return _finish(fig, meta, style)


# ---- build costs, node gaps ---------------------------------------------------------------


def build_cases(families: dict) -> list[tuple[str, dict]]:
    return [(f, c) for f, d in sorted(families.items(), key=lambda kv: kv[1].get("order", 0))
            for c in d.get("cases", []) if c.get("role") == "build"]


def plot_allocations(summary: Summary, families: dict, meta: dict, style: Style = SCREEN) -> Figure:
    """Per allocator: build-and-destroy cost per node, and allocations from
    the global operator new per node, at the largest size built."""
    cases = [(f, c) for f, c in build_cases(families) if summary.curve(summary.series()[0], f, c["name"])]
    if not cases:
        raise ValueError("no build cases in these results")
    machines = summary.series()
    fig = Figure(figsize=(style.width_in, style.panel_height_in * (1.6 if not style.legend_outside else 1) + 0.6),
                 layout="constrained")
    cost_ax, alloc_ax = fig.subplots(2 if not style.legend_outside else 1, 2 if style.legend_outside else 1,
                                     squeeze=False).flatten()[:2]
    width = 0.8 / len(machines)
    looks = case_looks(families)
    largest = None
    for i, machine in enumerate(machines):
        pts = [summary.curve(machine, f, c["name"]) for f, c in cases]
        at = [p[-1] if p else None for p in pts]
        largest = largest or next((p.size for p in at if p), None)
        x = [k + (i - (len(machines) - 1) / 2) * width for k in range(len(cases))]
        colors = [looks[(f, c["name"])]["color"] for f, c in cases]
        hatch = ["", "//", "..", "xx"][i % 4]
        cost_ax.bar(x, [p.value if p else math.nan for p in at], width, color=colors, hatch=hatch,
                    edgecolor="white", label=machine)
        alloc_ax.bar(x, [p.counters.get("allocs_per_iter", math.nan) / p.size if p else math.nan for p in at], width,
                     color=colors, hatch=hatch, edgecolor="white", label=machine)
    unit = cases[0][1].get("unit", {}).get("name", "node")
    for ax in (cost_ax, alloc_ax):
        ax.set_xticks(range(len(cases)), [c["label"] for _, c in cases], rotation=25, ha="right")
        ax.grid(True, axis="y", alpha=0.3)
    cost_ax.set_ylabel(f"ns per {unit} (build and destroy)")
    cost_ax.set_title(f"Building a list of {units.count(largest)} {unit}s", loc="left")
    alloc_ax.set_yscale("log")
    alloc_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    alloc_ax.set_ylabel(f"operator new calls per {unit} (log)")
    alloc_ax.set_title("Allocations from the global allocator", loc="left")
    if len(machines) > 1:
        _legend(alloc_ax, style)
    return _finish(fig, meta, style)


def gap_buckets(result_gap_buckets: list[dict]) -> list[tuple[str, str]]:
    """(counter, label) per bucket of the distance to the next node, from
    the bucket bounds in lines the result file records."""
    out, previous = [], -1
    for b in result_gap_buckets:
        hi = b["max_lines"]
        lo = previous + 1
        if hi >= 2**63:
            label = f"{lo}+ lines"
        elif lo == hi:
            label = "same line" if hi == 0 else ("next line" if hi == 1 else f"{hi} lines")
        else:
            label = f"{lo}-{hi} lines"
        out.append((b["counter"], label))
        previous = hi
    return out


def plot_gaps(summary: Summary, buckets: list[tuple[str, str]], meta: dict, style: Style = SCREEN) -> Figure:
    """For every node layout at its largest size: how far apart consecutive
    nodes lie (share of steps per distance in cache lines), beside its time."""
    first = summary.series()[0]
    entries = []
    by_case: dict = {}
    for p in summary:
        if p.series == first and buckets and buckets[0][0] in p.counters:
            by_case.setdefault((p.family, p.case), []).append(p)
    for (family, case), pts in by_case.items():
        p = max(pts, key=lambda q: q.size)
        entries.append((f"{family}/{case}\n{units.count(p.size)}", [p.counters.get(c, 0.0) for c, _ in buckets],
                        p.value))
    if not entries:
        raise ValueError("no node layout with measured gaps in these results")
    entries.sort(key=lambda e: e[2])
    fig = Figure(figsize=(style.width_in, 1.4 + 0.5 * len(entries) * style.font_pt / 8.5), layout="constrained")
    gap_ax, time_ax = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1])
    cmap = matplotlib.colormaps["cividis"].resampled(len(buckets))
    y = range(len(entries))
    left = [0.0] * len(entries)
    for k, (_, label) in enumerate(buckets):
        shares = [e[1][k] for e in entries]
        gap_ax.barh(y, shares, left=left, color=cmap(k), label=label)
        left = [a + b for a, b in zip(left, shares)]
    gap_ax.set_yticks(list(y), [e[0] for e in entries])
    gap_ax.set_xlim(0, 1)
    gap_ax.set_xlabel("share of steps, by distance to the next node in cache lines")
    gap_ax.set_title("Where the next node lies" + (f" ({first})" if len(summary.series()) > 1 else ""), loc="left")
    gap_ax.legend(loc="upper left", bbox_to_anchor=(0, -0.15 - 0.3 / len(entries)), ncol=4, frameon=False)
    time_ax.barh(y, [e[2] for e in entries], color="0.4")
    time_ax.set_xscale("log")
    time_ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    time_ax.set_xlabel("ns per element (log)")
    time_ax.set_title("Its cost", loc="left")
    return _finish(fig, meta, style)


# ---- several machines ----------------------------------------------------------------------


def plot_grouped_bars(summary: Summary, families: dict, meta: dict, style: Style = SCREEN) -> Figure:
    """Several series side by side: the comparison cases at the largest size
    every series ran, one bar per series, with the interval as a whisker."""
    baseline, layouts = comparison_cases(families)
    if baseline is None:
        raise ValueError("no baseline case")
    machines = summary.series()
    sizes = None
    for m in machines:
        s = {p.size for p in summary.curve(m, baseline[0], baseline[1]["name"])}
        sizes = s if sizes is None else sizes & s
    if not sizes:
        raise ValueError("the sources share no size of the baseline case")
    n = max(sizes)
    fig = Figure(figsize=(style.width_in, style.panel_height_in + 0.8), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(machines)
    ordered = [baseline] + layouts
    looks = case_looks(families)
    for k, (fname, c) in enumerate(ordered):
        for i, machine in enumerate(machines):
            p = summary.get(machine, fname, c["name"], n)
            if p is None:
                continue
            v, lo, hi = y_value(p, "time")
            ax.bar(k + (i - (len(machines) - 1) / 2) * width, v, width, color=looks[(fname, c["name"])]["color"],
                   edgecolor="white",
                   hatch=["", "//", "..", "xx"][i % 4], label=machine if k == 0 else None,
                   yerr=[[v - lo], [hi - v]], capsize=3)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks(range(len(ordered)), [c["label"] for _, c in ordered], rotation=15, ha="right")
    ax.set_ylabel(y_label("time", baseline[1].get("unit", {}).get("name", "element")))
    ax.set_title(f"Side by side at {units.count(n)}: value with 95% interval", loc="left")
    ax.grid(True, axis="y", alpha=0.3)
    _legend(ax, style)
    return _finish(fig, meta, style)


def plot_plain(frame, meta: dict, style: Style = SCREEN, limit: int = 40) -> Figure:
    """Benchmarks without a working-set counter (plain Google Benchmark JSON):
    median real time per iteration, one bar per benchmark."""
    med = frame.groupby(["machine", "name"], sort=False)["real_time_ns"].median().reset_index()
    names = list(dict.fromkeys(med["name"]))[:limit]
    machines = sorted(med["machine"].unique())
    fig = Figure(figsize=(style.width_in, 1.5 + 0.28 * len(names) * max(1, len(machines) / 2) * style.font_pt / 8.5),
                 layout="constrained")
    ax = fig.subplots()
    height = 0.8 / len(machines)
    for i, machine in enumerate(machines):
        m = med[med["machine"] == machine].set_index("name")
        y = [k + (i - (len(machines) - 1) / 2) * height for k in range(len(names))]
        ax.barh(y, [m["real_time_ns"].get(n, float("nan")) for n in names], height, label=machine,
                color=case_look(i)["color"])
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("real time per iteration (ns, median, log scale)")
    ax.set_title("Benchmarks without a working-set counter", loc="left")
    ax.grid(True, axis="x", alpha=0.3)
    if len(machines) > 1:
        _legend(ax, style)
    return _finish(fig, meta, style)
