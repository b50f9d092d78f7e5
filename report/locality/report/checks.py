"""The check engine: evaluates each family's claims (its stated expectation,
as data in the result file) against the measured points.

A claim's value comes with an interval. Where its points have repetitions
enough (ROUNDS or more, their k-th repetitions paired), the claim is
computed round by round: from the k-th repetition of each case it
compares, for every k. A comparison's value is the median over those
rounds (cases timed side by side in one round share the machine's moment;
a ratio of two statistics taken from different rounds does not, and one
fast repetition of one case moves it); a single point's value keeps its
case's statistic. The interval is the range the claim takes over the
rounds, so that a slow moment of the machine that one case met and another
did not widens it. The next run's value is
a statistic over its own repetitions, so this range is what a lecturer can
expect it to fall in while the machine stays as it was; a bootstrap of the
statistic (the former interval) is far narrower than the next run's
difference. With fewer repetitions, a 95% interval from the points'
bootstrap distributions. The verdict is "agrees" when the whole interval satisfies
the claim's bounds, "disagrees" when the whole interval violates them, and
"inconclusive" when the interval straddles a bound, a point has a single
repetition, the data the claim needs is missing, or a precondition (such
as huge pages being granted) does not hold. A family's verdict is the
worst of its claims': disagrees, then inconclusive, then agrees.

Nothing here knows a family or case by name: cases, regions, bounds and
units all come from the descriptor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from locality.report import units
from locality.report.summary import Point, Summary
from locality.report.hooks import HOOKS
from locality.report.verdicts import AGREES, DISAGREES, INCONCLUSIVE, ClaimResult

_ORDER = {AGREES: 0, INCONCLUSIVE: 1, DISAGREES: 2}
ROUNDS = 3  # repetitions in common from which a claim's interval is its range over them

REGION_WORDS = {
    "all": "",
    "in:L1": "in L1",
    "in:L2": "in L2",
    "in:LLC": "in the last-level cache",
    "beyond:L1": "beyond L1",
    "beyond:L2": "beyond L2",
    "beyond:LLC": "beyond the last-level cache",
    "first": "at the smallest size",
    "last": "at the largest size",
}


@dataclass
class Check:
    family: str
    verdict: str
    results: list[ClaimResult]
    marks: dict = field(default_factory=dict)  # what hooks found, for the figure

    @property
    def sentence(self) -> str:
        return " ".join(r.sentence for r in self.results)


def worst(verdicts) -> str:
    verdicts = list(verdicts)
    return max(verdicts, key=lambda v: _ORDER[v]) if verdicts else INCONCLUSIVE


def cache_levels(caches: list[dict]) -> dict[str, float]:
    """{"L1": bytes, "L2": bytes, "LLC": bytes} of the data and unified
    caches (missing levels absent)."""
    out = {}
    for c in caches:
        out[f"L{c['level']}"] = float(c["size_bytes"])
    if caches:
        out["LLC"] = float(max(caches, key=lambda c: c["level"])["size_bytes"])
    return out


def region_bounds(region: str, levels: dict[str, float]) -> tuple[float, float] | None:
    """The working sets (inclusive) a region covers, or None when the cache
    it names is unknown."""
    if region == "all":
        return 0.0, math.inf
    kind, _, level = region.partition(":")
    if level not in levels:
        return None
    size = levels[level]
    if kind == "beyond":
        return 2 * size, math.inf
    previous = {"L1": 0.0, "L2": levels.get("L1", 0.0) * 2,
                "LLC": max((v for k, v in levels.items() if k not in ("LLC",) and v < size), default=0.0) * 2}
    return previous.get(level, 0.0), size / 2


class Engine:
    """Evaluates claims for one series (machine) of a summary."""

    def __init__(self, summary: Summary, series: str, families: dict, caches: list[dict], hooks: dict | None = None):
        self.summary = summary
        self.series = series
        self.families = families
        self.levels = cache_levels(caches)
        self.caches = caches
        if hooks is None:

            hooks = HOOKS
        self.hooks = hooks

    # ---- data access -------------------------------------------------------------

    def resolve(self, family: str, name: str) -> tuple[str, str]:
        return tuple(name.split("/", 1)) if "/" in name else (family, name)

    def curve(self, family: str, name: str) -> list[Point]:
        f, c = self.resolve(family, name)
        return self.summary.curve(self.series, f, c)

    def label(self, family: str, name: str) -> str:
        f, c = self.resolve(family, name)
        curve = self.summary.curve(self.series, f, c)
        return curve[0].label if curve else c

    def in_region(self, p: Point, region: str) -> bool | None:
        bounds = region_bounds(region, self.levels)
        if bounds is None:
            return None
        return bounds[0] <= p.working_set_bytes <= bounds[1]

    @staticmethod
    def quantity(p: Point, claim: dict) -> tuple[float, np.ndarray]:
        """The claim's quantity at a point and its bootstrap distribution."""
        if claim.get("counter"):
            per = p.counters.get("elements_per_iter", p.size) or p.size
            v = p.counters.get(claim["counter"], math.nan) / per
            return v, np.full(2, v)
        if claim.get("rate"):
            if not p.unit_bytes:
                return math.nan, np.full(2, math.nan)
            return p.unit_bytes / p.value * 1e9, p.unit_bytes / p.boot * 1e9
        return p.value, p.boot

    @staticmethod
    def by_round(p: Point, claim: dict) -> dict:
        """The claim's quantity at each of a point's repetitions, keyed by
        run and repetition; empty for counters (one value per point)."""
        if claim.get("counter") or p.rounds is None:
            return {}
        if claim.get("rate"):
            if not p.unit_bytes:
                return {}
            values = p.unit_bytes / p.samples * 1e9
        else:
            values = p.samples
        return dict(zip(p.rounds.tolist(), np.asarray(values, dtype=float).tolist()))

    def rounds_of(self, points, claim: dict, combine) -> list[float]:
        """combine(quantities of the points) at each repetition all of them
        have, in order."""
        maps = [self.by_round(p, claim) for p in points]
        common = sorted(set.intersection(*(set(m) for m in maps))) if maps and all(maps) else []
        return [combine([m[k] for m in maps]) for k in common]

    # ---- verdicts ----------------------------------------------------------------------

    @staticmethod
    def judge(low: float, high: float, claim: dict) -> str:
        lo_bound = claim.get("min")
        hi_bound = claim.get("max")
        if not (math.isfinite(low) and math.isfinite(high)):
            return INCONCLUSIVE
        if (lo_bound is not None and high < lo_bound) or (hi_bound is not None and low > hi_bound):
            return DISAGREES
        if (lo_bound is None or low >= lo_bound) and (hi_bound is None or high <= hi_bound):
            return AGREES
        return INCONCLUSIVE

    @staticmethod
    def bound_words(claim: dict, fmt) -> str:
        lo, hi = claim.get("min"), claim.get("max")
        if lo is not None and hi is not None:
            return f"between {fmt(lo)} and {fmt(hi)}"
        return f"at least {fmt(lo)}" if lo is not None else f"at most {fmt(hi)}"

    def few(self, points) -> str | None:
        small = [p for p in points if p.n < 2]
        if small:
            return f"{small[0].name} has {small[0].n} repetition: too few for an interval"
        return None

    def needs(self, points, claim: dict) -> str | None:
        need = claim.get("needs")
        if not need:
            return None
        have = [p.counters.get(need["counter"]) for p in points if need["counter"] in p.counters]
        if not have or max(have) < need["min"]:
            shown = units.number(max(have)) if have else "not recorded"
            return f"{need['counter']} is {shown} here, below the {units.number(need['min'])} this claim needs"
        return None

    def result(self, claim: dict, verdict: str, measured: str, value=math.nan, low=math.nan, high=math.nan):
        says = claim["says"]
        sentence = f"{says[0].upper()}{says[1:]}: {measured}; {verdict}."
        return ClaimResult(claim, verdict, sentence, value, low, high)

    def missing(self, claim: dict, why: str) -> ClaimResult:
        return self.result(claim, INCONCLUSIVE, f"not decided ({why})")

    # ---- claim kinds -------------------------------------------------------------------------

    def evaluate(self, family: str, claim: dict) -> ClaimResult:
        kind = claim["kind"]
        if kind == "hook":
            hook = self.hooks.get(claim.get("hook", ""))
            if hook is None:
                return self.missing(claim, f"this report has no check named {claim.get('hook')!r}")
            return hook(self, family, claim)
        return getattr(self, f"_{kind}")(family, claim)

    def _fmt(self, claim: dict):
        if claim.get("counter"):
            return units.number
        if claim["kind"] in ("ratio", "growth", "spread", "monotone"):
            return units.ratio
        return units.rate if claim.get("rate") else units.time_ns

    def _where(self, p: Point, family: str, match: str) -> str:
        if match == "largest":
            return f"at each case's largest size (the first's: {units.size_bytes(p.working_set_bytes)})"
        if match == "working_set":
            return f"at {units.size_bytes(p.working_set_bytes)}"
        size_name = self.families.get(family, {}).get("size_name", "elements")
        return f"at {units.count(p.size)} {size_name}"

    def _points_in(self, family: str, name: str, region: str):
        pts = self.curve(family, name)
        if region in ("first", "last"):
            return pts[:1] if region == "first" else pts[-1:]
        inside = [self.in_region(p, region) for p in pts]
        if any(x is None for x in inside):
            return None
        return [p for p, keep in zip(pts, inside) if keep]

    def _pairs(self, family: str, claim: dict):
        """Matching points of the claim's cases inside its region (each
        case's own working set), as tuples, by size; with match "largest",
        the one tuple of each case's largest size in it."""
        match = claim.get("match", "elements")
        if match == "largest":
            # each case at its own largest size in the region: where a cost per
            # element no longer depends on the size (beyond the caches), the
            # ladders need not meet
            found = [self._points_in(family, name, claim.get("at", "all")) for name in claim["cases"]]
            if any(pts is None for pts in found):
                return None
            return [tuple(max(pts, key=lambda p: p.size) for pts in found)] if all(found) else []
        per_case = []
        for name in claim["cases"]:
            pts = self._points_in(family, name, claim.get("at", "all"))
            if pts is None:
                return None
            key = (lambda p: p.working_set_bytes) if match == "working_set" else (lambda p: p.size)
            per_case.append({key(p): p for p in pts})
        common = sorted(set.intersection(*(set(d) for d in per_case))) if per_case else []
        return [tuple(d[k] for d in per_case) for k in common]

    def _judge_many(self, claim: dict, family: str, items) -> ClaimResult:
        """items: (value from the points' statistics, boot, points, where,
        the value at each repetition) per compared place; a comparison with
        rounds enough is valued at the median over its rounds instead."""
        fmt = self._fmt(claim)
        judged, ranged = [], True
        comparison = all(len(points) > 1 for _, _, points, _, _ in items)
        for value, boot, points, where, rounds in items:
            rounds = [r for r in rounds if math.isfinite(r)]
            if len(rounds) >= ROUNDS and math.isfinite(value):
                if comparison:
                    value = float(np.median(rounds))
                lo, hi = min(rounds + [value]), max(rounds + [value])
            else:
                ranged = False
                lo, hi = (float(x) for x in np.nanpercentile(boot, [2.5, 97.5]))
            reason = self.few(points) or self.needs(points, claim)
            verdict = INCONCLUSIVE if reason else self.judge(lo, hi, claim)
            judged.append((verdict, value, lo, hi, where, reason))
        verdict = worst(v for v, *_ in judged)
        shown = [j for j in judged if j[0] == verdict] if verdict != AGREES else judged
        first = shown[0]
        expected = self.bound_words(claim, fmt)
        if len(judged) == 1:
            what = ("median over the rounds, range over the repetitions" if ranged and comparison
                    else "range over the repetitions" if ranged else "95% interval")
            measured = f"{fmt(first[1])} {first[4]} ({what} {units.interval(first[2], first[3], fmt)}; expected {expected})"
        else:
            values = [j[1] for j in judged]
            measured = (f"{fmt(min(values))} to {fmt(max(values))} over {len(judged)} sizes (expected {expected} at each"
                        + ("" if verdict == AGREES else f"; {first[4]}: {fmt(first[1])}, "
                           f"{'range over the repetitions' if ranged else 'interval'} "
                           f"{units.interval(first[2], first[3], fmt)}") + ")")
        if first[5] and verdict == INCONCLUSIVE:
            measured += f" — {first[5]}"
        elif verdict == INCONCLUSIVE:
            measured += " — the interval straddles the bound"
        return self.result(claim, verdict, measured, first[1], first[2], first[3])

    def _ratio(self, family: str, claim: dict) -> ClaimResult:
        pairs = self._pairs(family, claim)
        if pairs is None:
            return self.missing(claim, "the cache sizes are unknown")
        if not pairs:
            return self.missing(claim, f"no size {REGION_WORDS[claim.get('at', 'all')] or ''} where both ran".replace("  ", " "))
        if not claim.get("every"):
            pairs = pairs[-1:]
        items = []
        for a, b in pairs:
            va, ba = self.quantity(a, claim)
            vb, bb = self.quantity(b, claim)
            items.append((va / vb, ba / bb, [a, b], self._where(a, family, claim.get("match", "elements")),
                          self.rounds_of([a, b], claim, lambda q: q[0] / q[1])))
        return self._judge_many(claim, family, items)

    def _spread(self, family: str, claim: dict) -> ClaimResult:
        sets = self._pairs(family, claim)
        if sets is None:
            return self.missing(claim, "the cache sizes are unknown")
        if not sets:
            return self.missing(claim, "the cases share no size in the region")
        if not claim.get("every"):
            sets = sets[-1:]
        items = []
        for pts in sets:
            qs = [self.quantity(p, claim) for p in pts]
            values = np.array([q[0] for q in qs])
            boots = np.vstack([np.resize(q[1], len(qs[0][1])) for q in qs])
            items.append((values.max() / values.min(), boots.max(axis=0) / boots.min(axis=0), list(pts),
                          self._where(pts[0], family, claim.get("match", "elements")),
                          self.rounds_of(list(pts), claim, lambda q: max(q) / min(q))))
        return self._judge_many(claim, family, items)

    def _growth(self, family: str, claim: dict) -> ClaimResult:
        name = claim["cases"][0]
        start = self._points_in(family, name, claim.get("at", "all"))
        end = self._points_in(family, name, claim.get("to", "all"))
        if start is None or end is None:
            return self.missing(claim, "the cache sizes are unknown")
        if not start or not end:
            empty = claim["at"] if not start else claim["to"]
            return self.missing(claim, f"no size {REGION_WORDS[empty]}")
        a, b = start[-1], end[-1]
        if a is b:
            return self.missing(claim, f"{a.name} is the only size: nothing to compare")
        va, ba = self.quantity(a, claim)
        vb, bb = self.quantity(b, claim)
        if claim.get("at") in ("first", "last"):
            size_name = self.families.get(family, {}).get("size_name", "")
            where = f"from {units.count(a.size)} to {units.count(b.size)} {size_name}"
        else:
            where = f"from {units.size_bytes(a.working_set_bytes)} to {units.size_bytes(b.working_set_bytes)}"
        return self._judge_many(claim, family, [(vb / va, bb / ba, [a, b], where,
                                                 self.rounds_of([a, b], claim, lambda q: q[1] / q[0]))])

    def _monotone(self, family: str, claim: dict) -> ClaimResult:
        pts = self._points_in(family, claim["cases"][0], claim.get("at", "all"))
        if pts is None:
            return self.missing(claim, "the cache sizes are unknown")
        pts = sorted(pts, key=lambda p: p.working_set_bytes)
        if len(pts) < 2:
            return self.missing(claim, "fewer than two sizes")
        items = []
        for a, b in zip(pts, pts[1:]):
            va, ba = self.quantity(a, claim)
            vb, bb = self.quantity(b, claim)
            items.append((vb / va, bb / ba, [a, b], f"from {units.size_bytes(a.working_set_bytes)} to "
                                                    f"{units.size_bytes(b.working_set_bytes)}",
                          self.rounds_of([a, b], claim, lambda q: q[1] / q[0])))
        return self._judge_many(claim, family, items)

    def _value(self, family: str, claim: dict) -> ClaimResult:
        pts = self._points_in(family, claim["cases"][0], claim.get("at", "all"))
        if pts is None:
            return self.missing(claim, "the cache sizes are unknown")
        if not pts:
            return self.missing(claim, "no size in the region")
        if not claim.get("every"):
            pts = pts[-1:]
        items = []
        for p in pts:
            v, boot = self.quantity(p, claim)
            items.append((v, boot, [p], self._where(p, family, "elements"), self.rounds_of([p], claim, lambda q: q[0])))
        return self._judge_many(claim, family, items)


def check_family(summary: Summary, series: str, family: str, families: dict, caches: list[dict],
                 hooks: dict | None = None) -> Check | None:
    """Every claim of a family on one series, or None for a family without
    a descriptor (plain Google Benchmark files)."""
    desc = families.get(family)
    if desc is None or not desc.get("claims"):
        return None
    engine = Engine(summary, series, families, caches, hooks)
    results = [engine.evaluate(family, claim) for claim in desc["claims"]]
    marks = {}
    for r in results:
        marks.update(r.marks)
    return Check(family, worst(r.verdict for r in results), results, marks)
