"""Textbook models beside the measurements: what a simple model of the
memory hierarchy predicts for this machine, from parameters measured in
the same run.

The machine's parameters (`fit`): each level's size from the topology,
except the last cache level's, which is fitted to the latency curve (on
a shared or virtual machine a program gets a share of it far from what
the machine reports); each level's load latency from the case the
descriptors mark as the gallery's latency (a random chase), read where the
working set sits inside the level and corrected for the share of loads the
smaller levels serve (the last level's and memory's fitted with its size);
each level's read bandwidth from the case marked as the gallery's bandwidth; the page walk's cost and the TLB's reach from the
same random chase over huge pages where the kernel granted them (the
difference between the two chases).

Each model (a case descriptor's `model`, see core/family.h) is one small
function of those parameters and of the point's working set W:
  random   sum over levels of P(served there) x latency, P(a level of C
           bytes holds the line) = min(1, C/W); plus P(TLB miss) x walk,
           P = 1 - min(1, reach/W), where the chase uses 4 KiB pages;
  cyclic   the latency of the smallest level that holds W (LRU: a cyclic
           walk over more than a level misses it on every load);
  stream   bytes moved per unit (max(bytes, min(stride, line))) over the
           read bandwidth of the smallest level that holds W;
  little   Little's law: k misses in flight (at most the miss buffers),
           latency(W) / k, and no less
           than a line over the bandwidth;
  list     share of hops leaving the line x random(W) + the rest x L1.
Nothing here knows a family or case by name.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import numpy

from locality.report import units

LEVEL_WORDS = {"L1": "L1", "L2": "L2", "L3": "L3", "L4": "L4", "memory": "memory"}
WALK_EXPLAINS = 0.8  # a page-walk term only where it leaves at most this share of the chases' squared difference
WALK_POINTS = 2 / 3  # ... and where the 4 KiB chase lies above the huge one, intervals apart, at this share past the reach
WALK_BEYOND = 4  # a walk every chase pays starts no nearer the last level than this factor: memory's own latency
                 # is read between the two (where they coincide the fit cannot tell walks from memory)
FLATTENS = 0.8  # a Little's-law curve has flattened where it reaches less than this share of its largest k
HUGE = 0.9  # a chase over huge pages counts as such where this share of its buffer was granted them


@dataclass
class Level:
    name: str            # "L1", "L2", "L3", "memory"
    size_bytes: float    # inf for memory
    latency_ns: float = math.nan
    bandwidth: float = math.nan  # bytes per ns (GB/s)
    reported_bytes: float = math.nan  # the size the machine reports, where the model's is fitted


@dataclass
class Machine:
    levels: list[Level]
    line_bytes: float = 64.0
    walk_ns: float = 0.0                 # what a page walk adds to a load
    tlb_reach_bytes: float = math.inf    # the working set the TLB covers with 4 KiB pages
    shared_walk_ns: float = 0.0          # a walk every chase pays, huge pages or not (a VM's nested paging)
    shared_reach_bytes: float = math.inf # ... past this working set
    misses_in_flight: float = math.inf   # the most a core keeps in flight (its miss buffers)
    notes: list[str] = field(default_factory=list)  # where each parameter came from

    @property
    def caches(self) -> list[Level]:
        return [lv for lv in self.levels if math.isfinite(lv.size_bytes)]

    def holding(self, w: float) -> Level:
        """The smallest level that holds a working set of w bytes."""
        return next((lv for lv in self.levels if w <= lv.size_bytes), self.levels[-1])


# ---- the models ------------------------------------------------------------------------


def hit_shares(m: Machine, w: float) -> list[float]:
    """The share of random loads over w bytes each level serves (the
    smallest first; memory takes the rest): a level of C bytes holds the
    line with probability min(1, C/w)."""
    shares, held = [], 0.0
    for lv in m.levels:
        now = 1.0 if not math.isfinite(lv.size_bytes) else min(1.0, lv.size_bytes / w)
        shares.append(max(0.0, now - held))
        held = max(held, now)
    return shares


def walk_share(m: Machine, w: float, reach: float | None = None) -> float:
    reach = m.tlb_reach_bytes if reach is None else reach
    return 0.0 if not math.isfinite(reach) else 1.0 - min(1.0, reach / w)


def random_ns(m: Machine, w: float, page_walks: bool = True) -> float:
    """Expected time of a dependent load to a random line of w bytes."""
    t = sum(s * lv.latency_ns for s, lv in zip(hit_shares(m, w), m.levels) if s > 0)
    t += walk_share(m, w, m.shared_reach_bytes) * m.shared_walk_ns
    return t + (walk_share(m, w) * m.walk_ns if page_walks else 0.0)


def cyclic_ns(m: Machine, w: float) -> float:
    return m.holding(w).latency_ns


def moved_bytes(m: Machine, bytes_: float, stride: float) -> float:
    """Bytes a unit brings in: what it reads, or the line around it where
    units lie farther apart than what they read."""
    return max(bytes_, min(stride or bytes_, m.line_bytes))


def stream_ns(m: Machine, w: float, bytes_: float, stride: float) -> float:
    return moved_bytes(m, bytes_, stride) / m.holding(w).bandwidth


def little_ns(m: Machine, w: float, k: float) -> float:
    return max(random_ns(m, w) / min(k, m.misses_in_flight), m.line_bytes / m.holding(w).bandwidth)


def list_ns(m: Machine, w: float, leave: float) -> float:
    return leave * random_ns(m, w) + (1 - leave) * m.levels[0].latency_ns


def leaving(counters: dict) -> float | None:
    """The share of a list's hops that leave the line (the node-gap
    counter), or None where the point has none."""
    same = counters.get("gap_share_0_lines")
    return None if same is None else 1.0 - same


def predict_point(m: Machine, case: dict, p) -> tuple[float, str]:
    """predict() for a point of a case descriptor (its model and axis)."""
    return predict(m, case["model"], p.working_set_bytes, p.counters, (case.get("axis") or {}).get("counter", ""))


def point_misses(m: Machine, case: dict, p) -> dict[str, float]:
    """misses() for a point of a case descriptor."""
    leave = leaving(p.counters)
    return misses(m, case["model"], p.working_set_bytes, 1.0 if leave is None else leave)


def misses(m: Machine, model: dict, w: float, leave: float = 1.0) -> dict[str, float]:
    """Misses per unit in each cache level, as the model has them."""
    kind = model.get("kind")
    out = {}
    for lv in m.caches:
        if kind in ("random", "little"):
            out[lv.name] = 1.0 - min(1.0, lv.size_bytes / w)
        elif kind == "list":
            out[lv.name] = leave * (1.0 - min(1.0, lv.size_bytes / w))
        elif kind == "cyclic":
            out[lv.name] = 1.0 if w > lv.size_bytes else 0.0
        elif kind == "stream":
            lines = moved_bytes(m, model.get("bytes", 0), model.get("stride", 0)) / m.line_bytes
            out[lv.name] = lines if w > lv.size_bytes else 0.0
    return out


def predict(m: Machine, model: dict, w: float, counters: dict, axis: str = "") -> tuple[float, str]:
    """(ns per unit, "") or (nan, why not) for a point of working set w."""
    kind = model.get("kind")
    need = {"random": "latency_ns", "cyclic": "latency_ns", "list": "latency_ns", "little": "latency_ns",
            "stream": "bandwidth"}.get(kind)
    if need is None:
        return math.nan, f"no model of kind {kind!r}"
    if not (w > 0):
        return math.nan, "the point has no working set"
    missing = [lv.name for lv in m.levels if not math.isfinite(getattr(lv, need))]
    if kind == "little" and not math.isfinite(m.holding(w).bandwidth):
        missing.append(m.holding(w).name + " bandwidth")
    if missing:
        return math.nan, f"the run measured no {need.split('_')[0]} for " + ", ".join(missing)
    if kind == "random":
        walks = model.get("page_walks", True) or counters.get("huge_page_share", 1.0) < HUGE
        return random_ns(m, w, walks), ""
    if kind == "cyclic":
        return cyclic_ns(m, w), ""
    if kind == "stream":
        return stream_ns(m, w, model.get("bytes", 0), model.get("stride", 0)), ""
    if kind == "little":
        k = counters.get(axis)
        return (little_ns(m, w, k), "") if k else (math.nan, f"the point has no {axis or 'axis'} counter")
    leave = leaving(counters)
    if leave is None:
        return math.nan, "the point has no node-gap counters"
    return list_ns(m, w, leave), ""


# ---- the machine's parameters, from the run ---------------------------------------------------


def _inside(points: list, low: float, high: float):
    inside = [p for p in points if low <= p.working_set_bytes <= high]
    return max(inside, key=lambda p: p.working_set_bytes) if inside else None


def _levels(caches: list[dict]) -> list[Level]:
    return [Level(f"L{c['level']}", float(c["size_bytes"]), reported_bytes=float(c["size_bytes"])) for c in caches] \
        + [Level("memory", math.inf)]


def _calibrate_latency(m: Machine, points: list, walking: set | None = None, count: int | None = None) -> list[str]:
    """Each level's latency from the chases: at every point inside the
    level (at most half its size, at least twice the level before), what
    the level must cost for the model to give the measured time, with the
    loads the smaller levels serve and the page walks (points of the cases
    in `walking`) taken out; the median of those, so that one noisy point
    does not set a level. Only the first `count` levels where given.
    Returns how each level was read."""
    low, walking, notes = 0.0, walking or set(), []
    for i, lv in enumerate(m.levels[:count]):
        high = lv.size_bytes / 2 if math.isfinite(lv.size_bytes) else math.inf
        inside = sorted((p for p in points if low <= p.working_set_bytes <= high), key=lambda p: p.working_set_bytes)
        low = 2 * lv.size_bytes
        if not inside or not all(math.isfinite(m.levels[j].latency_ns) for j in range(i)):
            continue
        each = []
        for p in inside:
            shares = hit_shares(m, p.working_set_bytes)
            served = sum(s * m.levels[j].latency_ns for j, s in enumerate(shares[:i]) if s > 0)
            walk = _walk_of(m, p, walking)
            if shares[i] > 0:
                each.append(max(0.0, (p.value - served - walk) / shares[i]))
        if each:
            lv.latency_ns = float(statistics.median(each))
            where = units.size_bytes(inside[0].working_set_bytes) + ("" if len(inside) == 1 else
                                                           "–" + units.size_bytes(inside[-1].working_set_bytes))
            cases = " and ".join(sorted({p.case for p in inside}))
            notes.append(f"{lv.name} latency {lv.latency_ns:.3g} ns, the median over {len(each)} points of "
                         f"{cases} at {where}")
    return notes


def _walk_of(m: Machine, p, walking: set) -> float:
    """The walks in a point's time: the shared ones always, the 4 KiB
    pages' ones where its case is in `walking`."""
    w = p.working_set_bytes
    return walk_share(m, w, m.shared_reach_bytes) * m.shared_walk_ns + (
        walk_share(m, w) * m.walk_ns if p.case in walking else 0.0)


