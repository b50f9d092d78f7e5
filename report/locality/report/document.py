"""The whole report: figures with captions, tables, warnings, how to cite.

build_report() turns loaded result files into a Report (no I/O);
write_report() writes it into a folder and returns the paths written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from locality.report import plot
from locality.report.checks import check_family, fmt, largest_common
from locality.report.load import ResultFile, ResultFileError
from locality.report.tables import comparison_table, to_latex, to_markdown
from locality.report.tidy import caches, source_labels, summarise, tidy
from locality.report.write import safe_filename, write_figures

LIBRARY_DEBUG_NOTE = "Google Benchmark library built as debug (Debian's; compiled with optimisation)"
NOISY_CV = 0.05


@dataclass
class FigureEntry:
    name: str       # file stem
    figure_id: str  # stable id for citing, e.g. LOC-vector-vs-list
    figure: Figure
    caption: str


@dataclass
class Report:
    sources: list[ResultFile]
    labels: list[str]
    frame: pd.DataFrame
    figures: list[FigureEntry] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)


def combined_meta(results: list[ResultFile], figure_id: str) -> dict:
    """Footer data for a figure drawn from several files: every distinct CPU,
    compiler, commit and date, not just the first file's."""
    metas = [figure_meta(r, figure_id) for r in results]
    meta = dict(metas[0])
    for key in ("cpu", "compiler", "build_flags", "git_commit", "date", "counters_backend"):
        values = list(dict.fromkeys(m[key] for m in metas if m[key]))
        meta[key] = " / ".join(values)
    return meta


def figure_meta(result: ResultFile, figure_id: str) -> dict:
    loc = result.locality or {}
    ctx = result.context
    return {
        "cpu": loc.get("cpu_model") or ctx.get("host_name", "unknown CPU"),
        "caches": caches(result),
        "compiler": loc.get("compiler", "compiler unknown"),
        "build_flags": loc.get("build_flags", ""),
        "suite_version": loc.get("suite_version", "?"),
        "git_commit": loc.get("git_commit", "?"),
        "date": loc.get("started_utc", ctx.get("date", "")),
        "counters_backend": loc.get("counters", {}).get("backend", "unknown"),
        "library_note": LIBRARY_DEBUG_NOTE if ctx.get("library_build_type") == "debug" else "",
        "figure_id": figure_id,
    }


def _llc(result: ResultFile) -> int | None:
    sizes = [c["size_bytes"] for c in caches(result)]
    return max(sizes) if sizes else None


def _row(table: pd.DataFrame, machine: str, case: str):
    r = table[(table["machine"] == machine) & (table["case"] == case)]
    return r.iloc[0] if len(r) else None


def percent(share: float) -> str:
    """0.5 -> '50%', 1.19e-07 -> 'under 0.01%'."""
    if share > 0 and share < 1e-4:
        return "under 0.01%"
    return f"{fmt(100 * share)}%"


def comparison_caption(table: pd.DataFrame, labels: list[str]) -> str:
    parts = []
    for machine in labels:
        vector = _row(table, machine, "heap_vector/sum")
        scattered = _row(table, machine, "scattered_nodes/list_sum")
        if vector is None or scattered is None:
            continue
        text = (f"at {vector['elements']:,} elements the shuffled list costs {fmt(scattered['vs_vector'])}x "
                f"the vector: {fmt(scattered['median_ns'])} vs {fmt(vector['median_ns'])} ns per element")
        if isinstance(scattered.get("misses_kind"), str) and isinstance(vector.get("misses_kind"), str):
            text += (f", {fmt(scattered['l1d_misses'])} vs {fmt(vector['l1d_misses'])} "
                     f"{scattered['misses_kind']} L1d misses per element")
        parts.append((f"{machine}: " if len(labels) > 1 else "") + text)
    if not parts:
        return "The four layouts doing the same work."
    sentence = "; ".join(parts)
    return (sentence if len(labels) > 1 else sentence[0].upper() + sentence[1:]) + "."


