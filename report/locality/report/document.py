"""The whole report: figures with captions, checks, tables, warnings, how to
cite.

build_report() turns loaded result files into a Report (no I/O);
write_report() writes it into a folder and returns the paths written.
Every string that came from a result file is escaped for the format it
goes into (escape.py).
"""

from __future__ import annotations


import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from locality.report import models, escape, plot, units
from locality.report.checks import Check, Movement, check_family, cache_levels, movements, region_bounds
from locality.report.load import ResultFile, ResultFileError
from locality.report.html import render_html
from locality.report.styles import STYLES, Style, case_looks, rc
from locality.report.summary import NOISY, Summary
from locality.report.findings import findings, findings_summary
from locality.report.tables import comparison_table, family_table, latex_figure, latex_table, to_markdown
from locality.report.texts import (bibtex, citation, clock_text, implausible_clock, l1_read_gb_s,
                                   probe_text, probed_ghz, title_of)
from locality.report.tidy import cache_note_text, cache_notes, caches, source_labels, tidy
from locality.report.write import safe_filename, write_figures

NOISY_CLOCK = 0.05  # the clock probe's samples varying by more than this: a noisy machine


@dataclass
class FigureEntry:
    name: str       # file stem
    figure_id: str  # stable id for citing, e.g. LOC-vector-vs-list
    figure: Figure
    caption: str    # plain text (escaped by each renderer): short, what is shown, the number, the verdict
    family: str = ""
    details: str = ""  # the long text beside the figure in the report: expectation, every check, highlights


@dataclass
class Report:
    sources: list[ResultFile]
    labels: list[str]
    frame: pd.DataFrame
    summary: Summary
    style: Style
    figures: list[FigureEntry] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    family_tables: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)  # family -> {series: Check}
    warnings: list[str] = field(default_factory=list)
    families: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)       # series -> models.Machine (the fitted parameters)
    comparisons: dict = field(default_factory=dict)  # (series, family) -> [models.Comparison]
    movements: dict = field(default_factory=dict)  # series -> checks.Movement (None: one pass)


def combined_meta(results: list[ResultFile], figure_id: str, names: dict | None = None) -> dict:
    """Footer data for a figure drawn from several files: every distinct CPU,
    compiler, commit and date, not just the first file's."""
    metas = [figure_meta(r, figure_id, names) for r in results]
    meta = dict(metas[0])
    for key in ("cpu", "compiler", "build_flags", "git_commit", "date", "counters_backend"):
        values = list(dict.fromkeys(m[key] for m in metas if m[key]))
        meta[key] = " / ".join(values)
    return meta


def figure_meta(result: ResultFile, figure_id: str, names: dict | None = None) -> dict:
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
        "figure_id": figure_id,
    }


def families_of(results: list[ResultFile]) -> dict:
    """Every family's descriptor, the first file's where several have it."""
    out: dict = {}
    for r in results:
        for name, desc in r.families.items():
            out.setdefault(name, desc)
    return out


def clock_ghz(result: ResultFile) -> float | None:
    """The clock for cycles (texts.probed_ghz), or None where there is none or no
    core could run at it (then no cycles are shown; implausible_clock says
    why)."""
    loc = result.locality or {}
    return None if implausible_clock(loc) else (probed_ghz(loc) or None)


# ---- captions -----------------------------------------------------------------------------


REGION_NAMES = [("in:L1", "in L1"), ("in:L2", "in L2"), ("in:LLC", "in the last level"),
                ("beyond:LLC", "beyond the last level")]


