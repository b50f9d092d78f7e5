"""The class gallery: result files from many machines on one page.

    locality-report --gallery -o DIR RESULT.json [RESULT.json ...]

One row per machine (files of one machine and build are runs of it and are
pooled, as in the report): its CPU and caches, the latency of a random
pointer chase in each cache level and in memory, the read bandwidth from
each, and how many times slower the shuffled list is than the vector; below
the table, one small figure per machine with its latency and bandwidth
curves, side by side. What a file lacks (a family not run, caches unknown,
a ladder that stops inside the last-level cache) is shown as missing, with
why; nothing is estimated in its place.

Where a level's number comes from: the point with the largest working set
inside the level's region as the report's checks define regions (in L1: up
to half of L1; in L2: from twice L1 to half of L2; in the last level: from
twice the level below to half of it; memory: twice the last level and
beyond), so that the number is the level's own and not a step between two.
Each point's value is its case's statistic over the repetitions (minimum for
latency and bandwidth), without a bootstrap interval: the gallery compares
machines, the report of one machine gives the intervals.

Which case fills a column is read from each file's descriptors (a case's
`gallery` mark: latency, bandwidth, scattered, contiguous); a file without
marks (plain Google Benchmark JSON, or written before them) shows those
columns as missing, with why.

Only the entries the gallery reads are checked against the contract and
kept (load_result's `keep`), and files are read and figures drawn by one
process per core, so that a class of 200 files renders in under a minute.
"""

from __future__ import annotations

import csv
import io
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from locality.report import escape, units
from locality.report.checks import cache_levels, region_bounds
from locality.report.load import ResultFile, ResultFileError, load_result, read_once
from locality.report.summary import Point, Summary
from locality.report.tidy import caches, source_labels, tidy

LEVELS = ("L1", "L2", "LLC", "memory")
LEVEL_NAMES = {"L1": "L1", "L2": "L2", "LLC": "last level", "memory": "memory"}
REGIONS = {"L1": "in:L1", "L2": "in:L2", "LLC": "in:LLC", "memory": "beyond:LLC"}
# The gallery's columns, filled by the cases each file's descriptors mark
# for them (Case::gallery): the report names no case itself.
ROLES = ("latency", "bandwidth", "scattered", "contiguous")
# Below this many files a pool of processes costs more than it saves.
_POOL_FROM = 8


def gallery_cases(data: dict) -> dict[str, tuple[str, str]]:
    """Column -> (family, case), as the file's descriptors mark them; empty
    for plain Google Benchmark JSON and files written before the mark."""
    loc = (data.get("context") or {}).get("locality") if isinstance(data, dict) else None
    families = loc.get("families") if isinstance(loc, dict) else None
    found: dict[str, tuple[str, str]] = {}
    if not isinstance(families, dict):
        return found
    for family, desc in families.items():
        for c in (desc.get("cases") or []) if isinstance(desc, dict) else []:
            if isinstance(c, dict) and c.get("gallery") in ROLES and isinstance(c.get("name"), str):
                found.setdefault(c["gallery"], (family, c["name"]))
    return found


def _wanted(data: dict):
    """The test on entries: a repetition of a case the gallery reads."""
    prefixes = tuple(f"{f}/{c}/" for f, c in gallery_cases(data).values())

    def keep(entry: dict) -> bool:
        name = entry.get("run_name", entry.get("name", ""))
        return entry.get("run_type", "iteration") == "iteration" and isinstance(name, str) \
            and name.startswith(prefixes)
    return keep


def _read(path: str) -> tuple[str, ResultFile | None, str]:
    """One file, checked and cut to the entries the gallery reads; the
    error's one line instead where it is not a result file."""
    try:
        return path, load_result(path, keep=_wanted), ""
    except ResultFileError as e:
        return path, None, str(e)


