"""The check engine: evaluates each family's claims (its stated expectation,
as data in the result file) against the measured points.

A claim's value comes with an interval that says where the next run on the
same machine will put it. Where its points have repetitions enough (ROUNDS
or more, their k-th repetitions paired), the claim is computed round by
round: from the k-th repetition of each case it compares, for every k. A
comparison's value is the median over those rounds (cases timed side by
side in one round share the machine's moment; a ratio of two statistics
taken from different rounds does not, and one fast repetition of one case
moves it); a single point's value keeps its case's statistic. With fewer
repetitions, the points' bootstrap distributions give a 95% interval.

Neither covers the next run: what moves between runs (where the structures
land in memory, the share of a shared cache the machine gets for the next
minutes) stays put within a few rounds. So each interval is widened to the
machine's run-to-run movement (Movement): bench_all passes over its plan
more than once, the claims are evaluated on each pass alone, and the
differences between passes, pooled over every claim of the series and
scaled to what separates two runs, give the half-width (in log terms) that
holds MOVEMENT_SHARE of the claims. The interval is the range over the
rounds and that band around the value, whichever reaches further; a
claim on a counter the program counts itself (allocations per node) is
exact and keeps its range. A run with one pass has no movement to measure
and keeps the range over its rounds (and says so).

The verdict is "agrees" when the whole interval satisfies the claim's
bounds, "disagrees" when the whole interval violates them, and
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
MOVEMENT_SHARE = 0.90  # the share of claims whose run-to-run movement the widened interval is to hold

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

    def __init__(self, summary: Summary, series: str, families: dict, caches: list[dict], hooks: dict | None = None,
                 movement: float = 0.0):
        """movement: the half-width, in log terms, every claim's interval
        is widened to (Movement.half_width; 0 leaves the range over the
        rounds)."""
        self.summary = summary
        self.movement = movement
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
        # a counter the program counts (allocations) is exact: the passes
        # measure how far the machine moves times, not counts
        widen = 0.0 if claim.get("counter") else self.movement
        for value, boot, points, where, rounds in items:
            rounds = [r for r in rounds if math.isfinite(r)]
            if len(rounds) >= ROUNDS and math.isfinite(value):
                if comparison:
                    value = float(np.median(rounds))
                lo, hi = min(rounds + [value]), max(rounds + [value])
            else:
                ranged = False
                lo, hi = (float(x) for x in np.nanpercentile(boot, [2.5, 97.5]))
            if widen > 0 and math.isfinite(value) and value > 0:
                lo = min(lo, value * math.exp(-widen))
                hi = max(hi, value * math.exp(widen))
            reason = self.few(points) or self.needs(points, claim)
            verdict = INCONCLUSIVE if reason else self.judge(lo, hi, claim)
            judged.append((verdict, value, lo, hi, where, reason))
        verdict = worst(v for v, *_ in judged)
        shown = [j for j in judged if j[0] == verdict] if verdict != AGREES else judged
        first = shown[0]
        expected = self.bound_words(claim, fmt)
        if len(judged) == 1:
            what = self.interval_words(ranged, comparison, widen)
            measured = f"{fmt(first[1])} {first[4]} ({what} {units.interval(first[2], first[3], fmt)}; expected {expected})"
        else:
            values = [j[1] for j in judged]
            measured = (f"{fmt(min(values))} to {fmt(max(values))} over {len(judged)} sizes (expected {expected} at each"
                        + ("" if verdict == AGREES else f"; {first[4]}: {fmt(first[1])}, "
                           f"{self.interval_words(ranged, False, widen)} "
                           f"{units.interval(first[2], first[3], fmt)}") + ")")
        if first[5] and verdict == INCONCLUSIVE:
            measured += f" — {first[5]}"
        elif verdict == INCONCLUSIVE:
            measured += " — the interval straddles the bound"
        return self.result(claim, verdict, measured, first[1], first[2], first[3])

    @staticmethod
    def interval_words(ranged: bool, comparison: bool, widened: float) -> str:
        value = "median over the rounds, " if ranged and comparison else ""
        if widened > 0:
            return f"{value}next-run interval"
        return f"{value}range over the repetitions" if ranged else "95% interval"

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
            where = self._where(a, family, claim.get("match", "elements"))
            if claim.get("per"):
                item = self._against_prediction(family, claim, a, b, where)
                if isinstance(item, str):
                    return self.missing(claim, item)
                items.append(item)
                continue
            va, ba = self.quantity(a, claim)
            vb, bb = self.quantity(b, claim)
            items.append((va / vb, ba / bb, [a, b], where, self.rounds_of([a, b], claim, lambda q: q[0] / q[1])))
        return self._judge_many(claim, family, items)

    def _against_prediction(self, family: str, claim: dict, a: Point, b: Point, where: str):
        """q(a) / q(b) over the run's own prediction of it (the claim's
        `per`), as an item for _judge_many, or why there is none."""
        ref = self._reference(family, claim, a, b)
        if isinstance(ref, str):
            return ref
        (c, d), predict, words = ref
        va, ba = self.quantity(a, claim)
        vb, bb = self.quantity(b, claim)
        vc, bc = self.quantity(c, claim)
        vd, bd = self.quantity(d, claim)
        rounds = self.rounds_of([a, b, c, d], claim, lambda q: (q[0] / q[1], predict(q[2], q[3])))
        # the measured ratio and the prediction as the claim's value takes
        # them: the medians over the rounds where there are rounds
        measured, predicted = va / vb, predict(vc, vd)
        value = measured / predicted
        if len(rounds) >= ROUNDS:
            measured, predicted = (float(np.median([r[i] for r in rounds])) for i in (0, 1))
        return (value, (ba / bb) / predict(bc, bd), [a, b, c, d],
                f"{where}: {units.ratio(measured)} measured, against the {units.ratio(predicted)} {words}",
                [m / p for m, p in rounds])

    def _reference(self, family: str, claim: dict, a: Point, b: Point):
        """The run's own prediction of a claim's ratio (or growth, a from b)
        from its `per` cases: the first at a's working set, the second at
        b's (the nearest, within 2x, or anywhere beyond the last level for a
        claim beyond it; a case that ran at one size only, a count of
        exchanges rather than a working set, at that size), each taken for
        the bytes the claim gives it; as (points, predicted ratio at each
        repetition's quantities, words), or why there is none."""
        names = claim["per"]["cases"]
        wanted = claim["per"].get("bytes") or [None, None]
        found, scales, named = [], [], []
        for name, at, per_bytes in zip(names, (a, b), wanted):
            pts = [p for p in self.curve(family, name) if p.working_set_bytes > 0]
            near = min(pts, key=lambda p: abs(math.log(p.working_set_bytes / at.working_set_bytes)), default=None)
            # beyond the last level every working set is served by memory:
            # the nearest size there stands for any other
            same_level = claim.get("at") == "beyond:LLC" and near is not None and self.in_region(near, "beyond:LLC")
            if near is None or not (same_level or len(pts) == 1
                                    or abs(math.log2(near.working_set_bytes / at.working_set_bytes)) <= 1):
                return f"{name} did not run within 2x of {units.size_bytes(at.working_set_bytes)}"
            if per_bytes is not None and not near.unit_bytes:
                return f"{name} records no bytes per unit to take {units.size_bytes(per_bytes)} of it"
            found.append(near)
            scales.append(1.0 if per_bytes is None else per_bytes / near.unit_bytes)
            named.append("/".join(self.resolve(family, name))
                         + ("" if per_bytes is None else f" for {units.size_bytes(per_bytes)}")
                         + f" at {units.size_bytes(near.working_set_bytes)}")
        words = f"the run's own {named[0]} over {named[1]} predict"
        return found, (lambda qc, qd: (qc * scales[0]) / (qd * scales[1])), words

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
        if claim.get("at") in ("first", "last"):
            size_name = self.families.get(family, {}).get("size_name", "")
            where = f"from {units.count(a.size)} to {units.count(b.size)} {size_name}"
        else:
            where = f"from {units.size_bytes(a.working_set_bytes)} to {units.size_bytes(b.working_set_bytes)}"
        if claim.get("per"):
            # the growth over the run's own prediction of it: the end over
            # the start, c at the end's working set, d at the start's
            item = self._against_prediction(family, claim, b, a, where)
            if isinstance(item, str):
                return self.missing(claim, item)
            return self._judge_many(claim, family, [item])
        va, ba = self.quantity(a, claim)
        vb, bb = self.quantity(b, claim)
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
                 hooks: dict | None = None, movement: float = 0.0) -> Check | None:
    """Every claim of a family on one series, or None for a family without
    a descriptor (plain Google Benchmark files)."""
    desc = families.get(family)
    if desc is None or not desc.get("claims"):
        return None
    engine = Engine(summary, series, families, caches, hooks, movement)
    results = [engine.evaluate(family, claim) for claim in desc["claims"]]
    marks = {}
    for r in results:
        marks.update(r.marks)
    return Check(family, worst(r.verdict for r in results), results, marks)