def highlights(summary: Summary, series: str, family: str, desc: dict, caches_: list[dict],
               ghz: float | None, llc_confirmed: bool = True) -> str:
    """The family's first case at the largest size in each region, with
    cycles where the family counts them. Where the latency curve has no
    step near the last level's stated size (a virtual machine's share of
    it), no point is named "in the last level": it may be memory."""
    if not desc or not desc.get("cases"):
        return ""
    cases = [c for c in desc["cases"] if summary.curve(series, family, c["name"]) and not c.get("series")]
    if not cases:
        return ""
    c = cases[0]
    pts = summary.curve(series, family, c["name"])
    levels = cache_levels(caches_)
    parts = []
    metric = desc.get("metric", "time")
    for region, words in REGION_NAMES:
        bounds = region_bounds(region, levels)
        if bounds is None:
            continue
        inside = [p for p in pts if bounds[0] <= p.working_set_bytes <= bounds[1]]
        if not inside:
            continue
        if region == "in:LLC" and not llc_confirmed:
            parts.append("none named in the last level, whose size the latency curve does not confirm")
            continue
        p = inside[-1]
        if metric == "bandwidth" and p.unit_bytes:
            text = units.rate(p.unit_bytes / p.value * 1e9)
        else:
            text = units.time_ns(p.value)
            if ghz and desc.get("cycles"):
                text += f" ({units.cycles(p.value, ghz)})"
        parts.append(f"{text} {words} ({units.size_bytes(p.working_set_bytes)})")
    if not parts:
        return ""
    what = "per " + c.get("unit", desc["unit"])["name"] if metric == "time" else "read"
    stat = c.get("statistic", desc.get("statistic", "median"))
    return f"{c['label']}, {what} ({stat} of the repetitions): " + ", ".join(parts) + "."


def fit_models(summary: Summary, families: dict, machine_caches: list[dict]) -> dict:
    """series -> the machine model fitted to that series' run (levels from
    the topology, the last one fitted to the latency chase; latencies and
    bandwidths from the marked cases); series whose run cannot give one are
    left out."""
    out = {}
    for s in summary.series():
        fitted = models.fit(summary, s, families, machine_caches)
        if fitted is not None:
            out[s] = fitted
    return out


def model_caption(compared: dict, every: bool = False) -> str:
    """The model sentence of a family: the first modelled case's (every
    case's with every=True), per series."""
    parts = []
    for series, comps in compared.items():
        head = f"{series}: " if len(compared) > 1 else ""
        for comp in comps if every else comps[:1]:
            parts.append(head + "Model, " + models.sentence(comp))
    return (" " + " ".join(parts)) if parts else ""


def family_caption(desc: dict, checks: dict[str, Check], extra: str) -> str:
    parts = []
    if desc.get("expected"):
        parts.append(f"Expected: {desc['expected']}")
    for series, check in checks.items():
        head = f"{series}: " if len(checks) > 1 else ""
        parts.append(f"{head}Verdict: {check.verdict}. {check.sentence}")
    if extra:
        parts.append(extra)
    return " ".join(parts)


def short_caption(family: str, desc: dict, checks: dict[str, Check]) -> str:
    """What a figure shows, the number to remember and the verdict, in a
    few lines: the first check's sentence carries the number."""
    unit = (desc.get("unit") or {}).get("name", "unit")
    what = ("Bandwidth" if desc.get("metric") == "bandwidth" else f"Time per {unit}") + \
        f" of each case of {title_of(family, desc)}, by {desc.get('size_name', 'size')}"
    parts = [what + "."]
    for series, check in checks.items():
        head = f"{series}: " if len(checks) > 1 else ""
        if check.results:
            parts.append(head + check.results[0].sentence)
        agree = sum(r.verdict == "agrees" for r in check.results)
        parts.append(f"{head}Verdict: {check.verdict} ({agree} of {len(check.results)} checks agree).")
    return " ".join(parts)


def comparison_caption(table: pd.DataFrame, labels: list[str]) -> str:
    parts = []
    for machine in labels:
        rows = table[table["machine"] == machine]
        if rows.empty or len(rows) < 2:
            continue
        base = rows[rows["role"] == "baseline"]
        worst = rows.sort_values("vs_baseline").iloc[-1]
        if base.empty:
            continue
        b = base.iloc[0]
        text = (f"at {units.count(worst['elements'])} elements the {worst['layout']} costs "
                f"{units.ratio(worst['vs_baseline'])} the {b['layout']}: {units.number(worst['value_ns'])} vs "
                f"{units.number(b['value_ns'])} ns per element")
        if isinstance(worst.get("misses_kind"), str) and isinstance(b.get("misses_kind"), str):
            text += (f", {units.number(worst['l1d_misses'])} vs {units.number(b['l1d_misses'])} "
                     f"{worst['misses_kind']} L1d misses per element")
        parts.append((f"{machine}: " if len(labels) > 1 else "") + text)
    if not parts:
        return "The layouts doing the same work."
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + ". Bands are 95% intervals; hollow points are wider than +-5%."