def _fit_last_level(m: Machine, points: list, walking: set | None = None) -> str | None:
    """The last cache level's effective size C, the latencies of it and of
    memory, and a page walk every chase pays past a reach R, fitted together
    (least squares, relative) to the chases' points from twice the level
    before on: C and R on grids (C in quarter octaves; R at the measured
    working sets, or none), the three costs then by linear least squares.
    On a shared or virtual machine the share of the last level a program
    gets can be far from the size the machine reports, and on a virtual one
    even a chase over huge pages walks the host's page tables (nested
    paging); the latency curve says which. None (nothing changed) where the
    points cannot decide."""
    walking = walking or set()
    caches = m.caches
    if len(caches) < 2 or not all(math.isfinite(lv.latency_ns) for lv in caches[:-1]):
        return None
    last, memory, before = caches[-1], m.levels[-1], caches[-2]
    pts = [p for p in points if p.working_set_bytes >= 2 * before.size_bytes and p.value > 0]
    sizes = sorted({p.working_set_bytes for p in pts})
    if len(sizes) < 4:
        return None
    kept, best = (last.size_bytes, m.shared_walk_ns, m.shared_reach_bytes), None
    m.shared_walk_ns, m.shared_reach_bytes = 0.0, math.inf
    weight = numpy.array([1.0 / p.value for p in pts])
    for c in before.size_bytes * 2.0 ** (numpy.arange(1, 4 * math.log2(sizes[-1] / 2 / before.size_bytes) + 1) / 4):
        last.size_bytes = float(c)
        rest, columns = [], []
        for p in pts:
            shares = hit_shares(m, p.working_set_bytes)
            rest.append(p.value - _walk_of(m, p, walking) - sum(
                s * lv.latency_ns for s, lv in zip(shares[:-2], m.levels[:-2]) if s > 0))
            columns.append((shares[-2], shares[-1]))
        target = numpy.array(rest) * weight
        for reach in [math.inf] + [w for w in sizes[:-2] if w >= WALK_BEYOND * c]:
            a = numpy.array(columns) if math.isinf(reach) else numpy.column_stack(
                [columns, [walk_share(m, p.working_set_bytes, reach) for p in pts]])
            a = a * weight[:, None]
            costs, *_ = numpy.linalg.lstsq(a, target, rcond=None)
            residual = float(numpy.sum((a @ costs - target) ** 2))
            lat, mem, walk = float(costs[0]), float(costs[1]), float(costs[2]) if len(costs) > 2 else 0.0
            # a walk reads page-table entries, 1/512 of the working set, mostly from the caches: it costs
            # no more than a load from memory
            if before.latency_ns <= lat <= mem and 0 <= walk <= mem and (best is None or residual < best[0]):
                best = (residual, float(c), lat, mem, walk, reach)
    last.size_bytes, m.shared_walk_ns, m.shared_reach_bytes = kept
    if best is None:
        return None
    _, last.size_bytes, last.latency_ns, memory.latency_ns, m.shared_walk_ns, m.shared_reach_bytes = best
    walk = "" if math.isinf(m.shared_reach_bytes) else \
        f" and a page walk of {m.shared_walk_ns:.3g} ns every chase pays past {units.size_bytes(m.shared_reach_bytes)}"
    return (f"{last.name} {units.size_bytes(last.size_bytes)} (the machine reports {units.size_bytes(last.reported_bytes)}), "
            f"{last.name} latency {last.latency_ns:.3g} ns, memory latency {memory.latency_ns:.3g} ns{walk}: fitted "
            f"together to the {len(pts)} points of the chases from {units.size_bytes(sizes[0])} on")