def _map(function, items: list) -> list:
    workers = min(os.cpu_count() or 1, len(items))
    if workers < 2 or len(items) < _POOL_FROM:
        return [function(x) for x in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items, chunksize=max(1, len(items) // (4 * workers))))


@dataclass
class Machine:
    label: str
    cpu: str
    files: list[str]
    caches: list[dict]
    latency_ns: dict = field(default_factory=dict)       # level -> ns per load
    bandwidth_gbs: dict = field(default_factory=dict)    # level -> GB/s
    list_vs_vector: float = math.nan
    ratio_elements: float = math.nan
    missing: dict = field(default_factory=dict)          # column -> why
    cases: dict = field(default_factory=dict)            # gallery column -> (family, case)
    latency_curve: list = field(default_factory=list)    # (working set bytes, ns)
    bandwidth_curve: list = field(default_factory=list)  # (working set bytes, GB/s)
    figure: str = ""
    name: str = ""                                       # as shown; the label unless shorter is unique

    def __post_init__(self):
        self.name = self.name or self.label

    def cache_size(self, level: int) -> float:
        found = [c["size_bytes"] for c in self.caches if c["level"] == level]
        return float(found[0]) if found else math.nan

    def last_level_size(self) -> float:
        return float(max((c["size_bytes"] for c in self.caches), default=math.nan))


def _describe(region: str, levels: dict) -> str:
    low, high = region_bounds(region, levels)
    if math.isinf(high):
        return f"at or beyond {units.size_bytes(low)}"
    return f"from {units.size_bytes(low) if low else '0 B'} to {units.size_bytes(high)}"


def _at_level(curve: list[Point], what: str, level: str, levels: dict) -> tuple[Point | None, str]:
    if not curve:
        return None, f"{what} was not run"
    bounds = region_bounds(REGIONS[level], levels)
    if bounds is None:
        return None, "the caches are unknown"
    inside = [p for p in curve if bounds[0] <= p.working_set_bytes <= bounds[1]]
    if not inside:
        return None, f"{what} has no working set {_describe(REGIONS[level], levels)}"
    return max(inside, key=lambda p: p.working_set_bytes), ""


def _unmarked(first: ResultFile, role: str) -> str:
    if first.locality is None:
        return "a plain Google Benchmark file does not say which case is the gallery's " + role
    return f"no case of the file is marked as the gallery's {role} (a file written before the mark)"


def _machine(label: str, files: list[ResultFile], summary: Summary) -> Machine:
    first = files[0]
    loc = first.locality or {}
    found = caches(first)
    m = Machine(label=label, cpu=loc.get("cpu_model", "") or "unknown CPU", files=[str(f.path) for f in files],
                caches=found, cases=gallery_cases(first.data))
    levels = cache_levels(found)
    lat = summary.curve(label, *m.cases["latency"]) if "latency" in m.cases else []
    bw = summary.curve(label, *m.cases["bandwidth"]) if "bandwidth" in m.cases else []
    m.latency_curve = [(p.working_set_bytes, p.value) for p in lat if p.working_set_bytes > 0]
    m.bandwidth_curve = [(p.working_set_bytes, p.unit_bytes / p.value) for p in bw
                         if p.working_set_bytes > 0 and p.unit_bytes > 0]
    for level in LEVELS:
        if "latency" in m.cases:
            p, why = _at_level(lat, "/".join(m.cases["latency"]), level, levels)
        else:
            p, why = None, _unmarked(first, "latency")
        if p is None:
            m.missing[f"latency {LEVEL_NAMES[level]}"] = why
        else:
            m.latency_ns[level] = p.value
        if "bandwidth" in m.cases:
            p, why = _at_level(bw, "/".join(m.cases["bandwidth"]), level, levels)
        else:
            p, why = None, _unmarked(first, "bandwidth")
        if p is not None and not p.unit_bytes > 0:
            p, why = None, "the file does not say how many bytes a unit is (plain Google Benchmark JSON)"
        if p is None:
            m.missing[f"bandwidth {LEVEL_NAMES[level]}"] = why
        else:
            m.bandwidth_gbs[level] = p.unit_bytes / p.value
    unmarked = [r for r in ("scattered", "contiguous") if r not in m.cases]
    if unmarked:
        m.missing["list vs. vector"] = _unmarked(first, " and ".join(unmarked) + " case")
        return m
    pair = (m.cases["scattered"], m.cases["contiguous"])
    lists, vectors = ({p.size: p for p in summary.curve(label, *c)} for c in pair)
    common = sorted(set(lists) & set(vectors))
    if common:
        n = common[-1]
        m.list_vs_vector = lists[n].value / vectors[n].value
        m.ratio_elements = n
    else:
        ran = [n for n, c in zip(pair, (lists, vectors)) if not c]
        m.missing["list vs. vector"] = (" and ".join("/".join(n) for n in ran) + " not run") if ran \
            else "the list and the vector share no size"
    return m


def build_gallery(paths: list[str], names: dict | None = None) -> tuple[list[Machine], list[str], list[str]]:
    """The machines, notes on files read once, and the one-line errors of
    files that are not result files (the gallery is not written then)."""
    read = _map(_read, [str(p) for p in paths])
    errors = [e for _, r, e in read if r is None]
    results, notes = read_once((path, result) for path, result, _ in read if result is not None)
    if errors or not results:
        return [], notes, errors
    labels = source_labels(results, names)
    summary = Summary(tidy(results, names), intervals=False)
    groups: dict[str, list[ResultFile]] = {}
    for result, label in zip(results, labels):
        groups.setdefault(label, []).append(result)
    machines = [_machine(label, files, summary) for label, files in sorted(groups.items())]
    # The CPU has a column of its own: a label "host (CPU)" is shown as
    # "host" where that still tells the machines apart.
    short = [m.label.removesuffix(f" ({m.cpu})") or m.label for m in machines]
    if len(set(short)) == len(short):
        for m, name in zip(machines, short):
            m.name = name
    return machines, notes, errors


# --- figures -----------------------------------------------------------

def _ticks(ax, axis: str, low: float, high: float, fmt) -> None:
    """Fixed ticks at powers of 32 (bytes: 32 KiB, 1 MiB, 32 MiB ...) or
    10: log axes without matplotlib's tick search, which is most of a small
    figure's cost."""
    base = 32.0 if fmt is units.size_bytes else 10.0
    ticks = [base ** k for k in range(int(math.floor(math.log(low, base))), int(math.ceil(math.log(high, base))) + 1)]
    getattr(ax, f"set_{axis}ticks")(ticks, [fmt(t) for t in ticks])


def _thumbnail(args: tuple) -> str:
    """One machine's latency and bandwidth curves, side by side, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from locality.report.styles import PALETTE

    path, title, latency, bandwidth, cache_sizes = args
    fig = Figure(figsize=(5.6, 2.3))
    axes = fig.subplots(1, 2)
    panels = ((axes[0], latency, "ns per load (random chase)", True),
              (axes[1], bandwidth, "read GB/s", False))
    for ax, curve, ylabel, log_y in panels:
        ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        ax.minorticks_off()
        ax.set_ylabel(ylabel, fontsize=7)
        ax.tick_params(labelsize=6.5)
        ax.set_xlabel("working set", fontsize=7)
        for size in cache_sizes:
            ax.axvline(size, color="#999999", linestyle=":", linewidth=0.8)
        if not curve:
            ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center", va="center", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        xs, ys = zip(*curve)
        ax.plot(xs, ys, color=PALETTE[0], marker="o", markersize=2.5, linewidth=1.2)
        _ticks(ax, "x", min(xs + tuple(cache_sizes)), max(xs + tuple(cache_sizes)), units.size_bytes)
        if log_y:
            _ticks(ax, "y", min(ys), max(ys), units.number)
    fig.suptitle(title, fontsize=8)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.2, top=0.86, wspace=0.35)
    fig.savefig(path, dpi=110)
    return path


def _overview(path: Path, machines: list[Machine]) -> None:
    """Every machine's latency curve on one plot: the spread of the class."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from locality.report.styles import PALETTE

    fig = Figure(figsize=(7.0, 3.6))
    ax = fig.subplots()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.minorticks_off()
    xs_all, ys_all = [], []
    for m in machines:
        if m.latency_curve:
            xs, ys = zip(*m.latency_curve)
            ax.plot(xs, ys, color=PALETTE[0], alpha=max(0.15, min(0.9, 6 / len(machines))), linewidth=1.0)
            xs_all += xs
            ys_all += ys
    if xs_all:
        _ticks(ax, "x", min(xs_all), max(xs_all), units.size_bytes)
        _ticks(ax, "y", min(ys_all), max(ys_all), units.number)
    ax.set_xlabel("working set", fontsize=8)
    ax.set_ylabel("ns per load (random chase)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(f"Latency of a random pointer chase on {len(machines)} machines, one line each", fontsize=9)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.9)
    fig.savefig(path, format="svg")


# --- tables and the page -------------------------------------------------

def table_rows(machines: list[Machine]) -> list[dict]:
    """One dict per machine, numbers as numbers (NaN where missing)."""
    rows = []
    for m in machines:
        row = {"machine": m.name, "cpu": m.cpu, "l1d_bytes": m.cache_size(1), "l2_bytes": m.cache_size(2),
               "llc_bytes": m.last_level_size()}
        for level in LEVELS:
            row[f"latency_{level.lower()}_ns"] = m.latency_ns.get(level, math.nan)
        for level in LEVELS:
            row[f"read_{level.lower()}_gbs"] = m.bandwidth_gbs.get(level, math.nan)
        row.update({"list_vs_vector": m.list_vs_vector, "list_vs_vector_elements": m.ratio_elements,
                    "runs": len(m.files), "files": " ".join(Path(f).name for f in m.files),
                    "missing": "; ".join(f"{k}: {v}" for k, v in m.missing.items())})
        rows.append(row)
    return rows


def _csv_value(v):
    if not isinstance(v, float):
        return escape.csv_cell(v)
    if not math.isfinite(v):
        return ""
    return str(int(v)) if v.is_integer() and abs(v) < 2**53 else f"{v:.6g}"


def to_csv(machines: list[Machine]) -> str:
    rows = table_rows(machines)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return out.getvalue()


_HEAD = (["machine", "CPU", "L1d", "L2", "last level"]
         + [f"latency {LEVEL_NAMES[lv]} (ns)" for lv in LEVELS]
         + [f"read {LEVEL_NAMES[lv]} (GB/s)" for lv in LEVELS]
         + ["shuffled list / vector", "runs"])


def _cells(m: Machine) -> list[tuple[str, str]]:
    """(text, why missing) per column."""
    def value(v, why):
        return (units.number(v), "") if math.isfinite(v) else ("missing", why)

    cells = [(m.name, ""), (m.cpu, "")]
    for level in (1, 2):
        size = m.cache_size(level)
        cells.append((units.size_bytes(size), "") if math.isfinite(size) else ("missing", "not in the result file"))
    llc = m.last_level_size()
    cells.append((units.size_bytes(llc), "") if math.isfinite(llc) else ("missing", "not in the result file"))
    for level in LEVELS:
        cells.append(value(m.latency_ns.get(level, math.nan), m.missing.get(f"latency {LEVEL_NAMES[level]}", "")))
    for level in LEVELS:
        cells.append(value(m.bandwidth_gbs.get(level, math.nan), m.missing.get(f"bandwidth {LEVEL_NAMES[level]}", "")))
    ratio = m.list_vs_vector
    cells.append((f"{units.ratio(ratio)} at {units.count(m.ratio_elements)}", "") if math.isfinite(ratio)
                 else ("missing", m.missing.get("list vs. vector", "")))
    cells.append((str(len(m.files)), ""))
    return cells


def method(machines: list[Machine]) -> str:
    """How the numbers were made, naming the cases the files marked."""
    def named(role: str) -> str:
        found = sorted({"/".join(m.cases[role]) for m in machines if role in m.cases})
        return " or ".join(found) or "no case (none of the files marks one)"

    return (f"Latency: {named('latency')}, ns per dependent load; read bandwidth: {named('bandwidth')}, GB/s; "
            "each the minimum over repetitions at the largest working set inside the level (in L1: up to half "
            "of L1; in L2 and the last level: from twice the level below to half of the level; memory: twice "
            f"the last level and beyond). Shuffled list / vector: {named('scattered')} over {named('contiguous')}, "
            "ns per element, at the largest size both ran. Runs: result files of the machine and build, pooled. "
            "\"missing\": not in the file; the reason is given.")


def to_markdown(machines: list[Machine]) -> str:
    e = escape.markdown
    lines = ["# locality gallery", "", f"{len(machines)} machines. {e(method(machines))}", "",
             "| " + " | ".join(_HEAD) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(_HEAD) - 2)) + "|"]
    for m in machines:
        lines.append("| " + " | ".join(e(t) for t, _ in _cells(m)) + " |")
    missing = _missing(machines)
    if missing:
        lines += ["", "Why values are missing:", ""] + [f"- {e(line)}" for line in missing]
    return "\n".join(lines) + "\n"


def _missing(machines: list[Machine]) -> list[str]:
    """One line per machine and reason: 'pc001: latency L1, L2, last level,
    memory: <the latency case> was not run'."""
    lines = []
    for m in machines:
        by_why: dict[str, list[str]] = {}
        for what, why in m.missing.items():
            by_why.setdefault(why, []).append(what)
        for why, whats in by_why.items():
            lines.append(f"{m.name}: {', '.join(whats)}: {why}")
    return lines


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;padding:0 1rem;max-width:110rem;
color:#1a1a1a;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85rem}td,th{border-bottom:1px solid #ddd;padding:.2rem .5rem;
text-align:right;vertical-align:top}td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}
td.missing{color:#8a4b00;font-style:italic}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(31rem,1fr));gap:1rem}
.grid figure{margin:0}.grid img{width:100%;height:auto}figcaption{font-size:.85rem;color:#333}
"""


def render_html(machines: list[Machine], notes: list[str], overview: str) -> str:
    e = escape.html
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>locality gallery: {len(machines)} machines</title>",
             f"<style>{_CSS}</style></head><body>",
             f"<h1>locality gallery: {len(machines)} machines</h1>",
             f"<p>{e(method(machines))}</p>"]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    parts.append("<h2>Summary</h2><table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in _HEAD)
                 + "</tr></thead><tbody>")
    for m in machines:
        cells = "".join(f"<td>{e(t)}</td>" if not why else f'<td class="missing" title="{e(why)}">missing</td>'
                        for t, why in _cells(m))
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    missing = _missing(machines)
    if missing:
        parts.append("<h3>Why values are missing</h3><ul>" + "".join(f"<li>{e(line)}</li>" for line in missing)
                     + "</ul>")
    parts.append(f'<h2>Latency on every machine</h2><figure><img src="{e(overview)}" '
                 'alt="latency of a random pointer chase against working set, one line per machine" '
                 'style="max-width:50rem;width:100%"></figure>')
    parts.append('<h2>Each machine</h2><div class="grid">')
    for m in machines:
        parts.append(f'<figure><img src="{e(m.figure)}" loading="lazy" width="616" height="253" '
                     f'alt="latency and read bandwidth against working set on {e(m.name)}">'
                     f"<figcaption><strong>{e(m.name)}</strong>: {e(m.cpu)}; "
                     f"{e(', '.join(Path(f).name for f in m.files))}</figcaption></figure>")
    parts.append("</div></body></html>")
    return "\n".join(parts) + "\n"


def write_gallery(machines: list[Machine], notes: list[str], folder: Path) -> list[Path]:
    folder = Path(folder)
    (folder / "figures").mkdir()
    jobs = []
    width = len(str(len(machines)))
    for i, m in enumerate(machines, 1):
        m.figure = f"figures/{i:0{width}d}.png"
        sizes = sorted({float(c["size_bytes"]) for c in m.caches})
        jobs.append((str(folder / m.figure), f"{m.name}: {m.cpu}", m.latency_curve, m.bandwidth_curve, sizes))
    written = [Path(p) for p in _map(_thumbnail, jobs)]
    _overview(folder / "overview.svg", machines)
    (folder / "index.html").write_text(render_html(machines, notes, "overview.svg"), encoding="utf-8")
    (folder / "gallery.csv").write_text(to_csv(machines), encoding="utf-8")
    (folder / "gallery.md").write_text(to_markdown(machines), encoding="utf-8")
    return [folder / "index.html", folder / "gallery.csv", folder / "gallery.md", folder / "overview.svg", *written]