def misses_caption(frame: pd.DataFrame, source: str) -> str:
    column = plot.MISS_PANELS[source][0][0]
    rows = frame[frame[column].notna()]
    present = [(f, c) for f, c, *_ in plot.COMPARISON
               if not rows[(rows["family"] == f) & (rows["case"] == c)].empty]
    n = largest_common(rows, present)
    if n is None:
        return "Misses per element."
    values = []
    for family, case, label, *_ in plot.COMPARISON:
        r = rows[(rows["family"] == family) & (rows["case"] == case) & (rows["elements"] == n)]
        if len(r):
            values.append(f"{label} {fmt(float(r[column].median()))}")
    kind = "simulated (callgrind: LRU, no prefetcher)" if source == "simulated" else "measured (PAPI)"
    return f"At {n:,.0f} elements, L1d misses per element, {kind}: " + ", ".join(values) + "."


def latency_caption(frame: pd.DataFrame, levels: dict) -> str:
    """Random-chase latency at the sizes course notes quote, and the cache
    levels read off the curve beside the sizes sysfs gives."""
    rows = frame[(frame["family"] == "latency") & (frame["case"] == "random_chase")]
    med = rows.groupby("working_set_bytes")["time_per_elem_ns"].median()
    quoted = [f"{plot.format_bytes(ws)} {fmt(med[ws])} ns" for ws in (16 << 10, 256 << 10, 4 << 20, 256 << 20)
              if ws in med.index]
    detected = ", ".join(plot.format_bytes(lv["size_bytes"]) for lv in levels.get("detected", [])) or "none"
    sysfs = ", ".join(plot.format_bytes(c["size_bytes"]) for c in levels.get("sysfs", [])) or "unknown"
    text = "Random-chase latency per load: " + ", ".join(quoted) + ". " if quoted else ""
    return text + (f"Cache levels detected where the latency steps (dashed red): {detected}; "
                   f"sysfs: {sysfs}.")


def allocations_caption(frame: pd.DataFrame) -> str:
    rows = frame[(frame["family"] == "arena_nodes") & frame["case"].str.startswith("build_")]
    n = rows["elements"].max()
    at = rows[rows["elements"] == n]

    def med(case, col):
        return float(at[at["case"] == case][col].median())

    parts = []
    for case, label in plot.BUILD_CASES:
        if case in set(at["case"]):
            parts.append(f"{label} {fmt(med(case, 'time_per_elem_ns'))} ns per node, "
                         f"allocations per list: {fmt(med(case, 'allocs_per_iter'))}")
    return f"Building and destroying a list of {n:,.0f} nodes: " + "; ".join(parts) + "."


def gaps_caption(frame: pd.DataFrame) -> str:
    if "gap_share_0_lines" not in frame.columns:
        return "Measured distance between consecutive nodes."
    rows = frame[frame["gap_share_0_lines"].notna()]
    parts = []
    for family, case, label in (("scattered_nodes", "list_sum", "shuffled list"),
                                ("scattered_nodes", "list_sum_fresh", "fresh list"),
                                ("arena_nodes", "bump_list_sum", "arena list")):
        r = rows[(rows["family"] == family) & (rows["case"] == case)]
        if r.empty:
            continue
        r = r[r["elements"] == r["elements"].max()]
        near = float((r["gap_share_0_lines"] + r["gap_share_1_line"]).median())
        parts.append(f"{label}: {percent(near)} of steps stay in the same or next line")
    return ("Measured distance between consecutive nodes at each layout's largest size; " +
            "; ".join(parts) + ".") if parts else "Measured distance between consecutive nodes."