def _calibrate(m: Machine, points: list, walking: set | None = None) -> list[str]:
    """Every level's latency: the levels before the last cache level from
    the median over their points, the last level and memory fitted together
    where the chases decide them, else from their medians too."""
    notes = _calibrate_latency(m, points, walking, len(m.levels) - 2)
    joint = _fit_last_level(m, points, walking)
    if joint is None:
        return _calibrate_latency(m, points, walking)
    return notes + [joint]


def _calibrate_walks(m: Machine, four_k: list, huge: list) -> None:
    """The page-walk term, fitted to the difference between the chase over
    4 KiB pages and over huge pages at each working set W: walk x (1 -
    min(1, reach/W)), the reach the one of the measured working sets that
    fits best (least squares), the walk's cost then in closed form."""
    by_w = {p.working_set_bytes: p for p in huge}
    by_4k = {p.working_set_bytes: p for p in four_k}
    common = sorted(p.working_set_bytes for p in four_k if p.working_set_bytes in by_w)
    if len(common) < 4:
        return
    extra = {p.working_set_bytes: p.value - by_w[p.working_set_bytes].value for p in four_k
             if p.working_set_bytes in by_w}
    best = None
    weight = {w: 1.0 / by_w[w].value ** 2 for w in common}  # relative residuals: a nanosecond matters in L2
    for reach in common[:-1]:
        share = [1.0 - min(1.0, reach / w) for w in common]
        norm = sum(weight[w] * x * x for x, w in zip(share, common))
        walk = sum(weight[w] * x * extra[w] for x, w in zip(share, common)) / norm
        residual = sum(weight[w] * (extra[w] - walk * x) ** 2 for x, w in zip(share, common))
        if walk > 0 and (best is None or residual < best[0]):
            best = (residual, reach, walk)
    without = sum(weight[w] * extra[w] ** 2 for w in common)
    if best is None or best[0] > WALK_EXPLAINS * without:
        m.notes.append("no page-walk term: a step past one reach explains too little of the difference between "
                       "the chases over 4 KiB and huge pages (noise, or a TLB that covers the ladder)")
        return
    _, reach, walk = best
    past = [w for w in common if w > reach]
    above = [w for w in past if getattr(by_4k[w], "ci_low", by_4k[w].value) > getattr(by_w[w], "ci_high", by_w[w].value)]
    if len(past) < 2 or len(above) < WALK_POINTS * len(past):
        m.notes.append(f"no page-walk term: past the reach that fits best ({units.size_bytes(reach)}) the chase over "
                       f"4 KiB pages is slower than over huge pages beyond both intervals at {len(above)} of "
                       f"{len(past)} working sets (at least two and {WALK_POINTS:.0%} are needed)")
        return
    m.tlb_reach_bytes, m.walk_ns = reach, walk
    m.notes.append(f"page walk {m.walk_ns:.3g} ns past a TLB reach of {units.size_bytes(m.tlb_reach_bytes)}, fitted to the "
                   "difference between the chases over 4 KiB and huge pages")


