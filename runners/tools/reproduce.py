#!/usr/bin/env python3
"""Do two runs of one build say the same thing? Claim by claim, with the report's own checks.

    runners/tools/reproduce.py A.json B.json [--within 0.10] [--json OUT] [--claims-from C.json]
                               [--markdown OUT] [--held-out C.json]

Each file is checked as the report checks it (the same engine, the same
statistic, the same intervals); then, over the claims both files decide
with a number:

  flips      claims whose verdict differs between A and B (agrees against
             disagrees, or either against inconclusive)
  within     the share of numeric claims whose values differ by at most
             --within (relative to the smaller of the two)
  covered    the share of claims where B's value lies inside A's stated
             interval, and where A's lies inside B's (the report's
             interval: the range over the rounds, widened to the
             run-to-run movement the run's passes measured; it prints
             how wide)
  loose      checks that pass by more than 3x their bound in both runs
             (value / min or max / value), which can say no to little;
             a bound whose text says it is a "physical limit" is not counted

and prints one line per claim that moved more than --within or flipped,
after the within share by where the claims are measured: in the caches
(every point of the claim fits in them: the core alone), reaching beyond
the last-level cache (the memory system too, which a shared machine's
other tenants share), or at every size or over threads. Last, the same
share for the points themselves (each case at each size, the report's
statistic), in L1 or L2 and beyond twice the last-level cache: how far
the machine moves what the claims are made of.
With --claims-from, both runs are judged by the claims C.json carries
(any result file of another build, a --quick run will do) instead of
their own: would that build's bounds have held on these two runs?
With --markdown, the claims of both runs as a Markdown table (a new
file): each claim's value with its stated interval and verdict in A and
in B, ready to quote with both runs named. With --held-out, A and B are also
pooled as one (each claim's range over the repetitions of both runs,
widened to the movement between their passes) and the share of claims
whose value in C lies inside that interval is printed: does the interval
two runs state cover a third?
The targets (issue "Claims that reproduce"): no flip, within >= 90%,
covered >= 80% both ways, no loose check unless its bound is a physical
limit that says so. Exit status: 0 when every target is met, 1 when one is
not, 2 on bad input. Run it with the venv's Python (.venv/bin/python).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from locality.report.checks import Engine, Movement, cache_levels, movements, region_bounds
from locality.report.document import check_families, families_of
from locality.report.load import ResultFile, ResultFileError, load_result
from locality.report.summary import Summary
from locality.report.tidy import caches, tidy

TARGETS = {"within": 0.90, "covered": 0.80}
LOOSE = 3.0


def load(path: str, claims_from: dict | None = None) -> ResultFile:
    """A result file; with claims_from (family -> descriptor), its families
    carry those families' claims instead of their own."""
    result = load_result(path)
    for family, desc in (claims_from or {}).items():
        if family in result.families:
            result.families[family] = {**result.families[family], "claims": desc.get("claims", [])}
    return result


def claims_of(results: list[ResultFile]) -> dict[str, dict]:
    """'family: says' -> verdict, value, interval and bounds of each claim.
    Several results are pooled: one series, its repetitions from every run."""
    return judged(results)[0]


def points_moved(pa: dict, pb: dict, machine_caches: list[dict], within: float) -> dict[str, dict]:
    """The share of points (one case at one size; judged()'s third value)
    within `within` of each other in the two runs, apart for the points in
    L1 or L2 and those beyond the last-level cache (the report's region:
    twice its size or more; A's caches): what the machine moves before any
    claim divides one point by another."""
    levels = cache_levels(machine_caches)
    beyond = region_bounds("beyond:LLC", levels)
    groups = {"caches": lambda ws: ws <= levels.get("L2", levels.get("L1", 0.0)),
              "memory": lambda ws: beyond is not None and beyond[0] <= ws <= beyond[1]}
    out = {}
    for name, inside_group in groups.items():
        keys = [k for k in pa if k in pb and math.isfinite(pa[k][1]) and inside_group(pa[k][1])]
        if keys:
            moved = [max(pa[k][0], pb[k][0]) / min(pa[k][0], pb[k][0]) - 1 for k in keys]
            out[name] = {"points": len(keys), "within": sum(m <= within for m in moved) / len(keys)}
    return out