def collect_warnings(report: Report) -> list[str]:
    warnings = []
    summary = summarise(report.frame) if not report.frame.empty else pd.DataFrame(
        columns=["count", "cv", "family", "case", "elements"])
    multi = summary[summary["count"] >= 2]
    noisy = multi[multi["cv"] > NOISY_CV].sort_values("cv", ascending=False)
    if len(noisy):
        worst = ", ".join(f"{r.family}/{r.case}/{r.elements:.0f} ({100 * r.cv:.0f}%)"
                          for r in noisy.head(5).itertuples())
        warnings.append(f"{len(noisy)} of {len(multi)} points are noisy (coefficient of variation "
                        f"above {100 * NOISY_CV:.0f}% over repetitions), worst: {worst}.")
    if len(summary) and summary["count"].max() < 2:
        warnings.append("One repetition per point: no spread can be shown (a --quick run?). "
                        "Do not cite these numbers.")
    for result, label in zip(report.sources, report.labels):
        prefix = f"{label}: " if len(report.sources) > 1 else ""
        ctx, loc = result.context, result.locality or {}
        if ctx.get("library_build_type") == "debug":
            warnings.append(prefix + "the Google Benchmark library was built as debug (Debian's 1.7.1 "
                            "is built without NDEBUG, but with optimisation); the timed kernels are "
                            "built -O3 -DNDEBUG.")
        if ctx.get("cpu_scaling_enabled"):
            warnings.append(prefix + "CPU frequency scaling was enabled: times may vary with the clock.")
        counters = loc.get("counters", {})
        if counters.get("backend") in ("none", "simulated") and counters.get("reason"):
            reason = counters["reason"]
            if counters.get("backend") == "simulated":  # the advice was taken
                reason = reason.replace(" Use --simulate for simulated cache misses.", "")
            warnings.append(prefix + reason.rstrip(".") + ".")
        if counters.get("backend") == "simulated":
            warnings.append(prefix + "misses are simulated by callgrind (LRU, no prefetcher), not measured.")
        if counters.get("multiplexed"):
            warnings.append(prefix + "hardware counters were multiplexed: values are scaled estimates.")
        for w in loc.get("warnings", []):
            warnings.append(prefix + w)
        if not loc:
            warnings.append(prefix + "plain Google Benchmark JSON: no machine context, caches from "
                            "Google Benchmark, no family texts.")
    return warnings


def build_report(results: list[ResultFile]) -> Report:
    labels = source_labels(results)
    frame = tidy(results)
    ok = frame[frame["error"] == ""] if not frame.empty else frame
    if ok.empty:
        raise ResultFileError(results[0].path, "benchmarks", "no benchmark ran without an error")
    # Plain Google Benchmark entries have no working set: drawn on their own.
    has_ws = ok["working_set_bytes"].notna() if "working_set_bytes" in ok.columns else ok["name"].isna()
    plain = ok[~has_ws]
    ok = ok[has_ws]
    report = Report(sources=results, labels=labels, frame=ok)
    first = results[0]
    machine_caches = caches(first)
    texts = (first.locality or {}).get("families", {})
    meta = lambda fid: combined_meta(results, fid)  # noqa: E731
    report.table = comparison_table(ok)

    if "heap_vector" in set(ok["family"]):
        report.figures.append(FigureEntry(
            "comparison", "LOC-vector-vs-list", plot.plot_comparison(ok, machine_caches, meta("LOC-vector-vs-list")),
            comparison_caption(report.table, sorted(set(labels)))))
    if len(set(labels)) > 1 and "heap_vector" in set(ok["family"]):
        report.figures.append(FigureEntry(
            "side-by-side", "LOC-side-by-side", plot.plot_grouped_bars(ok, meta("LOC-side-by-side")),
            "Each source's time per element for the same cases at the same size; bars show the "
            "median, whiskers the min-max over repetitions."))
    counters = (first.locality or {}).get("counters", {})
    for source in plot.miss_columns(ok):
        fid = f"LOC-misses-{source}"
        report.figures.append(FigureEntry(
            f"misses-{source}", fid,
            plot.plot_misses(ok, source, machine_caches, meta(fid),
                             multiplexed=source == "papi" and counters.get("multiplexed", False)),
            misses_caption(ok, source)))
    for family in ok["family"].drop_duplicates():
        fid = f"LOC-{family}"
        expected = texts.get(family, {}).get("expected", "")
        captions = []
        for label in sorted(set(labels)):
            check = check_family(ok[ok["machine"] == label], family, _llc(first))
            if check is not None:
                text = f"the data {check.verdict} with the expectation: {check.sentence}"
                captions.append(f"{label}: {text}" if len(set(labels)) > 1 else text[0].upper() + text[1:])
        caption = (f"Expected: {expected} " if expected else "") + " ".join(captions)
        levels = (first.locality or {}).get("latency_levels", {}) if family == "latency" else {}
        if levels:
            caption += " " + latency_caption(ok, levels)
        report.figures.append(FigureEntry(
            f"family-{family}", fid,
            plot.plot_family(ok, family, machine_caches, meta(fid), expected, levels.get("detected")),
            caption.strip() or f"{family}: time per element against working set."))
    if "allocs_per_iter" in ok.columns and ok["case"].str.startswith("build_").any():
        report.figures.append(FigureEntry(
            "allocations", "LOC-allocations", plot.plot_allocations(ok, meta("LOC-allocations")),
            allocations_caption(ok)))
    if "gap_share_0_lines" in ok.columns and ok["gap_share_0_lines"].notna().any():
        report.figures.append(FigureEntry(
            "node-gaps", "LOC-node-gaps", plot.plot_gaps(ok, meta("LOC-node-gaps")), gaps_caption(ok)))
    if not plain.empty:
        report.figures.append(FigureEntry(
            "plain", "LOC-plain", plot.plot_plain(plain, meta("LOC-plain")),
            f"{plain['name'].nunique()} benchmarks without locality's counters (plain Google "
            "Benchmark JSON): real time per iteration, median over repetitions; sizes, misses and "
            "machine details are missing from such files and are not shown."))
    report.warnings = collect_warnings(report)
    return report