# ---- warnings ----------------------------------------------------------------------------------


def probe_change(loc: dict) -> str | None:
    """A sentence when the machine's speed changed during the run: the
    probe's clock or L1 read rate after the run more than NOISY_CLOCK away
    from before it."""
    clock = loc.get("clock") or {}
    before, after = clock.get("before") or {}, clock.get("after") or {}
    for what, a, b, unit in (("clock", before.get("ghz"), after.get("ghz"), "GHz"),
                             ("L1 vector read", l1_read_gb_s(loc), l1_read_gb_s(loc, "after"), "GB/s")):
        if a and b and abs(b / a - 1) > NOISY_CLOCK:
            return (f"the machine's speed changed during the run: the probe's {what} gave {units.number(a)} {unit} "
                    f"before and {units.number(b)} {unit} after ({units.ratio(b / a)}); points measured at "
                    "different times are not on equal footing.")
    return None


def probe_disagreement(results: list, labels: list[str]) -> str | None:
    """A sentence when runs pooled as one machine were made while it ran at
    different speeds: their L1 read probes more than NOISY_CLOCK apart.
    Their range then holds the host's other tenants, not only noise."""
    by_label: dict[str, list[tuple[str, float]]] = {}
    for result, label in zip(results, labels):
        rate = l1_read_gb_s(result.locality or {})
        if rate:
            by_label.setdefault(label, []).append((Path(result.path).name, rate))
    for label, rates in by_label.items():
        values = [r for _, r in rates]
        if len(values) >= 2 and max(values) / min(values) - 1 > NOISY_CLOCK:
            listed = ", ".join(f"{units.number(r)} GB/s ({name})" for name, r in rates)
            return (f"{label}: the runs pooled were made while the machine ran at different speeds: the L1 vector "
                    f"read probe gave {listed}. Their range includes the host's load, not only the "
                    "measurement's noise.")
    return None


def collect_warnings(report: Report, notes: list[str]) -> list[str]:
    warnings = list(notes)
    frame = report.frame
    failed = frame[frame["error"] != ""].drop_duplicates("name") if "error" in frame.columns else frame.iloc[0:0]
    if len(failed):
        shown = "; ".join(f"{n}: {e}" for n, e in zip(failed["name"][:3], failed["error"][:3]))
        warnings.append(f"{len(failed)} benchmark(s) failed and are not drawn (in data.csv with their "
                        f"error): {shown}{' ...' if len(failed) > 3 else ''}.")
    points = list(report.summary)
    measured = [p for p in points if p.n >= 2]
    noisy = sorted((p for p in measured if p.noisy), key=lambda p: -p.half_width)
    if noisy:
        worst = ", ".join(f"{p.name} (+-{100 * p.half_width:.0f}%)" for p in noisy[:5])
        warnings.append(f"{len(noisy)} of {len(measured)} points have a 95% interval wider than "
                        f"+-{100 * NOISY:.0f}% of their value (drawn hollow), widest: {worst}.")
    split = sorted((p for p in points if p.modes), key=lambda p: -p.modes[1] / p.modes[0])
    if split:
        worst = ", ".join(f"{p.name} ({units.number(p.modes[0])} and {units.number(p.modes[1])} ns)" for p in split[:5])
        warnings.append(f"{len(split)} of {len(points)} points have repetitions in two modes (a fast and a slow "
                        "state of the machine): their interval spans both modes and does not say which one "
                        f"the next run will see; the widest: {worst}.")
    if points and not measured:
        warnings.append("One repetition per point: no interval can be shown (a --quick run?). "
                        "Do not cite these numbers.")
    for result, label in zip(report.sources, report.labels):
        prefix = f"{label} ({Path(result.path).name}): " if len(report.sources) > 1 else ""
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
        run = loc.get("run", {})
        if run.get("incomplete"):
            warnings.append(prefix + f"this run is incomplete ({run['incomplete']}): what was not measured is "
                            "missing, not zero.")
        for when in ("before", "after"):
            probe = loc.get("clock", {}).get(when)
            if probe and probe.get("spread", 0) > NOISY_CLOCK:
                warnings.append(prefix + f"the machine was noisy {when} the run: the same short kernel varied by "
                                f"{units.percent(probe['spread'])} (clock probe).")
            read = (probe or {}).get("l1_read")
            if read and read.get("spread", 0) > NOISY_CLOCK:
                warnings.append(prefix + f"the machine was noisy {when} the run: the same L1 vector read varied "
                                f"by {units.percent(read['spread'])} (throughput probe).")
        odd = implausible_clock(loc)
        if odd and not any(w.startswith("the probed clock") for w in loc.get("warnings", [])):
            warnings.append(prefix + odd)
        changed = probe_change(loc)
        if changed:
            warnings.append(prefix + changed)
        for w in loc.get("warnings", []):
            warnings.append(prefix + w)
        if not loc:
            warnings.append(prefix + "plain Google Benchmark JSON: no machine context, caches from "
                            "Google Benchmark, no family texts.")
    pooled = probe_disagreement(report.sources, report.labels)
    if pooled:
        warnings.append(pooled)
    return warnings