def judged(results: list[ResultFile]) -> tuple[dict[str, dict], Movement | None, dict[tuple, tuple[float, float]]]:
    """claims_of, the run-to-run movement its intervals are widened to
    (None: one pass, the range over the rounds alone), and each point's
    statistic (the report's: its median or minimum over the repetitions)
    with its working set, by (family, case, size)."""
    frame = tidy(results)
    ok = frame[frame["error"] == ""]
    if "working_set_bytes" in ok.columns:
        ok = ok[ok["working_set_bytes"].notna()]
    found = {}
    summary, families, machine_caches = Summary(ok), families_of(results), caches(results[0])
    moved = movements(ok, families, machine_caches)
    for family, checks in check_families(summary, families, machine_caches, moved).items():
        for check in checks.values():
            for r in check.results:
                key = f"{family}: {r.claim.get('says', '')}"
                found[key] = {"verdict": r.verdict, "value": r.value, "low": r.low, "high": r.high,
                              "min": r.claim.get("min"), "max": r.claim.get("max"), "kind": r.claim.get("kind"),
                              "where": where_measured(r.claim)}
    points = {(p.family, p.case, p.size): (p.value, p.working_set_bytes) for p in summary
              if math.isfinite(p.value) and p.value > 0}
    return found, next(iter(moved.values()), None), points


# Where a claim is measured, by its region (and a growth's end): a claim
# whose every point fits in the caches is timed on the core alone; one that
# reaches beyond the last level also on the memory system, which a shared
# machine's other tenants share.
WHERE = {"caches": "in the caches", "memory": "reaching beyond the last-level cache",
         "other": "at every size, or over threads"}


def where_measured(claim: dict) -> str:
    regions = [claim.get("at", "all")] + ([claim["to"]] if claim.get("to") else [])
    if any(r.startswith("beyond:") for r in regions):
        return "memory"
    return "caches" if all(r.startswith("in:") for r in regions) else "other"


def interval_words(moved: Movement | None) -> str:
    """What a run's stated intervals are."""
    if moved is None:
        return "the range over the rounds (one pass: no run-to-run movement measured)"
    return (f"the range over the rounds widened to a factor of {moved.factor:.2f} either side, "
            f"the movement measured between its {moved.passes} passes")


def margin(c: dict) -> float:
    """How many times over its bound a claim passes (inf without a bound)."""
    v = c["value"]
    if not (isinstance(v, float) and math.isfinite(v) and v > 0):
        return math.nan
    ratios = []
    if c["min"] is not None and c["min"] > 0:
        ratios.append(v / c["min"])
    if c["max"] is not None and c["max"] > 0:
        ratios.append(c["max"] / v)
    return min(ratios) if ratios else math.nan


def inside(value: float, c: dict) -> bool:
    return math.isfinite(c["low"]) and math.isfinite(c["high"]) and c["low"] <= value <= c["high"]


