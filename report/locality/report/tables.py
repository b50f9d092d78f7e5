"""Tables: the key comparison side by side (Markdown and LaTeX booktabs),
and the tidy table as CSV. Numbers go through checks.fmt, as in captions."""

from __future__ import annotations

import pandas as pd

from locality.report.checks import fmt, largest_common
from locality.report.plot import COMPARISON, format_bytes
from locality.report.tidy import summarise

SIM_COLUMN = "sim_d1_misses_per_elem"
HW_COLUMN = "l1d_misses_per_elem"


def comparison_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The comparison cases at the largest size all of them ran at, one row
    per case and one group of columns per machine: median ns per element,
    min-max, ratio to the vector, and L1d misses per element where counted."""
    rows = []
    for machine, part in frame.groupby("machine", sort=True):
        summary = summarise(part)
        present = [(f, c) for f, c, *_ in COMPARISON
                   if not summary[(summary["family"] == f) & (summary["case"] == c)].empty]
        n = largest_common(summary, present)
        if n is None:
            continue
        base = summary[(summary["family"] == "heap_vector") & (summary["case"] == "sum") &
                       (summary["elements"] == n)]["median"]
        for family, case, label, *_ in COMPARISON:
            s = summary[(summary["family"] == family) & (summary["case"] == case) &
                        (summary["elements"] == n)]
            if s.empty:
                continue
            s = s.iloc[0]
            raw = part[(part["family"] == family) & (part["case"] == case) & (part["elements"] == n)]
            misses = {}
            for col, kind in ((SIM_COLUMN, "simulated"), (HW_COLUMN, "measured")):
                if col in raw.columns and raw[col].notna().any():
                    misses = {"l1d_misses": float(raw[col].median()), "misses_kind": kind}
                    break
            rows.append({
                "machine": machine, "layout": label, "case": f"{family}/{case}",
                "elements": int(n), "working_set_bytes": float(s["working_set_bytes"]),
                "median_ns": float(s["median"]), "min_ns": float(s["min"]),
                "max_ns": float(s["max"]), "repetitions": int(s["count"]),
                "vs_vector": float(s["median"] / base.iloc[0]) if len(base) else float("nan"),
                **misses,
            })
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame) -> str:
    if table.empty:
        return "_No comparison case ran._\n"
    has_misses = "l1d_misses" in table.columns
    lines = []
    for machine, part in table.groupby("machine", sort=True):
        n = int(part["elements"].iloc[0])
        reps = int(part["repetitions"].min())
        lines.append(f"**{machine}**, {n:,} elements, median of {reps} repetition{'s' if reps > 1 else ''}:\n")
        head = "| layout | working set | ns per element | min-max | vs. vector |"
        rule = "|---|---|---|---|---|"
        if has_misses:
            head += " L1d misses per element |"
            rule += "---|"
        lines += [head, rule]
        for _, r in part.iterrows():
            line = (f"| {r['layout']} | {format_bytes(r['working_set_bytes'])} | {fmt(r['median_ns'])} "
                    f"| {fmt(r['min_ns'])}-{fmt(r['max_ns'])} | {fmt(r['vs_vector'])} |")
            if has_misses:
                kind = r.get("misses_kind")
                line += (f" {fmt(r['l1d_misses'])} ({kind}) |" if isinstance(kind, str) else " n/a |")
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def _tex(text: str) -> str:
    for a, b in (("\\\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"),
                 ("#", r"\#"), ("$", r"\$"), ("{", r"\{"), ("}", r"\}"), ("~", r"\~{}"),
                 ("^", r"\^{}")):
        text = text.replace(a, b)
    return text


def to_latex(table: pd.DataFrame, figure_id: str) -> str:
    """A booktabs table, ready to \\input into notes (needs \\usepackage{booktabs})."""
    machines = sorted(table["machine"].unique()) if not table.empty else []
    cols = "l" + "rr" * len(machines)
    out = [f"% locality {figure_id}: time per element in ns (median), and ratio to std::vector",
           r"\begin{tabular}{" + cols + "}", r"\toprule"]
    if machines:
        out.append("Layout & " + " & ".join(
            rf"\multicolumn{{2}}{{c}}{{{_tex(m)}}}" for m in machines) + r" \\")
        out.append("".join(rf"\cmidrule(lr){{{2 + 2 * i}-{3 + 2 * i}}}" for i in range(len(machines))))
        out.append(" & " + " & ".join(["ns/elem & vs.\\ vector"] * len(machines)) + r" \\")
        out.append(r"\midrule")
        for label in dict.fromkeys(table["layout"]):
            cells = []
            for m in machines:
                r = table[(table["machine"] == m) & (table["layout"] == label)]
                cells += ([fmt(r["median_ns"].iloc[0]), fmt(r["vs_vector"].iloc[0])] if len(r)
                          else ["--", "--"])
            out.append(_tex(label) + " & " + " & ".join(cells) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(out)