# ---- building --------------------------------------------------------------------------------


def check_families(summary: Summary, families: dict, machine_caches: list[dict],
                   movements: dict[str, Movement | None] | None = None) -> dict[str, dict[str, Check]]:
    """Every family of the summary in teaching order, with its checks per
    series (none for a family without claims); movements (series ->
    Movement) widens each series' intervals to its run-to-run movement."""
    present = list(dict.fromkeys(p.family for p in summary))
    present.sort(key=lambda f: (families.get(f, {}).get("order", 10**6), f))
    checks: dict[str, dict[str, Check]] = {}
    for family in present:
        checks[family] = {}
        for s in summary.series():
            moved = (movements or {}).get(s)
            check = check_family(summary, s, family, families, machine_caches,
                                 movement=moved.half_width if moved else 0.0)
            if check is not None:
                checks[family][s] = check
    return checks


def build_report(results: list[ResultFile], style: str = "screen", names: dict | None = None,
                 notes: list[str] | None = None, footer: bool = True) -> Report:
    st = replace(STYLES[style], footer=footer)
    labels = source_labels(results, names)
    frame = tidy(results, names)
    ok = frame[frame["error"] == ""] if not frame.empty else frame
    if ok.empty:
        raise ResultFileError(results[0].path, "benchmarks", "no benchmark ran without an error")
    # Plain Google Benchmark entries have no working set: drawn on their own.
    has_ws = ok["working_set_bytes"].notna() if "working_set_bytes" in ok.columns else ok["name"].isna()
    plain = ok[~has_ws]
    ok = ok[has_ws]
    summary = Summary(ok)
    families = families_of(results)
    # data.csv holds every row read: failed benchmarks (with their error)
    # and plain Google Benchmark entries too.
    report = Report(sources=results, labels=labels, frame=frame, summary=summary, style=st, families=families)
    first = results[0]
    machine_caches = caches(first)
    ghz = clock_ghz(first) if len(set(labels)) == 1 else None
    meta = lambda fid: combined_meta(results, fid, names)  # noqa: E731
    series = summary.series()
    looks = case_looks(families)
    with rc(st):
        report.table = comparison_table(summary, families)
        baseline, _ = plot.comparison_cases(families)
        if baseline and summary.curve(series[0], baseline[0], baseline[1]["name"]) if series else False:
            report.figures.append(FigureEntry(
                "comparison", "LOC-vector-vs-list",
                plot.plot_comparison(summary, families, machine_caches, meta("LOC-vector-vs-list"), st),
                comparison_caption(report.table, sorted(set(labels)))))
            if len(series) > 1:
                report.figures.append(FigureEntry(
                    "side-by-side", "LOC-side-by-side", plot.plot_grouped_bars(summary, families, meta("LOC-side-by-side"), st),
                    "Each series' time per element for the same cases at the same size; whiskers are 95% intervals."))
        counters = (first.locality or {}).get("counters", {})
        for source in plot.miss_columns(summary):
            fid = f"LOC-misses-{source}"
            report.figures.append(FigureEntry(
                f"misses-{source}", fid,
                plot.plot_misses(summary, families, source, machine_caches, meta(fid), st,
                                 multiplexed=source == "papi" and counters.get("multiplexed", False)),
                misses_caption(summary, families, source)))
        report.movements = movements(ok, families, machine_caches)
        report.checks = check_families(summary, families, machine_caches, report.movements)
        # the levels check says whether the latency curve confirms the last
        # level's size; every family's highlights need it
        confirmed = [c.marks["llc_confirmed"] for checks in report.checks.values() for c in checks.values()
                     if "llc_confirmed" in c.marks]
        llc_confirmed = all(confirmed)
        report.models = fit_models(summary, families, machine_caches)
        for family, checks in report.checks.items():
            desc = families.get(family, {})
            fid = f"LOC-{family}"
            detected = next((c.marks.get("detected_levels") for c in checks.values()
                             if c.marks.get("detected_levels")), None)
            extra = highlights(summary, series[0], family, desc, machine_caches, ghz,
                               llc_confirmed) if len(series) == 1 else ""
            compared = {s: models.compare(m, summary, s, family, desc) for s, m in report.models.items()}
            report.comparisons.update({(s, family): c for s, c in compared.items() if c})
            report.figures.append(FigureEntry(
                f"family-{family}", fid,
                plot.plot_family(summary, family, desc, machine_caches, meta(fid), st, detected, ghz,
                                 looks, report.models),
                (short_caption(family, desc, checks) + model_caption(compared)) if desc
                else f"{family}: time per iteration.", family,
                details=family_caption(desc, checks, extra) + model_caption(compared, every=True)))
            report.family_tables[family] = family_table(summary, family, desc, report.models)
        if plot.build_cases(families) and any(summary.curve(series[0], f, c["name"]) for f, c in plot.build_cases(families)):
            report.figures.append(FigureEntry(
                "allocations", "LOC-allocations", plot.plot_allocations(summary, families, meta("LOC-allocations"), st),
                allocations_caption(summary, families)))
        buckets = plot.gap_buckets((first.locality or {}).get("gap_buckets", []))
        if buckets and any(buckets[0][0] in p.counters for p in summary):
            report.figures.append(FigureEntry(
                "node-gaps", "LOC-node-gaps", plot.plot_gaps(summary, buckets, meta("LOC-node-gaps"), st),
                gaps_caption(summary, buckets)))
        if not plain.empty:
            report.figures.append(FigureEntry(
                "plain", "LOC-plain", plot.plot_plain(plain, meta("LOC-plain"), st),
                f"{plain['name'].nunique()} benchmarks without locality's counters (plain Google "
                "Benchmark JSON): real time per iteration, median over repetitions; sizes, misses and "
                "machine details are missing from such files and are not shown."))
    report.warnings = collect_warnings(report, notes or [])
    return report


