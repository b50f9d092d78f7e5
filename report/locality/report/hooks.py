"""The few checks that need code, named by the claims that call them (the
descriptor's `hook`), never by family.

line_size: each case the claim names stands for its series (the cases of
the family with the same series); the series is split where it changes
from one plateau to another (the split that leaves the least spread on
either side, not the largest single jump), and that distance is the line
size it shows, when the two sides' intervals do not overlap; compared with
the line size the machine reports.

levels: the cache levels read off a random chase's latency curve, each
where the latency actually steps, compared with the levels the machine
reports. The chase over huge pages is used where the kernel granted them
(no TLB misses at these sizes, so only the caches step); else the chase
over ordinary pages, whose L1 TLB misses begin before L2 is full.
"""

from __future__ import annotations

import math

from locality.report import units
from locality.report.verdicts import AGREES, DISAGREES, INCONCLUSIVE, ClaimResult

RISE = 1.25   # a step: the latency rises by at least this from one size to the next
SPLIT = 1.5   # inside one climb, every local peak of at least this is a step of its own
MIN_POINTS = 6


def detect_steps(points: list[tuple[float, float]]) -> list[dict]:
    """Steps of a latency curve [(working set, ns), ...] sorted by working
    set. A climb is a run of consecutive rises of at least RISE; its step is
    where it rises most, or each local peak of at least SPLIT when the climb
    holds two levels. A step's size is the last working set before it."""
    rises = [(b[1] / a[1] if a[1] > 0 else math.nan) for a, b in zip(points, points[1:])]
    steps, i = [], 0
    while i < len(rises):
        if not rises[i] >= RISE:
            i += 1
            continue
        j = i
        while j + 1 < len(rises) and rises[j + 1] >= RISE:
            j += 1
        climb = list(range(i, j + 1))
        peaks = [k for k in climb if rises[k] >= SPLIT and (k == i or rises[k] > rises[k - 1])
                 and (k == j or rises[k] >= rises[k + 1])]
        for k in peaks or [max(climb, key=lambda k: rises[k])]:
            steps.append({"size_bytes": points[k][0], "latency_ns": points[k][1],
                          "next_latency_ns": points[k + 1][1], "rise": rises[k]})
        i = j + 1
    return steps


def match_levels(steps: list[dict], caches: list[dict]) -> list[dict]:
    """For each cache level, the step nearest to its size (in log size) and
    whether it lies within 2x of it."""
    out = []
    for c in caches:
        near = min(steps, key=lambda s: abs(math.log2(s["size_bytes"] / c["size_bytes"])), default=None)
        ratio = near["size_bytes"] / c["size_bytes"] if near else math.nan
        out.append({"level": c["level"], "size_bytes": c["size_bytes"], "step": near, "reported": c.get("reported"),
                    "within_2x": near is not None and 0.5 <= ratio <= 2})
    return out


def levels(engine, family: str, claim: dict) -> ClaimResult:
    chosen, curve = None, []
    for i, name in enumerate(claim["cases"]):
        pts = engine.curve(family, name)
        shares = [p.counters.get("huge_page_share") for p in pts]
        if pts and (i == len(claim["cases"]) - 1 or all(s is not None and s >= 0.9 for s in shares)):
            chosen, curve = name, pts
            break
    if len(curve) < MIN_POINTS:
        return engine.missing(claim, f"the chase ran at {len(curve)} sizes; {MIN_POINTS} are needed to find steps")
    caches = sorted(engine.caches, key=lambda c: c["level"])
    if not caches:
        return engine.missing(claim, "the machine reports no cache sizes to compare with")
    points = sorted((p.working_set_bytes, p.value) for p in curve)
    steps = detect_steps(points)
    matched = match_levels(steps, caches)
    words = []
    for m in matched:
        step = m["step"]
        found = units.size_bytes(step["size_bytes"]) if step else "none"
        used = units.size_bytes(m["size_bytes"])
        if m.get("reported"):
            used += f" (a fallback: the machine reported {m['reported']})"
        words.append(f"L{m['level']} {used}: step at {found}"
                     + ("" if m["within_2x"] else " (not within 2x)"))
    first_two = [m for m in matched if m["level"] <= 2]
    last = matched[-1]
    if not all(m["within_2x"] for m in first_two):
        verdict = DISAGREES
        note = "a level the machine reports has no step within 2x of it"
    elif len(matched) > 2 and not last["within_2x"]:
        verdict = INCONCLUSIVE
        beyond = [units.size_bytes(s["size_bytes"]) for s in steps if s["size_bytes"] > matched[1]["size_bytes"]]
        seen = ("the curve steps at " + " and ".join(beyond)) if beyond else "the curve has no step"
        note = (f"beyond L2 {seen}, the machine reports a "
                f"{units.size_bytes(last['size_bytes'])} L{last['level']}: on a shared or virtual machine the "
                "share of the last level this program gets can be far smaller; neither size is marked as the truth")
    else:
        verdict = AGREES
        note = "each level steps within 2x of its size"
    measured = f"from {chosen}, " + "; ".join(words) + f" — {note}"
    result = engine.result(claim, verdict, measured)
    # whether the curve confirms the last level's size: where it does not,
    # the captions name no point "in the last level" (it may be memory)
    result.marks = {"detected_levels": steps, "levels_from": chosen, "llc_confirmed": bool(last["within_2x"])}
    return result