def fit(summary, series: str, families: dict, caches: list[dict]) -> Machine | None:
    """The machine's parameters from one series of the run, or None where
    the run has no cache sizes or no latency chase to read them from."""
    if not caches:
        return None
    levels, notes = _levels(caches), []
    m = Machine(levels, line_bytes=float(caches[0].get("line_bytes") or 64), notes=notes)
    marked = {}
    for family, desc in families.items():
        for c in desc.get("cases", []):
            if c.get("gallery") in ("latency", "bandwidth"):
                marked.setdefault(c["gallery"], (family, c))
    if "latency" not in marked:
        return None
    family, chase = marked["latency"]
    four_k = summary.curve(series, family, chase["name"])
    huge = next((summary.curve(series, family, c["name"]) for c in families[family].get("cases", [])
                 if (c.get("model") or {}).get("kind") == "random" and not c["model"].get("page_walks", True)), [])
    granted = huge and all(p.counters.get("huge_page_share", 0) >= HUGE for p in huge)
    if granted:
        # the caches from the chase without walks; the walks from the two
        # chases' difference; then the caches again from both chases
        _calibrate(m, huge)
        _calibrate_walks(m, four_k, huge)
        m.notes += _calibrate(m, huge + four_k, {chase["name"]})
    else:
        m.notes.append("page walks are part of each level's latency: no chase over granted huge pages to "
                       "tell them apart")
        m.notes += _calibrate(m, four_k)
    if "bandwidth" in marked:
        family, reader = marked["bandwidth"]
        points = [p for p in summary.curve(series, family, reader["name"]) if p.unit_bytes > 0]
        low = 0.0
        for lv in m.levels:
            p = _inside(points, low, lv.size_bytes / 2 if math.isfinite(lv.size_bytes) else math.inf)
            low = 2 * lv.size_bytes
            if p is not None:
                lv.bandwidth = p.unit_bytes / p.value
                m.notes.append(f"{lv.name} read bandwidth {lv.bandwidth:.3g} GB/s, from {p.case} at "
                               f"{units.size_bytes(p.working_set_bytes)}")
    _fit_misses_in_flight(m, summary, series, families)
    return m


