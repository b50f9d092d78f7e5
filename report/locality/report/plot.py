"""Figures built from the tidy table. Functions here build matplotlib
figures and do no I/O; write.py saves them."""

from __future__ import annotations

import math
import re
import textwrap

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from locality.report.tidy import summarise

# Figures are plain matplotlib Figures, not pyplot's: nothing global is kept
# alive, no backend is imposed (notebooks keep theirs), saving needs none.

# The case that stands for each layout in the comparison plot, in teaching
# order, with the style that stays the same in every figure.
COMPARISON = [
    ("stack_array", "sum", "stack array", "#1b9e77", "-"),
    ("heap_vector", "sum", "std::vector", "#000000", "-"),
    ("arena_nodes", "bump_list_sum", "list, bump arena", "#7570b3", "-"),
    ("scattered_nodes", "list_sum_fresh", "list, new per node, fresh heap", "#e6ab02", "--"),
    ("scattered_nodes", "list_sum", "list, new per node, shuffled", "#d95f02", "-"),
]
_LINESTYLES = ["-", "--", ":", "-."]


def format_bytes(value: float) -> str:
    """1024 -> '1 KiB', 33554432 -> '32 MiB'."""
    if value is None or not math.isfinite(value) or value <= 0:
        return "?"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale:
            v = value / scale
            return f"{v:.0f} {unit}" if abs(v - round(v)) < 0.05 else f"{v:.1f} {unit}"
    return f"{value:.0f} B"


def footer_text(meta: dict) -> str:
    """One or two lines naming the machine, build and run behind a figure."""
    parts = [meta.get("cpu", "unknown CPU")]
    if meta.get("caches"):
        parts.append(", ".join(f"L{c['level']} {format_bytes(c['size_bytes'])}"
                               for c in meta["caches"]))
    parts.append(meta.get("compiler", "compiler unknown") + " " + meta.get("build_flags", ""))
    line1 = " · ".join(p.strip() for p in parts)
    line2 = " · ".join(p for p in (
        f"locality {meta.get('suite_version', '?')} "
        f"({' / '.join(c[:12] for c in meta.get('git_commit', '?').split(' / '))})",
        meta.get("date", ""),
        f"counters: {meta.get('counters_backend', 'unknown')}",
        meta.get("library_note", ""),
        meta.get("figure_id", ""),
    ) if p)
    return line1 + "\n" + line2


def _size_axis(ax) -> None:
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_bytes(v)))
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(FuncFormatter(
        lambda v, _: f"{v:g}" if f"{v:.1g}"[0] in "25" else ""))
    ax.grid(True, which="major", alpha=0.3)
    ax.set_xlabel("working set (bytes the traversal touches, log scale)")


def _label_y(ax) -> None:
    """Call after drawing: data within one decade gets evenly spaced labelled
    ticks, since a log axis would show no labelled tick at all."""
    low, high = ax.get_ylim()
    if low > 0 and high / low < 10:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))


def _mark_caches(ax, caches: list[dict]) -> None:
    for c in caches:
        size = c["size_bytes"]
        ax.axvline(size, color="0.45", linestyle=":", linewidth=1)
        ax.annotate(f"L{c['level']} {format_bytes(size)}", xy=(size, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -3), textcoords="offset points", va="top", ha="left",
                    fontsize=8, color="0.3", rotation=90)


def _draw_series(ax, rows: pd.DataFrame, label: str, color=None, linestyle="-") -> None:
    rows = rows.sort_values("working_set_bytes")
    x = rows["working_set_bytes"].to_numpy()
    line, = ax.plot(x, rows["median"].to_numpy(), marker="o", markersize=3.5, label=label,
                    color=color, linestyle=linestyle, linewidth=1.6)
    ax.fill_between(x, rows["min"].to_numpy(), rows["max"].to_numpy(), color=line.get_color(),
                    alpha=0.18, linewidth=0)


def _legend(ax) -> None:
    # Outside the axes, so it never hides a line or a cache marker.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def _new_figure(nrows: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=(11, 4.6 + 2.8 * (nrows - 1)), layout="constrained")
    axes = fig.subplots(nrows, 1, squeeze=False, sharex=False)[:, 0].tolist()
    return fig, axes


def _finish(fig: Figure, meta: dict) -> Figure:
    fig.get_layout_engine().set(rect=(0, 0.07, 1, 0.93))
    fig.text(0.01, 0.01, footer_text(meta), fontsize=7, color="0.35", va="bottom", ha="left")
    return fig