def misses_caption(summary: Summary, families: dict, source: str) -> str:
    column = plot.MISS_PANELS[source][0][0]
    baseline, layouts = plot.comparison_cases(families)
    ordered = ([baseline] if baseline else []) + layouts
    series = summary.series()[0]
    curves = {c["label"]: {p.size: p for p in summary.curve(series, f, c["name"]) if column in p.counters}
              for f, c in ordered}
    common = set.intersection(*(set(v) for v in curves.values() if v)) if any(curves.values()) else set()
    if not common:
        return "Misses per unit."
    n = max(common)
    values = [f"{label} {units.number(v[n].counters[column])}" for label, v in curves.items() if n in v]
    kind = "simulated (callgrind: LRU, no prefetcher)" if source == "simulated" else "measured (PAPI)"
    return f"At {units.count(n)} elements, L1d misses per element, {kind}: " + ", ".join(values) + "."


def allocations_caption(summary: Summary, families: dict) -> str:
    series = summary.series()[0]
    parts, largest = [], None
    for f, c in plot.build_cases(families):
        pts = summary.curve(series, f, c["name"])
        if not pts:
            continue
        p = pts[-1]
        largest = p.size
        parts.append(f"{c['label']} {units.number(p.value)} ns per node, "
                     f"allocations per list: {units.number(p.counters.get('allocs_per_iter', math.nan))}")
    return f"Building and destroying a list of {units.count(largest)} nodes: " + "; ".join(parts) + "."