def _fit_misses_in_flight(m: Machine, summary, series: str, families: dict) -> None:
    """The most misses a core keeps in flight, read where k independent
    chases stop getting faster: the largest latency(W) / measured time over
    the points of a family's Little's-law cases (a case per k, or one case
    along k). Only where the curve flattens (that figure below FLATTENS of
    the largest k); else no limit."""
    for family, desc in families.items():
        pts = []
        for c in desc.get("cases", []):
            counter = (c.get("axis") or {}).get("counter")
            if (c.get("model") or {}).get("kind") == "little" and counter:
                pts += [(p, p.counters[counter]) for p in summary.curve(series, family, c["name"])
                        if p.counters.get(counter) and p.value > 0]
        if len(pts) < 3:
            continue
        inflight = max(random_ns(m, p.working_set_bytes) / p.value for p, _ in pts)
        top = max(k for _, k in pts)
        if math.isfinite(inflight) and inflight < FLATTENS * top:
            m.misses_in_flight = inflight
            m.notes.append(f"at most {inflight:.3g} misses in flight (the miss buffers): the most that {family}'s "
                           f"chases reach, latency over time per load, of up to {top:g} chases")
        return


# ---- model against measurement -------------------------------------------------------------

KIND_WORDS = {
    "random": "a random load hits a level of C bytes with probability min(1, C/W)",
    "cyclic": "a walk in order misses every level smaller than W (LRU)",
    "stream": "the bytes of the lines touched over the read bandwidth of the level W fits in",
    "little": "Little's law: latency over the k misses in flight (no more than the miss buffers hold), at most "
              "the bandwidth",
    "list": "a hop to another line costs a random load at W, a hop inside the line an L1 load",
}