def _mark_detected(ax, levels: list[dict]) -> None:
    for lv in levels:
        ax.axvline(lv["size_bytes"], color="#d62728", linestyle="--", linewidth=1)
        ax.annotate(f"detected {format_bytes(lv['size_bytes'])}", xy=(lv["size_bytes"], 0),
                    xycoords=("data", "axes fraction"), xytext=(-3, 3), textcoords="offset points",
                    va="bottom", ha="right", fontsize=8, color="#d62728", rotation=90)


def _natural(text: str) -> list:
    """Sort key that puts every_2 before every_16."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _family_summary(frame: pd.DataFrame, family: str) -> tuple[pd.DataFrame, str]:
    """The family's summary and what its values are: time per element, or
    for bandwidth, GB/s."""
    rows = frame[frame["family"] == family]
    if family == "bandwidth" and "bytes_per_second" in rows.columns:
        rows = rows.assign(time_per_elem_ns=rows["bytes_per_second"] / 1e9)
        return summarise(rows), "GB/s (log scale)"
    if family in ("latency", "tlb"):
        return summarise(rows), "ns per load (log scale)"
    return summarise(rows), "time per element (ns, log scale)"


def _draw_bars(ax, rows: pd.DataFrame, machines: list[str], value_label: str) -> None:
    """One horizontal bar per case (and machine) at its largest size, with
    the min-max whisker and the median written at its end."""
    rows = rows.sort_values("elements").groupby(["case", "machine"], sort=False).tail(1)
    cases = sorted(rows["case"].unique(), key=_natural)
    height = 0.8 / len(machines)
    for m_index, machine in enumerate(machines):
        part = rows[rows["machine"] == machine].set_index("case")
        ys, vals, lows, highs = [], [], [], []
        for c_index, case in enumerate(cases):
            if case in part.index:
                r = part.loc[case]
                ys.append(c_index + (m_index - (len(machines) - 1) / 2) * height)
                vals.append(r["median"])
                lows.append(r["median"] - r["min"])
                highs.append(r["max"] - r["median"])
        ax.barh(ys, vals, height=height * 0.9, xerr=[lows, highs], color=f"C{m_index}",
                label=machine if len(machines) > 1 else None, error_kw={"linewidth": 0.8})
        for y, v, hi in zip(ys, vals, highs):  # beyond the whisker
            ax.annotate(f"{v:.3g}", xy=(v + hi, y), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=7)
    ax.set_yticks(range(len(cases)), cases, fontsize=8)
    ax.invert_yaxis()
    # Bars start at zero, so their lengths compare; a log axis only where
    # the values span more than that can show.
    wide = rows["median"].max() > 30 * rows["median"].min()
    if wide:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.grid(True, axis="x", which="major", alpha=0.3)
    unit = value_label.replace(" (log scale)", "").replace(", log scale)", ")")
    ax.set_xlabel(unit + (", log scale" if wide else "") + ": median with min-max whisker")
    if len(machines) > 1:
        _legend(ax)


def plot_family(frame: pd.DataFrame, family: str, caches: list[dict], meta: dict,
                expected: str = "", detected_levels: list[dict] | None = None) -> Figure:
    """Time per element (GB/s for bandwidth) against working set, one line per
    case (and machine), median over repetitions with the min-max band. Build
    cases, whose cost is allocation rather than traversal, get a panel of
    their own; cases whose working set does not grow with their size (one
    size only, or a fixed window) are bars at their largest size."""
    summary, value_label = _family_summary(frame, family)
    if summary.empty:
        raise ValueError(f"no successful runs of family {family!r}")
    grows = summary.groupby("case")["working_set_bytes"].transform("nunique") > 1
    is_build = summary["case"].str.startswith("build_")
    panels = [("traversal", summary[grows & ~is_build]), ("build and destroy", summary[grows & is_build]),
              ("bars", summary[~grows])]
    panels = [(title, rows) for title, rows in panels if not rows.empty]
    fig, axes = _new_figure(len(panels))
    machines = sorted(summary["machine"].unique())
    for ax, (title, rows) in zip(axes, panels):
        if title == "bars":
            _draw_bars(ax, rows, machines, value_label)
            ax.set_title(f"{family}: cost per element, at each case's largest size", loc="left",
                         fontsize=11)
            continue
        cases = sorted(rows["case"].unique(), key=_natural)
        for (case, machine), series in rows.groupby(["case", "machine"], sort=True):
            # colour is the case, line style the source
            label = case if len(machines) == 1 else f"{case} — {machine}"
            style = _LINESTYLES[machines.index(machine) % len(_LINESTYLES)]
            _draw_series(ax, series, label, color=f"C{cases.index(case) % 10}", linestyle=style)
        _size_axis(ax)
        _label_y(ax)
        _mark_caches(ax, caches)
        if detected_levels:
            _mark_detected(ax, detected_levels)
        ax.set_ylabel(value_label)
        named = [t for t, _ in panels if t != "bars"]
        ax.set_title(f"{family}: {title}" if len(named) > 1 else family, loc="left", fontsize=11)
        _legend(ax)
    if expected:
        fig.suptitle(textwrap.fill("Expected: " + expected, 170), fontsize=8, x=0.01, ha="left",
                     color="0.25")
    return _finish(fig, meta)


def plot_comparison(frame: pd.DataFrame, caches: list[dict], meta: dict) -> Figure:
    """The four layouts doing the same work: time per element against working
    set, and the slowdown of each against std::vector at the same size."""
    summary = summarise(frame)
    fig, (ax, ratio_ax) = _new_figure(2)
    vector = summary[(summary["family"] == "heap_vector") & (summary["case"] == "sum")]
    vector_by = vector.set_index(["machine", "elements"])["median"]
    machines = sorted(summary["machine"].unique())
    drawn = 0
    for family, case, label, color, style in COMPARISON:
        rows = summary[(summary["family"] == family) & (summary["case"] == case)]
        for machine, series in rows.groupby("machine", sort=True):
            name = label if len(machines) == 1 else f"{label} — {machine}"
            ls = style if len(machines) == 1 else _LINESTYLES[machines.index(machine) % 4]
            _draw_series(ax, series, name, color=color, linestyle=ls)
            key = list(zip(series["machine"], series["elements"]))
            present = [k in vector_by.index for k in key]
            s = series[present].sort_values("working_set_bytes")
            if not s.empty:
                base = vector_by.loc[list(zip(s["machine"], s["elements"]))].to_numpy()
                ratio_ax.plot(s["working_set_bytes"], s["median"].to_numpy() / base, marker="o",
                              markersize=3.5, color=color, linestyle=ls, label=name)
            drawn += 1
    if drawn == 0:
        raise ValueError("none of the comparison cases ran: " +
                         ", ".join(f"{f}/{c}" for f, c, *_ in COMPARISON))
    _size_axis(ax)
    _label_y(ax)
    _mark_caches(ax, caches)
    ax.set_ylabel("time per element (ns, log scale)")
    ax.set_title("Same work, four layouts: summing N ints", loc="left", fontsize=11)
    _legend(ax)
    _size_axis(ratio_ax)
    _label_y(ratio_ax)
    _mark_caches(ratio_ax, caches)
    ratio_ax.set_ylabel("time / std::vector time\n(same element count, log scale)")
    ratio_ax.axhline(1, color="black", linewidth=0.8)
    ratio_ax.set_xlabel("working set of each layout (log scale); ratios compare equal element counts")
    return _finish(fig, meta)


# Misses per element, by source. Simulated and measured counts are never
# drawn on the same axes.
MISS_PANELS = {
    "simulated": [
        ("sim_d1_misses_per_elem", "L1d misses per element (simulated, callgrind)"),
        ("sim_l2_misses_per_elem", "L2 misses per element (simulated)"),
        ("sim_ll_misses_per_elem", "last-level misses per element (simulated)"),
    ],
    "papi": [
        ("l1d_misses_per_elem", "L1d misses per element (measured, PAPI)"),
        ("l2_misses_per_elem", "L2 misses per element (measured, PAPI)"),
        ("llc_misses_per_elem", "last-level misses per element (measured, PAPI)"),
    ],
}


def miss_columns(frame: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """The miss counters present in the frame, grouped by source."""
    found = {}
    for source, panels in MISS_PANELS.items():
        present = [(c, t) for c, t in panels if c in frame.columns and frame[c].notna().any()]
        if present:
            found[source] = present
    return found


def plot_misses(frame: pd.DataFrame, source: str, caches: list[dict], meta: dict,
                multiplexed: bool = False) -> Figure:
    """Misses per element against working set for the comparison cases, one
    panel per cache level: the counts that explain the times."""
    panels = miss_columns(frame).get(source)
    if not panels:
        raise ValueError(f"no {source} miss counters in these results")
    fig, axes = _new_figure(len(panels))
    keys = ["machine", "family", "case", "elements"]
    for ax, (column, title) in zip(axes, panels):
        rows = frame[frame[column].notna()]
        med = rows.groupby(keys)[[column, "working_set_bytes"]].median().reset_index()
        for family, case, label, color, style in COMPARISON:
            series = med[(med["family"] == family) & (med["case"] == case)].sort_values("working_set_bytes")
            if series.empty:
                continue
            ax.plot(series["working_set_bytes"], series[column], marker="o", markersize=3.5,
                    color=color, linestyle=style, label=label)
        _size_axis(ax)
        ax.set_yscale("symlog", linthresh=0.01)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        _mark_caches(ax, caches)
        ax.set_ylabel("misses per element")
        ax.set_title(title + (" — multiplexed, scaled estimates" if multiplexed else ""),
                     loc="left", fontsize=11)
        for ref, text in ((1 / 16, "1/16: one miss per line of ints"), (1.0, "1 per element")):
            ax.axhline(ref, color="0.6", linewidth=0.8, linestyle="--")
            ax.annotate(text, xy=(0, ref), xycoords=("axes fraction", "data"), xytext=(3, 2),
                        textcoords="offset points", fontsize=7, color="0.4")
        _legend(ax)
    return _finish(fig, meta)


BUILD_CASES = [
    ("build_new", "new/delete per node"),
    ("build_bump", "bump arena"),
    ("build_pool", "fixed-size pool"),
    ("build_pmr_monotonic", "pmr monotonic"),
    ("build_pmr_pool", "pmr unsynchronized pool"),
]
GAP_BUCKETS = [
    ("gap_share_0_lines", "same line"),
    ("gap_share_1_line", "next line"),
    ("gap_share_2_7_lines", "2-7 lines"),
    ("gap_share_8_63_lines", "8-63 (same 4 KiB page)"),
    ("gap_share_64_511_lines", "64-511 (32 KiB)"),
    ("gap_share_512_32767_lines", "512-32767 (2 MiB)"),
    ("gap_share_32768plus_lines", "32768+ lines"),
]


def _largest(rows: pd.DataFrame) -> float:
    return rows["elements"].max()


def plot_allocations(frame: pd.DataFrame, meta: dict) -> Figure:
    """Per allocator: build-and-destroy cost per node, and allocations from
    the global operator new per node, at the largest size built."""
    rows = frame[(frame["family"] == "arena_nodes") & frame["case"].str.startswith("build_")]
    if rows.empty:
        raise ValueError("no build_* cases in these results")
    n = _largest(rows)
    at_n = rows[rows["elements"] == n]
    machines = sorted(at_n["machine"].unique())
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    cost_ax, alloc_ax = fig.subplots(1, 2)
    width = 0.8 / max(len(machines), 1)
    present = [(c, label) for c, label in BUILD_CASES if c in set(at_n["case"])]
    for i, machine in enumerate(machines):
        m = at_n[at_n["machine"] == machine]
        cost = [m[m["case"] == c]["time_per_elem_ns"].median() for c, _ in present]
        allocs = [m[m["case"] == c]["allocs_per_iter"].median() / n for c, _ in present]
        x = [k + (i - (len(machines) - 1) / 2) * width for k in range(len(present))]
        cost_ax.bar(x, cost, width, label=machine)
        alloc_ax.bar(x, allocs, width, label=machine)
    for ax in (cost_ax, alloc_ax):
        ax.set_xticks(range(len(present)), [label for _, label in present], rotation=25, ha="right")
        ax.grid(True, axis="y", alpha=0.3)
    cost_ax.set_ylabel("ns per node (build and destroy)")
    cost_ax.set_title(f"Building a list of {n:,.0f} nodes", loc="left", fontsize=11)
    alloc_ax.set_yscale("log")
    alloc_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    alloc_ax.set_ylabel("operator new calls per node (log scale)")
    alloc_ax.set_title("Allocations from the global allocator", loc="left", fontsize=11)
    if len(machines) > 1:
        _legend(alloc_ax)
    return _finish(fig, meta)


def plot_gaps(frame: pd.DataFrame, meta: dict) -> Figure:
    """For every node layout at its largest size: how far apart consecutive
    nodes lie (share of steps per distance in cache lines), beside its time."""
    buckets = [(c, label) for c, label in GAP_BUCKETS if c in frame.columns]
    rows = frame[frame[buckets[0][0]].notna()] if buckets else frame.iloc[0:0]
    if rows.empty:
        raise ValueError("no node layout with measured gaps in these results")
    first_machine = sorted(rows["machine"].unique())[0]
    rows = rows[rows["machine"] == first_machine]
    entries = []
    for (family, case), part in rows.groupby(["family", "case"], sort=False):
        n = _largest(part)
        at_n = part[part["elements"] == n]
        entries.append((f"{family}/{case}\n{n:,.0f} elements",
                        [float(at_n[c].median()) for c, _ in buckets],
                        float(at_n["time_per_elem_ns"].median())))
    entries.sort(key=lambda e: e[2])
    fig = Figure(figsize=(11, 1.2 + 0.55 * len(entries)), layout="constrained")
    gap_ax, time_ax = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1])
    cmap = matplotlib.colormaps["viridis"].resampled(len(buckets))
    y = range(len(entries))
    left = [0.0] * len(entries)
    for k, (_, label) in enumerate(buckets):
        shares = [e[1][k] for e in entries]
        gap_ax.barh(y, shares, left=left, color=cmap(k), label=label)
        left = [a + b for a, b in zip(left, shares)]
    gap_ax.set_yticks(list(y), [e[0] for e in entries], fontsize=8)
    gap_ax.set_xlim(0, 1)
    gap_ax.set_xlabel("share of steps, by distance to the next node in cache lines")
    gap_ax.set_title("Where the next node lies" + (f" ({first_machine})" if frame["machine"].nunique() > 1
                                                    else ""), loc="left", fontsize=11)
    gap_ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.12 - 0.3 / len(entries)),
                  ncol=4, frameon=False)
    time_ax.barh(y, [e[2] for e in entries], color="0.4")
    time_ax.set_xscale("log")
    time_ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    time_ax.set_xlabel("ns per element (log)")
    time_ax.set_title("Its cost", loc="left", fontsize=11)
    return _finish(fig, meta)


def plot_grouped_bars(frame: pd.DataFrame, meta: dict) -> Figure:
    """Several sources side by side: time per element of each comparison
    case at the largest size all sources ran, one bar per source."""
    summary = summarise(frame)
    machines = sorted(summary["machine"].unique())
    sizes = None
    for machine in machines:
        s = set(summary[(summary["machine"] == machine) & (summary["family"] == "heap_vector")]["elements"])
        sizes = s if sizes is None else sizes & s
    if not sizes:
        raise ValueError("the sources share no size of heap_vector/sum")
    n = max(sizes)
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(machines)
    labels = []
    for k, (family, case, label, *_) in enumerate(COMPARISON):
        labels.append(label)
        for i, machine in enumerate(machines):
            r = summary[(summary["machine"] == machine) & (summary["family"] == family) &
                        (summary["case"] == case) & (summary["elements"] == n)]
            if r.empty:
                continue
            r = r.iloc[0]
            x = k + (i - (len(machines) - 1) / 2) * width
            ax.bar(x, r["median"], width, color=f"C{i}", label=machine if k == 0 else None,
                   yerr=[[r["median"] - r["min"]], [r["max"] - r["median"]]], capsize=3)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks(range(len(labels)), labels, rotation=15, ha="right")
    ax.set_ylabel("time per element (ns, log scale)")
    ax.set_title(f"Side by side at {n:,.0f} elements: median, min-max whiskers", loc="left", fontsize=11)
    ax.grid(True, axis="y", alpha=0.3)
    _legend(ax)
    return _finish(fig, meta)


def plot_plain(frame: pd.DataFrame, meta: dict, limit: int = 40) -> Figure:
    """Benchmarks without a working-set counter (plain Google Benchmark JSON):
    median real time per iteration, one bar per benchmark."""
    med = frame.groupby(["machine", "name"], sort=False)["real_time_ns"].median().reset_index()
    names = list(dict.fromkeys(med["name"]))[:limit]
    machines = sorted(med["machine"].unique())
    fig = Figure(figsize=(11, 1.5 + 0.28 * len(names) * max(1, len(machines) / 2)),
                     layout="constrained")
    ax = fig.subplots()
    height = 0.8 / len(machines)
    for i, machine in enumerate(machines):
        m = med[med["machine"] == machine].set_index("name")
        y = [k + (i - (len(machines) - 1) / 2) * height for k in range(len(names))]
        ax.barh(y, [m["real_time_ns"].get(n, float("nan")) for n in names], height, label=machine)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("real time per iteration (ns, median, log scale)")
    ax.set_title("Benchmarks without a working-set counter", loc="left", fontsize=11)
    ax.grid(True, axis="x", alpha=0.3)
    if len(machines) > 1:
        _legend(ax)
    return _finish(fig, meta)