def gaps_caption(summary: Summary, buckets: list[tuple[str, str]]) -> str:
    near = [c for c, _ in buckets[:2]]
    series = summary.series()[0]
    baseline_or_layout = {}
    for p in summary:
        if p.series == series and near[0] in p.counters and p.role in ("layout", "baseline"):
            if p.size >= baseline_or_layout.get(p.label, (0, None))[0]:
                baseline_or_layout[p.label] = (p.size, p)
    parts = [f"{label}: {units.percent(sum(p.counters.get(c, 0) for c in near))} of steps stay in the same or "
             "next line" for label, (_, p) in baseline_or_layout.items()]
    return ("Measured distance between consecutive nodes at each layout's largest size" +
            ("; " + "; ".join(parts) if parts else "") + ".")


# ---- writing ---------------------------------------------------------------------------------


def model_section_markdown(report: Report) -> list[str]:
    if not report.models or not report.comparisons:
        return []
    e = escape.markdown
    several = len(report.models) > 1
    out = ["## The model beside the measurement", "",
           "Each family's broad pale lines are what a textbook model predicts on this machine, from "
           "parameters measured in the same run (" + "; ".join(e(k) + ": " + e(v) for k, v in models.KIND_WORDS.items())
           + "). The machine's parameters:", ""]
    for series, fitted in report.models.items():
        out += [f"- {e(series)}: "] if several else []
        out += [("  " if several else "") + f"- {e(line)}" for line in models.parameters(fitted)]
        out += [("  " if several else "") + f"- how: {e(note)}" for note in fitted.notes]
    rows = models.rows(report.comparisons)
    if rows:
        out += ["", "| Family | Case | Model | Tolerance | Within, away from the transitions | Farthest |"
                + (" Machine |" if several else ""), "|---|---|---|---|---|---|" + ("---|" if several else "")]
        out += [f"| {e(r['family'])} | {e(r['case'])} | {e(r['model'])} | {e(r['tolerance'])} | {e(r['within'])} | "
                f"{e(r['farthest'])} |" + (f" {e(r['machine'])} |" if several else "") for r in rows]
    return out + [""]


def _machine_section(result: ResultFile, label: str) -> list[str]:
    loc, ctx = result.locality or {}, result.context
    e = escape.markdown
    cache_text = ", ".join(f"L{c['level']} {str(c['type']).lower()} {units.size_bytes(c['size_bytes'])}"
                           + (f" ({c['ways']}-way, {c['line_bytes']} B lines)" if c.get("ways") else "")
                           for c in caches(result))
    machine = loc.get("machine", {})
    return [f"- **{e(label)}** ({escape.markdown_code(Path(result.path).name)})",
            f"  - CPU: {e(loc.get('cpu_model', ctx.get('host_name', 'missing')))}, "
            f"{e(machine.get('logical_cpus', ctx.get('num_cpus', 'missing')))} logical CPUs; caches "
            f"({e(machine.get('cache_source', 'source unknown'))}): {e(cache_text) or 'unknown'}",
            *[f"  - cache figure not used as reported: {e(cache_note_text(n))}" for n in cache_notes(result)],
            f"  - clock, measured: {clock_text(loc)}; "
            f"{probe_text(loc)}; "
            f"vector kernels: {e(loc.get('kernels', {}).get('vector_target', 'unknown'))}",
            f"  - kernel: {e(loc.get('kernel', 'missing'))}; started {e(loc.get('started_utc', ctx.get('date', 'missing')))}",
            f"  - build: {e(loc.get('compiler', 'missing'))} {escape.markdown_code(loc.get('build_flags', 'missing'))}; "
            f"locality {e(loc.get('suite_version', 'missing'))}, commit {escape.markdown_code(loc.get('git_commit', 'missing'))}",
            f"  - counters: {e(loc.get('counters', {}).get('backend', 'unknown'))}"]