def compare(a: dict[str, dict], b: dict[str, dict], within: float) -> dict:
    common = sorted(set(a) & set(b))
    flips = [k for k in common if a[k]["verdict"] != b[k]["verdict"]]
    numeric = [k for k in common if all(isinstance(x[k]["value"], float) and math.isfinite(x[k]["value"])
                                        and x[k]["value"] > 0 for x in (a, b))]
    moved = {k: max(a[k]["value"], b[k]["value"]) / min(a[k]["value"], b[k]["value"]) - 1 for k in numeric}
    ranged = [k for k in numeric if math.isfinite(a[k]["low"]) and math.isfinite(b[k]["low"])]
    # a bound that is a physical limit, and says so, may pass by far
    loose = [k for k in numeric if margin(a[k]) > LOOSE and margin(b[k]) > LOOSE and "physical limit" not in k]
    share = lambda keys, total: len(keys) / len(total) if total else math.nan  # noqa: E731
    by_where = {}
    for where in WHERE:
        mine = [k for k in numeric if a[k].get("where") == where]
        if mine:
            by_where[where] = {"numeric": len(mine), "within": share([k for k in mine if moved[k] <= within], mine)}
    return {
        "claims": len(common), "numeric": len(numeric), "flips": flips,
        "within": share([k for k in numeric if moved[k] <= within], numeric),
        "b_in_a": share([k for k in ranged if inside(b[k]["value"], a[k])], ranged),
        "a_in_b": share([k for k in ranged if inside(a[k]["value"], b[k])], ranged),
        "loose": loose, "moved": moved, "only_one": sorted(set(a) ^ set(b)), "by_where": by_where,
    }


def report(out: dict, a: dict, b: dict, within: float) -> bool:
    pct = lambda x: "n/a" if not math.isfinite(x) else f"{100 * x:.1f}%"  # noqa: E731
    print(f"claims in both runs: {out['claims']} ({out['numeric']} with a number in both)")
    print(f"verdict flips: {len(out['flips'])}")
    for k in out["flips"]:
        print(f"  flip  {k}: {a[k]['verdict']} -> {b[k]['verdict']}")
    print(f"within {100 * within:.0f}%: {pct(out['within'])} (target {pct(TARGETS['within'])})")
    if out["by_where"]:
        print("  by where the claim is measured: " + "; ".join(
            f"{WHERE[w]} {pct(g['within'])} of {g['numeric']}" for w, g in out["by_where"].items()))
    for k, m in sorted(out["moved"].items(), key=lambda kv: -kv[1]):
        if m > within:
            print(f"  moved {k}: {a[k]['value']:.4g} -> {b[k]['value']:.4g} ({100 * m:.0f}%)")
    print(f"B's value inside A's interval: {pct(out['b_in_a'])}; A's inside B's: {pct(out['a_in_b'])} "
          f"(target {pct(TARGETS['covered'])} each)")
    print(f"checks passing by more than {LOOSE:g}x their bound in both runs: {len(out['loose'])}")
    for k in out["loose"]:
        print(f"  loose {k}: {margin(a[k]):.1f}x and {margin(b[k]):.1f}x the bound")
    if out["only_one"]:
        print(f"claims in one run only (not compared): {len(out['only_one'])}")
    return (not out["flips"] and out["within"] >= TARGETS["within"] and out["b_in_a"] >= TARGETS["covered"]
            and out["a_in_b"] >= TARGETS["covered"] and not out["loose"])


def held_out(pooled: dict[str, dict], third: dict[str, dict]) -> tuple[float, int]:
    """The share of claims whose value in the third run lies inside the range
    the pooled runs state, and how many claims that share is of."""
    keys = [k for k in pooled if k in third and isinstance(third[k]["value"], float)
            and math.isfinite(third[k]["value"]) and math.isfinite(pooled[k]["low"])]
    return (sum(inside(third[k]["value"], pooled[k]) for k in keys) / len(keys) if keys else math.nan), len(keys)


def g(x: float) -> str:
    return f"{x:.3g}"


def fmt(c: dict) -> str:
    """'12.3 (11.9-13.0), agrees', or the verdict alone without a number."""
    v = c["value"]
    if not (isinstance(v, float) and math.isfinite(v)):
        return c["verdict"]
    span = f" ({g(c['low'])}-{g(c['high'])})" if math.isfinite(c["low"]) and math.isfinite(c["high"]) else ""
    return f"{g(v)}{span}, {c['verdict']}"