@dataclass
class Comparison:
    """A case's (or a series') points beside its model."""
    label: str
    model: dict
    rows: list = field(default_factory=list)  # (point, model ns, measured / model, near a transition)
    why: str = ""                             # why a point has no model value
    axis: str = ""                            # the counter the points lie along, where not the working set

    def axis_of(self, p) -> str:
        """Where a point lies, in words: its working set, or its label
        where the model's points lie along a counter (k = 8)."""
        return (p.label or p.case) if self.along_counter else units.size_bytes(p.working_set_bytes)

    def position(self, p) -> tuple:
        return (p.counters.get(self.axis, 0), p.working_set_bytes)

    @property
    def along_counter(self) -> bool:
        """The cases form one series along a counter (stride's k, mlp's
        chains): a point is named by its case's label."""
        return bool(self.axis)

    @property
    def tolerance(self) -> float:
        return float(self.model.get("tolerance", 0.25))

    def within(self, ratio: float) -> bool:
        return abs(ratio - 1) <= self.tolerance

    @property
    def judged(self) -> list:
        """The rows away from the transitions (a factor of 2 from a level's
        size), where the model claims to hold."""
        return [r for r in self.rows if not r[3]]


def near_transition(m: Machine, w: float) -> bool:
    return any(lv.size_bytes / 2 < w < lv.size_bytes * 2 for lv in m.caches)


def compare(m: Machine, summary, series: str, family: str, desc: dict) -> list[Comparison]:
    """Every modelled case of a family (the cases of one series together),
    point by point."""
    out: dict[str, Comparison] = {}
    for c in desc.get("cases", []):
        model = c.get("model")
        if not model:
            continue
        key = c.get("series") or c["name"]
        axis = (c.get("axis") or {}).get("counter", "")
        comp = out.setdefault(key, Comparison(c.get("series") or c.get("label", c["name"]), model, axis=axis))
        for p in summary.curve(series, family, c["name"]):
            ns, why = predict_point(m, c, p)
            if not math.isfinite(ns) or not ns > 0:
                comp.why = comp.why or why
                continue
            transition = model.get("kind") != "little" and near_transition(m, p.working_set_bytes)
            comp.rows.append((p, ns, p.value / ns, transition))
    return [c for c in out.values() if c.rows or c.why]