def render_markdown(report: Report, formats: tuple[str, ...]) -> str:
    e = escape.markdown
    out = ["# locality report", ""]
    out += ["Rendered by `locality-report` from " + ", ".join(
        escape.markdown_code(Path(r.path).name) for r in report.sources) + ".", ""]
    found = findings(report)
    out += ["## What this run found", "", findings_summary(found, report.movements), ""]
    if found:
        several = len({f.series for f in found}) > 1
        out += ["| Figure | Expected | Verdict |" + (" Machine |" if several else ""),
                "|---|---|---|" + ("---|" if several else "")]
        out += [f"| [{e(f.title)}](#{f.figure_id.lower()}) | {e(f.says)} | **{f.verdict}** |"
                + (f" {e(f.series)} |" if several else "") for f in found]
    out += ["", "## Warnings", ""]
    out += [f"- {e(w)}" for w in report.warnings] or ["- none"]
    out += ["", "## Contents", ""]
    out += [f"- [{e(entry.figure_id)}](#{entry.figure_id.lower()})"
            + (f": {e(title_of(entry.family, report.families.get(entry.family)))}" if entry.family else "")
            for entry in report.figures]
    out += ["", "## Machines", ""]
    seen = set()
    for result, label in zip(report.sources, report.labels):
        out += _machine_section(result, label + ("" if label not in seen else f" ({Path(result.path).name})"))
        seen.add(label)
    out += ["", "## The key numbers", "", to_markdown(report.table)]
    out += ["Full data: `data.csv` (one row per benchmark, repetition and source); per point: `points.csv`; "
            "LaTeX: `table.tex`, `tables/` and `figures/` (booktabs tables, longtables and figure environments "
            "to `\\input` from any folder; they need `\\usepackage{booktabs,longtable,graphicx}`), and "
            "`locality.bib` (the tool's BibTeX entry, from its CITATION.cff).", ""]
    out += model_section_markdown(report)
    out += ["## Figures", ""]
    for entry in report.figures:
        stem = safe_filename(entry.name)
        out += [f"### {entry.figure_id}", "", f"![{entry.figure_id}]({stem}.{formats[0]})", "",
                f"*{entry.figure_id}.* {e(entry.caption)}", ""]
        if entry.details:
            out += [e(entry.details), ""]
    out += ["## How to cite", "", "Cite a figure by its id, with the machine and the build:", "", "```",
            citation(report).replace("```", "'''"), "```", ""]
    return "\n".join(out)


def write_report(report: Report, folder: str | Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with rc(report.style):
        written = write_figures({e.name: e.figure for e in report.figures}, folder, formats)
    csv = folder / "data.csv"
    escape.csv_frame(report.frame).to_csv(csv, index=False)
    points = folder / "points.csv"
    escape.csv_frame(report.summary.to_frame()).to_csv(points, index=False)
    tex = folder / "table.tex"
    tex.write_text(latex_table(report.table, "LOC-vector-vs-list"), encoding="utf-8")
    bib = folder / "locality.bib"
    bib.write_text(bibtex(report), encoding="utf-8")
    written += [csv, points, tex, bib]
    tables = folder / "tables"
    tables.mkdir(exist_ok=True)
    for family, table in report.family_tables.items():
        path = tables / f"{safe_filename(family)}.tex"
        path.write_text(family_table_tex(table, family, report.families.get(family, {})), encoding="utf-8")
        written.append(path)
    figs = folder / "figures"
    figs.mkdir(exist_ok=True)
    for entry in report.figures:
        path = figs / f"{safe_filename(entry.name)}.tex"
        path.write_text(latex_figure(entry, "pdf" if "pdf" in formats else formats[0]), encoding="utf-8")
        written.append(path)
    md = folder / "report.md"
    md.write_text(render_markdown(report, formats), encoding="utf-8")
    written.append(md)

    page = folder / "report.html"
    page.write_text(render_html(report, folder, formats), encoding="utf-8")
    written.append(page)
    return written


def family_table_tex(table: pd.DataFrame, family: str, desc: dict) -> str:
    from locality.report.tables import family_table_latex

    return family_table_latex(table, family, desc)
