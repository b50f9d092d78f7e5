"""The few checks that need code, named by the claims that call them (the
descriptor's `hook`), never by family.

line_size: each case the claim names stands for its series (the cases of
the family with the same series); the distance after the series' largest
step (up or down) between neighbouring distances is the line size it
shows, compared with the line size the machine reports.

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


def biggest_step(curve: list[tuple[float, float]]) -> float | None:
    """The axis value after the largest change (up or down, as a ratio)
    between neighbouring points, or None for fewer than three points."""
    if len(curve) < 3:
        return None
    jumps = [(abs(math.log(b[1] / a[1])), b[0]) for a, b in zip(curve, curve[1:]) if a[1] > 0 and b[1] > 0]
    return max(jumps)[1] if jumps else None


def line_size(engine, family: str, claim: dict) -> ClaimResult:
    line = next((c.get("line_bytes") for c in engine.caches if c.get("level") == 1 and c.get("line_bytes")), None)
    found = {}
    for name in claim["cases"]:
        points = series_of(engine, family, name)
        if len(points) >= 3:
            found[name] = biggest_step([(x, p.value) for x, p in points])
    if not found:
        return engine.missing(claim, "no series ran at three distances or more")
    words = [f"{n.rsplit('_', 1)[0]}: {units.size_bytes(x) if x else 'no step'}" for n, x in found.items()]
    measured = "; ".join(words) + (f" (the machine reports {line} B lines)" if line else "")
    if not line:
        return engine.missing(claim, measured + "; the machine reports no line size")
    hits = [x == line for x in found.values()]
    if all(hits) and len(found) == len(claim["cases"]):
        verdict = AGREES
    elif any(hits):
        verdict = INCONCLUSIVE
        measured += (" — the methods disagree: where a spatial prefetcher fetches the lines around a miss, the "
                     "two-word chase steps at its region, not at the line")
    else:
        verdict = DISAGREES
    return engine.result(claim, verdict, measured)


HOOKS = {"levels": levels, "line_size": line_size}
