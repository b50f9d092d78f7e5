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

from locality.report.plot import format_bytes
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


def _by_ws(summary, family: str, case: str) -> dict:
    """Median by working set, for cases whose elements differ in size."""
    rows = summary[(summary["family"] == family) & (summary["case"] == case)]
    return dict(zip(rows["working_set_bytes"], rows["median"]))


def _at_largest(summary, family: str, case: str) -> float:
    rows = summary[(summary["family"] == family) & (summary["case"] == case)]
    return float(rows.sort_values("elements")["median"].iloc[-1]) if len(rows) else float("nan")


def _missing(family: str, cases: list[str], summary) -> list[str]:
    have = set(summary[summary["family"] == family]["case"])
    return [c for c in cases if c not in have]


def check_allocation(summary, llc_bytes) -> Check:
    need = ["stack_object", "heap_object", "churn_malloc", "churn_pool", "churn_bump",
            "fresh_list_sum", "fragmented_list_sum"]
    if _missing("allocation", need, summary):
        return Check("allocation", "not enough data", "missing: " + ", ".join(_missing("allocation", need, summary)) + ".")
    stack, heap = (_at_largest(summary, "allocation", c) for c in ("stack_object", "heap_object"))
    malloc, pool, bump = (_at_largest(summary, "allocation", c) for c in ("churn_malloc", "churn_pool", "churn_bump"))
    pmr = _at_largest(summary, "allocation", "churn_pmr_pool")
    n = largest_common(summary, [("allocation", "fresh_list_sum"), ("allocation", "fragmented_list_sum")])
    fresh = _median(summary, "allocation", "fresh_list_sum", n)
    frag = _median(summary, "allocation", "fragmented_list_sum", n)
    ok = stack < heap and bump < malloc and pool < malloc
    sentence = (f"a 64-byte object costs {fmt(stack)} ns on the stack and {fmt(heap)} ns from "
                f"new/delete; in the churn an object costs {fmt(malloc)} ns from malloc, {fmt(pool)} from "
                f"the pool, {fmt(bump)} from the bump arena and {fmt(pmr)} from the std::pmr pool; ")
    # 64 bytes of heap per node: its 32-byte chunk and the kept one beside it
    if llc_bytes is not None and n * 64 > llc_bytes:
        ok &= frag >= 3 * fresh
        sentence += (f"at {n:,.0f} nodes the list built on a fragmented heap costs {fmt(frag)} ns per "
                     f"element against {fmt(fresh)} on a fresh heap ({fmt(frag / fresh)}x; expected: 3x or more).")
    else:
        sentence += (f"the lists ({fmt(frag)} vs {fmt(fresh)} ns at {n:,.0f} nodes) were not run beyond "
                     "the last-level cache, so their expectation is not checked.")
    return Check("allocation", _verdict(ok), sentence)


def check_element_size(summary, llc_bytes) -> Check:
    pads = [0, 7, 15, 31]
    seq = {p: _by_ws(summary, "element_size", f"sequential_npad{p}") for p in pads}
    rnd = {p: _by_ws(summary, "element_size", f"random_npad{p}") for p in pads}
    common = set.intersection(*(set(d) for d in list(seq.values()) + list(rnd.values())))
    if len(common) < 2:
        return Check("element_size", "not enough data", "the eight walks share fewer than two working sets.")
    small, large = min(common), max(common)
    at_small = [d[small] for d in list(seq.values()) + list(rnd.values())]
    spread = max(at_small) / min(at_small)
    ratios = [rnd[p][large] / seq[p][large] for p in pads]
    ok = spread <= 1.5 and min(ratios) >= 3 and seq[31][large] > seq[0][large]
    return Check("element_size", _verdict(ok),
                 f"at {format_bytes(small)} all eight walks cost {fmt(min(at_small))} to {fmt(max(at_small))} ns per "
                 f"element; at {format_bytes(large)} the sequential walk costs {fmt(seq[0][large])} ns with 8-byte "
                 f"nodes and {fmt(seq[31][large])} with 256-byte nodes, and the random walk "
                 f"{fmt(min(ratios))} to {fmt(max(ratios))} times the sequential one of the same nodes "
                 f"(expected: equal within 1.5x at first; then larger nodes slower sequentially, random "
                 f"at least 3x sequential).")