def bound(c: dict) -> str:
    """The bound in the report's own words ("at least 2", "between 0.8 and 1.25"); none for a hook."""
    return Engine.bound_words(c, g) if c["min"] is not None or c["max"] is not None else ""


def markdown(a: dict, b: dict, name_a: str, name_b: str, intervals: list[str] | None = None) -> str:
    """Every claim of either run: its bound, A's and B's value (interval),
    verdict; led by what each run's intervals are, where given."""
    cell = lambda t: t.replace("|", "\\|")  # noqa: E731
    lead = [f"Intervals of {name}: {words}." for name, words in zip((name_a, name_b), intervals or [])]
    rows = ([" ".join(lead), ""] if lead else []) + [f"| claim | bound | {cell(name_a)} | {cell(name_b)} |",
                                                    "|---|---|---|---|"]
    for k in list(a) + [k for k in b if k not in a]:  # each run's order: "and ..." follows its claim
        c = a.get(k) or b[k]
        rows.append(f"| {cell(k)} | {bound(c)} | {fmt(a[k]) if k in a else 'not checked'} | "
                    f"{fmt(b[k]) if k in b else 'not checked'} |")
    return "\n".join(rows) + "\n"


def write_new(path: Path, text: str) -> None:
    with open(path, "x") as f:
        f.write(text)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="reproduce.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--within", type=float, default=0.10, help="relative difference counted as agreeing (0.10)")
    p.add_argument("--json", type=Path, help="also write the comparison as JSON (a new file)")
    p.add_argument("--claims-from", metavar="C.json", help="judge both runs by the claims this result file carries")
    p.add_argument("--markdown", type=Path, help="also write every claim of both runs as a Markdown table (a new file)")
    p.add_argument("--held-out", metavar="C.json", help="a third run: is its value inside the interval A and B pooled state?")
    args = p.parse_args(argv)
    if not 0 < args.within < 10:
        p.error("--within: a fraction such as 0.10")
    try:
        other = load_result(args.claims_from).families if args.claims_from else None
        ra, rb = load(args.a, other), load(args.b, other)
        third = load(args.held_out, other) if args.held_out else None
    except (ResultFileError, OSError) as e:
        print(f"reproduce.py: error: {e}", file=sys.stderr)
        return 2
    (a, moved_a, points_a), (b, moved_b, points_b) = judged([ra]), judged([rb])
    out = compare(a, b, args.within)
    out["points"] = points_moved(points_a, points_b, caches(ra), args.within)
    print(f"A's intervals: {interval_words(moved_a)}")
    print(f"B's intervals: {interval_words(moved_b)}")
    met = report(out, a, b, args.within)
    if out["points"]:
        words = {"caches": "in L1 or L2", "memory": "beyond twice the last-level cache"}
        print(f"points (a case at a size) within {100 * args.within:.0f}% of each other, before any claim divides "
              "two: " + "; ".join(f"{words[w]} {100 * g['within']:.1f}% of {g['points']}"
                                   for w, g in out["points"].items()))
    if third is not None:
        share, n = held_out(claims_of([ra, rb]), claims_of([third]))
        out["held_out"] = share
        print(f"{Path(args.held_out).name}'s value inside the interval A and B pooled state: "
              f"{'n/a' if not math.isfinite(share) else f'{100 * share:.1f}%'} of {n} claims")
    written = [(args.json, lambda: json.dumps({"a": args.a, "b": args.b, **out, "met": met}, indent=1, default=str)),
               (args.markdown, lambda: markdown(a, b, Path(args.a).name, Path(args.b).name,
                                                [interval_words(moved_a), interval_words(moved_b)]))]
    for path, text in written:
        if path is None:
            continue
        try:
            write_new(path, text())
        except OSError as e:
            print(f"reproduce.py: error: cannot write {path}: {e.strerror or e}", file=sys.stderr)
            return 2
    print("targets met" if met else "targets not met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
