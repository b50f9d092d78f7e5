"""Tables: the comparison of layouts side by side (Markdown and LaTeX
booktabs), one booktabs table per family, and a LaTeX figure environment
per figure, all ready to \\input into notes (they need \\usepackage{booktabs}
and \\usepackage{graphicx}). Numbers go through units.py, as in captions;
names through escape.py."""

from __future__ import annotations

import math
import re

import pandas as pd

from locality.report import escape, models, units
from locality.report.plot import comparison_cases, y_value
from locality.report.summary import Summary
from locality.report.write import safe_filename

SIM_COLUMN = "sim_d1_misses_per_elem"
HW_COLUMN = "l1d_misses_per_elem"


def comparison_table(summary: Summary, families: dict) -> pd.DataFrame:
    """The baseline and the layouts at the largest size all of them ran,
    one row per case and series: value per element with its interval, the
    repetitions' spread, the ratio to the baseline, and L1d misses per
    element where counted."""
    baseline, layouts = comparison_cases(families)
    if baseline is None:
        return pd.DataFrame()
    rows = []
    for series in summary.series():
        curves = [(f, c, {p.size: p for p in summary.curve(series, f, c["name"])}) for f, c in [baseline] + layouts]
        curves = [x for x in curves if x[2]]
        if not curves or curves[0][1] is not baseline[1]:
            continue
        common = set.intersection(*(set(x[2]) for x in curves))
        if not common:
            continue
        n = max(common)
        base = curves[0][2][n]
        for f, c, points in curves:
            p = points[n]
            misses = {}
            for col, kind in ((SIM_COLUMN, "simulated"), (HW_COLUMN, "measured")):
                if col in p.counters:
                    misses = {"l1d_misses": p.counters[col], "misses_kind": kind}
                    break
            rows.append({
                "machine": series, "layout": c["label"], "case": f"{f}/{c['name']}", "role": c.get("role", ""),
                "elements": int(n), "working_set_bytes": p.working_set_bytes, "statistic": p.statistic,
                "value_ns": p.value, "ci_low": p.ci_low, "ci_high": p.ci_high, "min_ns": p.min, "max_ns": p.max,
                "repetitions": p.n, "runs": p.n_runs, "vs_baseline": p.value / base.value, **misses,
            })
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame) -> str:
    if table.empty:
        return "_No comparison case ran._\n"
    e = escape.markdown
    has_misses = "l1d_misses" in table.columns
    lines = []
    for machine, part in table.groupby("machine", sort=True):
        n = int(part["elements"].iloc[0])
        reps = int(part["repetitions"].min())
        runs = int(part["runs"].max())
        pooled = f", pooled over {runs} runs" if runs > 1 else ""
        lines.append(f"**{e(machine)}**, {units.count(n)} elements, {reps} or more repetitions per point{pooled}:\n")
        head = "| layout | working set | ns per element | 95% interval | min-max | vs. baseline |"
        rule = "|---|---|---|---|---|---|"
        if has_misses:
            head += " L1d misses per element |"
            rule += "---|"
        lines += [head, rule]
        for _, r in part.iterrows():
            line = (f"| {e(r['layout'])} | {units.size_bytes(r['working_set_bytes'])} | {units.number(r['value_ns'])} "
                    f"| {units.interval(r['ci_low'], r['ci_high'])} | {units.interval(r['min_ns'], r['max_ns'])} "
                    f"| {units.number(r['vs_baseline'])} |")
            if has_misses:
                kind = r.get("misses_kind")
                line += f" {units.number(r['l1d_misses'])} ({kind}) |" if isinstance(kind, str) else " n/a |"
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def latex_table(table: pd.DataFrame, figure_id: str) -> str:
    """The comparison as a booktabs table."""
    t = escape.latex
    machines = sorted(table["machine"].unique()) if not table.empty else []
    cols = "l" + "rr" * len(machines)
    out = [f"% locality {figure_id}: time per element in ns and ratio to the baseline; needs \\usepackage{{booktabs}}",
           r"\begin{table}[tbp]", r"\centering",
           r"\caption{Same work, different layouts: time per element and its ratio to the baseline at the "
           r"largest size all ran.}",
           rf"\label{{{label_id(figure_id + '-table')}}}",
           r"\begin{tabular}{" + cols + "}", r"\toprule"]
    if machines:
        out.append("Layout & " + " & ".join(rf"\multicolumn{{2}}{{c}}{{{t(m)}}}" for m in machines) + r" \\")
        out.append("".join(rf"\cmidrule(lr){{{2 + 2 * i}-{3 + 2 * i}}}" for i in range(len(machines))))
        out.append(" & " + " & ".join([r"ns/elem & vs.\ baseline"] * len(machines)) + r" \\")
        out.append(r"\midrule")
        for label in dict.fromkeys(table["layout"]):
            cells = []
            for m in machines:
                r = table[(table["machine"] == m) & (table["layout"] == label)]
                cells += ([escape.latex_prose(units.number(r["value_ns"].iloc[0])),
                           escape.latex_prose(units.number(r["vs_baseline"].iloc[0]))] if len(r)
                          else ["--", "--"])
            out.append(t(label) + " & " + " & ".join(cells) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(out)


def family_table(summary: Summary, family: str, desc: dict, machine_models: dict | None = None) -> pd.DataFrame:
    """Every point of a family: case, size, working set, value and interval
    in the family's unit (GB/s for bandwidth), and beside them what the
    case's model predicts (`machine_models`: series -> models.Machine)."""
    metric = desc.get("metric", "time") if desc else "time"
    cases = {c["name"]: c for c in desc.get("cases", [])} if desc else {}
    rows = []
    for p in summary:
        if p.family != family:
            continue
        v, lo, hi = y_value(p, metric)
        model, c = math.nan, cases.get(p.case, {})
        if c.get("model") and p.series in (machine_models or {}):
            model, _ = models.predict_point(machine_models[p.series], c, p)
            model = p.unit_bytes / model if metric == "bandwidth" and p.unit_bytes and model > 0 else model
        rows.append({"machine": p.series, "case": p.case, "label": p.label or p.case, "size": p.size,
                     "working_set_bytes": p.working_set_bytes, "value": v, "low": lo, "high": hi,
                     "unit": "GB/s" if metric == "bandwidth" else f"ns per {p.unit_name}", "n": p.n,
                     "model": model})
    order = {c["name"]: i for i, c in enumerate(desc.get("cases", []))} if desc else {}
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["order"] = frame["case"].map(lambda c: order.get(c, len(order)))
    return frame.sort_values(["machine", "order", "size"]).drop(columns="order")


def family_table_latex(table: pd.DataFrame, family: str, desc: dict) -> str:
    """Every point of a family as a longtable (it breaks across pages), with
    its caption and label; \\input alone, not inside a table environment."""
    t, prose = escape.latex, escape.latex_prose
    unit = table["unit"].iloc[0] if not table.empty else ""
    label = label_id(f"LOC-{family}-table")
    modelled = "model" in table.columns and table["model"].notna().any()
    # long headings on two lines, so that the numbers set the columns' widths
    two = lambda a, b: rf"\begin{{tabular}}[b]{{@{{}}r@{{}}}}{a}\\{b}\end{{tabular}}"  # noqa: E731
    first, _, rest = unit.partition(" per ")
    unit_head = two(t(first + " per"), t(rest)) if rest else t(unit)
    interval_head = two(r"95\,\%", "interval")
    head = rf"Case & {two('Working', 'set')} & {unit_head} & {interval_head} & Reps." \
        + (" & Model" if modelled else "") + r" \\"
    out = [f"% locality: every point of {family}; needs \\usepackage{{booktabs,longtable}}; \\input alone "
           "(a longtable breaks across pages and holds its own caption)",
           r"\begingroup\small\setlength{\tabcolsep}{4pt}",
           # the case's column gives way to the model's
           r"\begin{longtable}{@{}p{" + ("0.26" if modelled else "0.32") + r"\linewidth}rrrr" + ("r" if modelled else "")
           + "@{}}",
           rf"\caption{{Every point of {t(family)}: the statistic of each point over its repetitions, with its "
           rf"95\,\% interval" + (", and what its textbook model predicts on this machine" if modelled else "")
           + rf".}}\label{{{label}}} \\",
           r"\toprule", head, r"\midrule", r"\endfirsthead",
           r"\toprule", head, r"\midrule", r"\endhead",
           r"\bottomrule", r"\endlastfoot"]
    for machine, part in table.groupby("machine", sort=False) if not table.empty else []:
        if table["machine"].nunique() > 1:
            out.append(rf"\multicolumn{{{6 if modelled else 5}}}{{@{{}}l}}{{\textit{{{t(machine)}}}}} \\")
        for _, r in part.iterrows():
            case = t(r["label"]).replace(r"\_", r"\_\allowbreak{}")  # ids break after an underscore
            out.append(f"{case} & {t(units.size_bytes(r['working_set_bytes']))} & {prose(units.number(r['value']))} & "
                       f"{prose(units.interval(r['low'], r['high']))} & {int(r['n'])} "
                       + (f"& {prose(units.number(r['model'])) if r['model'] == r['model'] else '--'} " if modelled else "")
                       + r"\\")
    out += [r"\end{longtable}", r"\endgroup", ""]
    return "\n".join(out)


def label_id(figure_id: str) -> str:
    """A figure id as a LaTeX label: letters, digits and - _ : . only."""
    return re.sub(r"[^A-Za-z0-9_:.-]", "-", figure_id)


def latex_figure(entry, extension: str) -> str:
    """A figure environment with the caption and \\label{LOC-...}. It finds
    its image wherever the report folder is and from wherever it is
    \\input: figures/NAME.tex includes ../NAME.<ext> from its own folder
    (LaTeX's \\CurrentFilePath, 2019 and later)."""
    stem = safe_filename(entry.name)
    caption = escape.latex_prose(entry.caption)
    return "\n".join([
        f"% locality {entry.figure_id}; needs \\usepackage{{graphicx}}",
        r"\begin{figure}[tbp]",
        r"  \centering",
        r"  \edef\localityimage{\CurrentFilePath}",
        r"  \edef\localityimage{\ifx\localityimage\empty\else\localityimage/\fi ../" + f"{stem}.{extension}}}",
        r"  \includegraphics[width=\linewidth]{\localityimage}",
        rf"  \caption{{{caption}}}",
        rf"  \label{{{label_id(entry.figure_id)}}}",
        r"\end{figure}",
        "",
    ])