@dataclass
class Movement:
    """How far a machine moves a claim from one run to the next, measured
    from the passes of one series' runs."""
    half_width: float  # in log terms: the interval reaches value * exp(+-half_width)
    passes: int  # the passes (of all the series' runs) it compares
    claims: int  # the claims valued in two passes or more

    @property
    def factor(self) -> float:
        return math.exp(self.half_width)

    def sentence(self) -> str:
        return (f"Each claim's interval is meant to hold the value the next run on this machine gives it "
                f"(for {100 * MOVEMENT_SHARE:.0f}% of claims): the range over its rounds, widened to at least "
                f"a factor of {self.factor:.2f} either side of its value, which is how far the machine moved "
                f"the claims between {self.passes} passes over the plan ({100 * MOVEMENT_SHARE:.0f}th "
                f"percentile over {self.claims} claims), scaled to the difference between two runs.")


def claim_values(summary: Summary, series: str, families: dict, caches: list[dict]) -> dict[tuple, float]:
    """(family, claim index) -> the claim's value on one series, where it
    has a positive one."""
    out = {}
    present = {p.family for p in summary}
    for family, desc in families.items():
        if family not in present or not desc.get("claims"):
            continue
        check = check_family(summary, series, family, families, caches)
        for i, r in enumerate(check.results if check else []):
            if isinstance(r.value, float) and math.isfinite(r.value) and r.value > 0:
                out[(family, i)] = r.value
    return out