def check_stride(summary, llc_bytes) -> Check:
    every = {int(c.split("_")[1]): _at_largest(summary, "stride", c)
             for c in set(summary[summary["family"] == "stride"]["case"]) if c.startswith("every_")}
    parts, ok = [], True
    if all(k in every for k in (1, 16, 256)):
        flat = [every[k] for k in sorted(every) if k <= 16]
        flat_ratio = max(flat) / min(flat)
        fall = every[16] / every[256]
        ok &= flat_ratio <= 1.6 and fall >= 4
        parts.append(f"per array int, strides of 1 to 16 ints cost {fmt(min(flat))} to {fmt(max(flat))} ns "
                     f"(within {fmt(flat_ratio)}x; expected within 1.6x), and stride 256 costs {fmt(every[256])}, "
                     f"{fmt(fall)}x less than stride 16 (16x fewer lines; expected at least 4x)")
    n = largest_common(summary, [("stride", "same_set_chase"), ("stride", "spread_set_chase")])
    if n is not None:
        same = _median(summary, "stride", "same_set_chase", n)
        spread = _median(summary, "stride", "spread_set_chase", n)
        ok &= same >= 2 * spread
        parts.append(f"a chase through {n:.0f} lines in one L1 set costs {fmt(same)} ns per load against "
                     f"{fmt(spread)} when they are spread over the sets (expected: 2x or more)")
    if not parts:
        return Check("stride", "not enough data", "neither the strides 1, 16 and 256 nor the chases ran.")
    return Check("stride", _verdict(ok), "; ".join(parts) + ".")


def check_bandwidth(summary, llc_bytes) -> Check:
    # 8 bytes per element (word) read; the summary holds ns per word.
    # The best of the read widths at each size (the lowest ns per word).
    read: dict = {}
    for case in ("read", "read_256", "read_128", "read_64", "read_nt"):
        for ws, t in _by_ws(summary, "bandwidth", case).items():
            read[ws] = min(read.get(ws, t), t)
    if len(read) < 2:
        return Check("bandwidth", "not enough data", "read ran at fewer than two sizes.")
    sizes = sorted(read)
    gbs = [8 / read[w] for w in sizes]
    steady = all(b <= 1.15 * a for a, b in zip(gbs, gbs[1:]))
    ok = gbs[0] >= 3 * gbs[-1] and steady
    return Check("bandwidth", _verdict(ok),
                 f"reading runs at {fmt(gbs[0])} GB/s at {format_bytes(sizes[0])} and {fmt(gbs[-1])} GB/s at "
                 f"{format_bytes(sizes[-1])} ({fmt(gbs[0] / gbs[-1])}x; expected: 3x or more, never rising by more "
                 f"than 15% from one size to the next{'' if steady else ', which it does here'}).")


def check_traversal_order(summary, llc_bytes) -> Check:
    n = largest_common(summary, [("traversal_order", c) for c in
                                 ("row_major_sum", "column_major_sum", "transpose_naive", "transpose_tiled")])
    sizes = sorted(_sizes(summary, "traversal_order", "row_major_sum") &
                   _sizes(summary, "traversal_order", "column_major_sum"))
    if n is None or len(sizes) < 2:
        return Check("traversal_order", "not enough data", "fewer than two sizes with all four cases.")
    ratio = {m: _median(summary, "traversal_order", "column_major_sum", m) /
             _median(summary, "traversal_order", "row_major_sum", m) for m in (sizes[0], sizes[-1])}
    naive = _median(summary, "traversal_order", "transpose_naive", n)
    tiled = _median(summary, "traversal_order", "transpose_tiled", n)
    beyond = beyond_llc(sizes[-1], llc_bytes)
    # Tiling must win at every size whose two matrices exceed a quarter of
    # the last-level cache, not only at the largest.
    big = [m for m in _sizes(summary, "traversal_order", "transpose_tiled") &
           _sizes(summary, "traversal_order", "transpose_naive")
           if llc_bytes and m * 8 > llc_bytes / 4] or [n]
    tiled_wins = all(_median(summary, "traversal_order", "transpose_tiled", m) <
                     _median(summary, "traversal_order", "transpose_naive", m) for m in big)
    ok = ratio[sizes[-1]] > ratio[sizes[0]] and tiled_wins and (ratio[sizes[-1]] >= 5 or not beyond)
    side = round(n ** 0.5)
    return Check("traversal_order", _verdict(ok),
                 f"column order costs {fmt(ratio[sizes[0]])}x row order at {round(sizes[0] ** 0.5)}² and "
                 f"{fmt(ratio[sizes[-1]])}x at {round(sizes[-1] ** 0.5)}²; at {side}² the tiled transpose costs "
                 f"{fmt(tiled)} ns per element against {fmt(naive)} naive (expected: the gap growing with "
                 f"size, " + ("5x or more beyond the last-level cache" if beyond else
                              "the 5x beyond the last-level cache not checked: no such size ran") +
                 f"; tiled faster at every size from {round(min(big) ** 0.5)}²" +
                 ("" if tiled_wins else ", which it is not here") + ").")