def _machine_section(result: ResultFile, label: str) -> list[str]:
    loc, ctx = result.locality or {}, result.context
    cache_text = ", ".join(f"L{c['level']} {c['type'].lower()} {plot.format_bytes(c['size_bytes'])}"
                           + (f" ({c['ways']}-way, {c['line_bytes']} B lines)" if c.get("ways") else "")
                           for c in caches(result))
    lines = [f"- **{label}** (`{Path(result.path).name}`)",
             f"  - CPU: {loc.get('cpu_model', ctx.get('host_name', 'missing'))}, {ctx.get('num_cpus', 'missing')} "
             f"CPUs at {ctx.get('mhz_per_cpu', 'missing')} MHz; caches: {cache_text or 'unknown'}",
             f"  - kernel: {loc.get('kernel', 'missing')}; started {loc.get('started_utc', ctx.get('date', 'missing'))}",
             f"  - build: {loc.get('compiler', 'missing')} `{loc.get('build_flags', 'missing')}`; locality "
             f"{loc.get('suite_version', 'missing')}, commit `{loc.get('git_commit', 'missing')}`",
             f"  - counters: {loc.get('counters', {}).get('backend', 'unknown')}"]
    return lines


def render_markdown(report: Report, formats: tuple[str, ...]) -> str:
    first = report.sources[0]
    loc = first.locality or {}
    out = ["# locality report", ""]
    out += ["Rendered by `locality-report` from " + ", ".join(
        f"`{Path(r.path).name}`" for r in report.sources) + ".", ""]
    out += ["## Machines", ""]
    for result, label in zip(report.sources, report.labels):
        out += _machine_section(result, label)
    out += ["", "## Warnings", ""]
    out += [f"- {w}" for w in report.warnings] or ["- none"]
    out += ["", "## The key numbers", "", to_markdown(report.table)]
    out += ["Full data: `data.csv` (one row per benchmark, repetition and source); LaTeX: "
            "`table.tex` (booktabs).", ""]
    out += ["## Figures", ""]
    for entry in report.figures:
        stem = safe_filename(entry.name)
        out += [f"### {entry.figure_id}", "", f"![{entry.figure_id}]({stem}.{formats[0]})", "",
                f"*{entry.figure_id}.* {entry.caption}", ""]
    out += ["## How to cite", "", "Cite a figure by its id, with the machine and the build:", "", "```"]
    for entry in report.figures[:1]:
        out.append(f"{entry.figure_id}: locality {loc.get('suite_version', '?')} (commit "
                   f"{loc.get('git_commit', '?')[:12]}), {loc.get('cpu_model', '?')} "
                   f"({loc.get('host', '?')}), {loc.get('compiler', '?')} {loc.get('build_flags', '')}, "
                   f"{loc.get('started_utc', '?')}; medians over repetitions, min-max shown. "
                   f"Data: {Path(first.path).name}.")
    out += ["```", ""]
    return "\n".join(out)


def write_report(report: Report, folder: str | Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_figures({e.name: e.figure for e in report.figures}, folder, formats)
    csv = folder / "data.csv"
    report.frame.to_csv(csv, index=False)
    tex = folder / "table.tex"
    tex.write_text(to_latex(report.table, "LOC-vector-vs-list"))
    md = folder / "report.md"
    md.write_text(render_markdown(report, formats))
    return written + [csv, tex, md]