def movement(frame, series: str, families: dict, caches: list[dict]) -> Movement | None:
    """The run-to-run movement of one series, from its passes: None with
    fewer than two passes.

    Each pass (of each run) is checked on its own. For a claim valued in n
    passes, every pair of passes differs by a log-ratio whose variance is
    twice the pass-to-pass variance s^2; the next run's value (a run of P
    passes) differs from this series' value (n passes) by a variance of
    s^2 (1/P + 1/n). So every pair's |log-ratio| times sqrt((1/P + 1/n) / 2)
    is drawn from the distribution of the next run's difference; pooled
    over every claim, its MOVEMENT_SHARE quantile is the half-width that
    holds that share of the claims (calibrated over claims, not claim by
    claim: a claim that moves less than most gets a wider interval than
    it needs, one that moves more a narrower one)."""
    if "pass" not in frame.columns:
        return None
    mine = frame[(frame["machine"] == series) & (frame["pass"] >= 1)]
    units = sorted(set(zip(mine["run"].tolist(), mine["pass"].tolist())))
    if len(units) < 2:
        return None
    per_run = len(units) / len(set(mine["run"].tolist()))
    values: dict[tuple, list[float]] = {}
    for run, index in units:
        part = mine[(mine["run"] == run) & (mine["pass"] == index)]
        for key, v in claim_values(Summary(part), series, families, caches).items():
            values.setdefault(key, []).append(math.log(v))
    draws = []
    for logs in values.values():
        n = len(logs)
        if n < 2:
            continue
        scale = math.sqrt((1 / per_run + 1 / n) / 2)
        draws += [abs(a - b) * scale for i, a in enumerate(logs) for b in logs[i + 1:]]
    if not draws:
        return None
    claims = sum(1 for logs in values.values() if len(logs) >= 2)
    return Movement(float(np.quantile(draws, MOVEMENT_SHARE)), len(units), claims)


def movements(frame, families: dict, caches: list[dict]) -> dict[str, Movement | None]:
    """movement() of every series in the frame, by series."""
    return {s: movement(frame, s, families, caches) for s in sorted(set(frame["machine"].tolist()))}