def check_aos_soa(summary, llc_bytes) -> Check:
    cases = [("aos_soa", c) for c in ("aos_one_field", "soa_one_field", "hot_cold_split")]
    n = largest_common(summary, cases)
    if n is None:
        return Check("aos_soa", "not enough data", "the three layouts share no size.")
    aos, soa, hot = (_median(summary, f, c, n) for f, c in cases)
    sizes = _sizes(summary, "aos_soa", "aos_one_field") & _sizes(summary, "aos_soa", "soa_one_field")
    soa_fastest = all(_median(summary, "aos_soa", "soa_one_field", m) <= _median(summary, "aos_soa", "aos_one_field", m)
                      for m in sizes)
    ok = soa_fastest and soa < hot < aos
    sentence = (f"at {n:,.0f} records the array of structs costs {fmt(aos)} ns per record, the hot/cold "
                f"split {fmt(hot)} and the struct of arrays {fmt(soa)} ({fmt(aos / soa)}x)")
    if n * 64 > (llc_bytes or float("inf")):
        ok &= aos >= 10 * soa
        sentence += " (expected: 10x or more beyond the caches, the split between them"
    else:
        sentence += " (not beyond the last-level cache, so the 10x is not checked; expected the split between them"
    return Check("aos_soa", _verdict(ok), sentence + f"; the struct of arrays is "
                 f"{'the fastest at every size' if soa_fastest else 'not the fastest at every size'}).")


def check_tlb(summary, llc_bytes) -> Check:
    rows = summary[(summary["family"] == "tlb") & (summary["case"] == "random_huge_pages")]
    n = largest_common(summary, [("tlb", "random_4k_pages"), ("tlb", "random_huge_pages")])
    if n is None:
        return Check("tlb", "not enough data", "the two page sizes share no size.")
    small = _median(summary, "tlb", "random_4k_pages", n)
    huge = _median(summary, "tlb", "random_huge_pages", n)
    share = rows[rows["elements"] == n]["huge_page_share"].iloc[0] if "huge_page_share" in rows else float("nan")
    size = format_bytes(n * 64)
    if not (share >= 0.5):
        return Check("tlb", "not enough data",
                     f"the kernel backed {fmt(100 * share)}% of the {size} buffer with huge pages (transparent "
                     f"huge pages off or unavailable), so both cases used small pages: {fmt(small)} and "
                     f"{fmt(huge)} ns per load.")
    return Check("tlb", _verdict(huge <= 0.95 * small),
                 f"over {size} ({fmt(100 * share)}% of it in huge pages) a load costs {fmt(huge)} ns with huge "
                 f"pages against {fmt(small)} with 4 KiB pages ({fmt(100 * (1 - huge / small))}% less; "
                 f"expected: at least 5% less).")


def check_false_sharing(summary, llc_bytes) -> Check:
    need = ["same_line", "padded", "one_thread"]
    if _missing("false_sharing", need, summary):
        return Check("false_sharing", "not enough data", "missing: " + ", ".join(_missing("false_sharing", need, summary)) + ".")
    same, padded, one = (_at_largest(summary, "false_sharing", c) for c in need)
    return Check("false_sharing", _verdict(same >= 2 * padded),
                 f"an increment costs {fmt(same)} ns with both counters in one line, {fmt(padded)} padded "
                 f"apart ({fmt(same / padded)}x; expected: 2x or more) and {fmt(one)} on one thread alone.")


CHECKS = {
    "stack_array": check_stack_array,
    "heap_vector": check_heap_vector,
    "scattered_nodes": check_scattered,
    "arena_nodes": check_arena,
    "latency": check_latency,
    "allocation": check_allocation,
    "element_size": check_element_size,
    "stride": check_stride,
    "bandwidth": check_bandwidth,
    "traversal_order": check_traversal_order,
    "aos_soa": check_aos_soa,
    "tlb": check_tlb,
    "false_sharing": check_false_sharing,
}


def check_family(frame: pd.DataFrame, family: str, llc_bytes: int | None) -> Check | None:
    """The check of a family's expectation on one machine's rows, or None for
    a family without a check (plain Google Benchmark files)."""
    fn = CHECKS.get(family)
    if fn is None:
        return None
    return fn(summarise(frame), llc_bytes)