def _where(comp: Comparison, rows: list) -> str:
    """The span of the rows' positions, smallest to largest."""
    xs = [comp.axis_of(r[0]) for r in sorted(rows, key=lambda r: comp.position(r[0]))]
    return xs[0] if len(xs) == 1 else f"{xs[0]}–{xs[-1]}"


def sentence(comp: Comparison) -> str:
    """Where model and measurement agree and where they part, by how much."""
    if not comp.rows:
        return f"{comp.label}: no model value ({comp.why})."
    judged = comp.judged
    inside = [r for r in judged if comp.within(r[2])]
    what = "points" if comp.along_counter else "working sets away from the transitions"
    text = (f"{comp.label}: within ±{comp.tolerance:.0%} of the model at {len(inside)} of {len(judged)} {what}")
    out = [r for r in judged if not comp.within(r[2])]
    if out:
        worst = max(out, key=lambda r: abs(math.log(r[2])))
        low, high = min(r[2] for r in out), max(r[2] for r in out)
        span = units.number(low) + "x" if low == high else f"{units.number(low)}x–{units.number(high)}x"
        text += (f"; it leaves the model at {_where(comp, out)} (measured {span} the model, farthest at "
                 f"{comp.axis_of(worst[0])})")
    near = [r for r in comp.rows if r[3] and not comp.within(r[2])]
    if near:
        worst = max(near, key=lambda r: abs(math.log(r[2])))
        text += f"; near a level's size it reaches {units.number(worst[2])}x the model (at {comp.axis_of(worst[0])})"
    if (out or near) and comp.model.get("parts"):
        text += f". Expected to part {comp.model['parts']}"
    return text + "."


def parameters(m: Machine) -> list[str]:
    """The machine model's parameters, one line each."""
    lines = []
    for lv in m.levels:
        size = units.size_bytes(lv.size_bytes) if math.isfinite(lv.size_bytes) else "beyond the caches"
        lat = f"{units.number(lv.latency_ns)} ns" if math.isfinite(lv.latency_ns) else "not measured"
        bw = f"{units.number(lv.bandwidth)} GB/s" if math.isfinite(lv.bandwidth) else "not measured"
        lines.append(f"{lv.name} ({size}): load latency {lat}, read bandwidth {bw}")
    if math.isfinite(m.tlb_reach_bytes):
        lines.append(f"page walk {units.number(m.walk_ns)} ns past a TLB reach of {units.size_bytes(m.tlb_reach_bytes)}")
    if math.isfinite(m.misses_in_flight):
        lines.append(f"at most {units.number(m.misses_in_flight)} misses in flight")
    if math.isfinite(m.shared_reach_bytes):
        lines.append(f"page walk every chase pays, huge pages or not, {units.number(m.shared_walk_ns)} ns past "
                     f"{units.size_bytes(m.shared_reach_bytes)}")
    return lines + [f"line {m.line_bytes:g} B"]


def table_row(comp: Comparison) -> dict:
    """One line of the report's table of model and measurement."""
    judged = comp.judged
    inside = sum(comp.within(r[2]) for r in judged)
    far = max(comp.rows, key=lambda r: abs(math.log(r[2])), default=None)
    where = "" if far is None else comp.axis_of(far[0])
    return {"case": comp.label, "model": comp.model.get("kind", ""), "tolerance": f"±{comp.tolerance:.0%}",
            "within": f"{inside} of {len(judged)}",
            "farthest": "" if far is None else (f"{units.number(far[0].value)} ns measured, {units.number(far[1])} "
                                                f"ns model ({units.number(far[2])}x) at {where}")}


def rows(comparisons: dict) -> list[dict]:
    """The table of model and measurement: a row per modelled case (or
    series) of each (series, family)."""
    return [{"machine": series, "family": family, **table_row(comp)}
            for (series, family), comps in comparisons.items() for comp in comps if comp.rows]
