"""Each family's stated expectation, checked against the data.

A check returns a verdict ("agrees", "disagrees", "not enough data") and one
sentence with the measured numbers, for the caption. Numbers are formatted
with fmt(), the same function the tables use, so a caption's numbers are the
table's numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from locality.report.tidy import summarise


def fmt(value: float) -> str:
    """Three significant digits: 0.166, 1.26, 211, 1.27e+03 is written 1270."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class Check:
    family: str
    verdict: str  # "agrees" | "disagrees" | "not enough data"
    sentence: str


def _median(summary: pd.DataFrame, family: str, case: str, elements: float) -> float:
    rows = summary[(summary["family"] == family) & (summary["case"] == case) &
                   (summary["elements"] == elements)]
    return float(rows["median"].iloc[0]) if len(rows) else float("nan")


def _sizes(summary: pd.DataFrame, family: str, case: str) -> set:
    rows = summary[(summary["family"] == family) & (summary["case"] == case)]
    return set(rows["elements"])


def largest_common(summary: pd.DataFrame, cases: list[tuple[str, str]]) -> float | None:
    common = None
    for family, case in cases:
        s = _sizes(summary, family, case)
        common = s if common is None else common & s
    return max(common) if common else None


def beyond_llc(elements: float, llc_bytes: int | None) -> bool:
    """An int array of `elements` is larger than the last-level cache."""
    return llc_bytes is not None and elements * 4 > llc_bytes


def _verdict(ok: bool) -> str:
    return "agrees" if ok else "disagrees"


def check_stack_array(summary, llc_bytes) -> Check:
    sizes = sorted(_sizes(summary, "stack_array", "sum") & _sizes(summary, "heap_vector", "sum"))
    if not sizes:
        return Check("stack_array", "not enough data", "stack_array and heap_vector share no size.")
    ratios = [_median(summary, "stack_array", "sum", n) / _median(summary, "heap_vector", "sum", n)
              for n in sizes]
    worst = max(ratios, key=lambda r: abs(math.log(r)))
    ok = all(0.8 <= r <= 1.25 for r in ratios)
    return Check("stack_array", _verdict(ok),
                 f"the stack array costs {fmt(min(ratios))} to {fmt(max(ratios))} times the vector "
                 f"across {len(sizes)} sizes (expected: the same, within 25%; furthest {fmt(worst)}).")


def check_heap_vector(summary, llc_bytes) -> Check:
    others = [("scattered_nodes", "list_sum"), ("scattered_nodes", "list_sum_fresh"),
              ("arena_nodes", "bump_list_sum")]
    sizes = sorted(_sizes(summary, "heap_vector", "sum"))
    compared, slower = 0, 0
    for n in sizes:
        v = _median(summary, "heap_vector", "sum", n)
        for family, case in others:
            t = _median(summary, family, case, n)
            if math.isfinite(t):
                compared += 1
                slower += t > v
    if compared == 0:
        return Check("heap_vector", "not enough data", "no node layout ran at the vector's sizes.")
    n = sizes[-1]
    return Check("heap_vector", _verdict(slower == compared),
                 f"the vector is the fastest layout in {slower} of {compared} comparisons with node "
                 f"lists; at {n:,.0f} elements it costs {fmt(_median(summary, 'heap_vector', 'sum', n))} "
                 f"ns per element.")


def check_scattered(summary, llc_bytes) -> Check:
    n = largest_common(summary, [("heap_vector", "sum"), ("scattered_nodes", "list_sum"),
                                 ("scattered_nodes", "list_sum_fresh")])
    if n is None or not beyond_llc(n, llc_bytes):
        return Check("scattered_nodes", "not enough data",
                     "no size beyond the last-level cache where the vector and both lists ran.")
    v = _median(summary, "heap_vector", "sum", n)
    scattered = _median(summary, "scattered_nodes", "list_sum", n)
    fresh = _median(summary, "scattered_nodes", "list_sum_fresh", n)
    ok = scattered >= 10 * v and scattered >= 5 * fresh
    return Check("scattered_nodes", _verdict(ok),
                 f"at {n:,.0f} elements the shuffled list costs {fmt(scattered / v)}x the vector "
                 f"({fmt(scattered)} vs {fmt(v)} ns per element), the fresh list {fmt(fresh / v)}x "
                 f"(expected: the shuffled list far above, at least 10x; the fresh one within a few times).")


def check_arena(summary, llc_bytes) -> Check:
    n = largest_common(summary, [("heap_vector", "sum"), ("scattered_nodes", "list_sum"),
                                 ("arena_nodes", "bump_list_sum")])
    parts, ok = [], True
    if n is not None and beyond_llc(n, llc_bytes):
        v = _median(summary, "heap_vector", "sum", n)
        bump = _median(summary, "arena_nodes", "bump_list_sum", n)
        scattered = _median(summary, "scattered_nodes", "list_sum", n)
        ok &= v < bump < scattered
        parts.append(f"at {n:,.0f} elements the arena list costs {fmt(bump)} ns per element, between "
                     f"the vector ({fmt(v)}) and the shuffled list ({fmt(scattered)})")
    b = largest_common(summary, [("arena_nodes", "build_new"), ("arena_nodes", "build_bump")])
    if b is not None:
        new = _median(summary, "arena_nodes", "build_new", b)
        bump = _median(summary, "arena_nodes", "build_bump", b)
        ok &= bump < new
        parts.append(f"building {b:,.0f} nodes costs {fmt(new)} ns per node with new/delete and "
                     f"{fmt(bump)} with the bump arena")
    if not parts:
        return Check("arena_nodes", "not enough data", "no size beyond the last-level cache with "
                     "the vector, the arena list and the shuffled list, and no build cases.")
    return Check("arena_nodes", _verdict(ok), "; ".join(parts) + ".")


def check_latency(summary, llc_bytes) -> Check:
    rand = summary[(summary["family"] == "latency") & (summary["case"] == "random_chase")]
    seq = summary[(summary["family"] == "latency") & (summary["case"] == "sequential_chase")]
    if len(rand) < 2 or seq.empty:
        return Check("latency", "not enough data", "random_chase and sequential_chase need two sizes.")
    small, large = rand.sort_values("working_set_bytes").iloc[[0, -1]]["median"]
    n = largest_common(summary, [("latency", "random_chase"), ("latency", "sequential_chase")])
    seq_large = _median(summary, "latency", "sequential_chase", n)
    rand_large = _median(summary, "latency", "random_chase", n)
    ok = large >= 10 * small and seq_large * 5 <= rand_large
    return Check("latency", _verdict(ok),
                 f"a random chase costs {fmt(small)} ns per load at the smallest working set and "
                 f"{fmt(large)} at the largest ({fmt(large / small)}x); at the largest common size "
                 f"the sequential chase costs {fmt(seq_large)} ns (expected: a climb of 10x or more, "
                 f"and the sequential chase far below).")


CHECKS = {
    "stack_array": check_stack_array,
    "heap_vector": check_heap_vector,
    "scattered_nodes": check_scattered,
    "arena_nodes": check_arena,
    "latency": check_latency,
}


def check_family(frame: pd.DataFrame, family: str, llc_bytes: int | None) -> Check | None:
    """The check of a family's expectation on one machine's rows, or None for
    a family without a check (plain Google Benchmark files)."""
    fn = CHECKS.get(family)
    if fn is None:
        return None
    return fn(summarise(frame), llc_bytes)