def series_of(engine, family: str, name: str) -> list:
    """(axis value, point) of every case in the series `name` belongs to."""
    desc = engine.families.get(family, {})
    cases = {c["name"]: c for c in desc.get("cases", [])}
    series = cases.get(name, {}).get("series")
    axis = cases.get(name, {}).get("axis", {}).get("counter")
    out = []
    for c in cases.values():
        if series and c.get("series") == series:
            for p in engine.curve(family, c["name"]):
                if axis in p.counters:
                    out.append((p.counters[axis], p))
    return sorted(out, key=lambda x: x[0])


def change_point(points: list) -> dict | None:
    """The distance where a curve [(distance, Point), ...] changes from one
    plateau to another: the split into a lower and an upper group of
    distances that leaves the least spread (squared log time) inside the
    groups, as one step from "both words in one line" to "in two lines"
    would (each side two points or more where there are four). Significant when the groups' 95% intervals do not overlap: every
    point on one side below every point on the other. None for fewer than
    three points."""
    if len(points) < 3:
        return None
    logs = [math.log(p.value) for _, p in points]
    best = None
    # a plateau is two points or more, where the curve has four: one odd
    # point at an end is not a step
    ends = 2 if len(points) >= 4 else 1
    for k in range(ends, len(points) - ends + 1):
        low, high = logs[:k], logs[k:]
        spread = sum((v - sum(low) / len(low)) ** 2 for v in low) + sum((v - sum(high) / len(high)) ** 2 for v in high)
        if best is None or spread < best[0]:
            best = (spread, k)
    k = best[1]
    before, after = [p for _, p in points[:k]], [p for _, p in points[k:]]
    rises = sum(logs[k:]) / len(after) > sum(logs[:k]) / len(before)
    if rises:
        significant = max(p.ci_high for p in before) < min(p.ci_low for p in after)
    else:
        significant = min(p.ci_low for p in before) > max(p.ci_high for p in after)
    ratio = math.exp(sum(logs[k:]) / len(after) - sum(logs[:k]) / len(before))
    return {"at": points[k][0], "ratio": ratio, "significant": significant}


def line_size(engine, family: str, claim: dict) -> ClaimResult:
    """Each series' change point against the machine's line size: agrees
    where every method steps, significantly, at the line; disagrees where
    one steps significantly elsewhere and none at the line; inconclusive
    where a step is not significant or the methods differ."""
    line = next((c.get("line_bytes") for c in engine.caches if c.get("level") == 1 and c.get("line_bytes")), None)
    found = {}
    for name in claim["cases"]:
        points = series_of(engine, family, name)
        if len(points) >= 3:
            found[name] = change_point(points)
    if not found:
        return engine.missing(claim, "no series ran at three distances or more")
    words = []
    for n, step in found.items():
        head = n.rsplit("_", 1)[0]
        words.append(f"{head}: {units.size_bytes(step['at'])} ({units.number(step['ratio'])}x across it"
                     + ("" if step["significant"] else ", the two sides' intervals overlap") + ")")
    measured = "; ".join(words) + (f" (the machine reports {line} B lines)" if line else "")
    if not line:
        return engine.missing(claim, measured + "; the machine reports no line size")
    sure = {n: s for n, s in found.items() if s["significant"]}
    at_line = [n for n, s in sure.items() if s["at"] == line]
    if len(at_line) == len(claim["cases"]):
        verdict = AGREES
    elif sure and not at_line:
        verdict = DISAGREES
    else:
        verdict = INCONCLUSIVE
    for n, s in sure.items():
        if s["at"] != line and s["at"] % line == 0:
            blocks = int(s["at"] // line)
            measured += (f" — {n.rsplit('_', 1)[0]} steps at {blocks} lines: a prefetcher that fetches "
                         f"{blocks} lines together hides the line inside that block")
        elif s["at"] != line:
            measured += f" — {n.rsplit('_', 1)[0]} steps at {units.size_bytes(s['at'])}, not a multiple of the line"
    return engine.result(claim, verdict, measured)


HOOKS = {"levels": levels, "line_size": line_size}
