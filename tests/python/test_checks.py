"""The check engine: every claim of every family can say "disagrees", and
says "inconclusive" rather than agreeing or disagreeing when its interval
straddles the bound, data is missing, or a precondition does not hold."""

import math

import numpy as np
import pandas as pd
import pytest

from conftest import CITED
from locality.report import Summary, load_result, tidy, units
from locality.report.checks import AGREES, DISAGREES, INCONCLUSIVE, Engine, check_family, region_bounds
from locality.report.hooks import detect_steps, match_levels
from locality.report.tidy import caches


@pytest.fixture(scope="module")
def cited():
    result = load_result(CITED)
    frame = tidy([result])
    return result, frame[frame["error"] == ""], caches(result)


def claims(result):
    return [(f, i) for f, d in result.families.items() for i in range(len(d["claims"]))]


def judge(frame, families, family, claim, machine_caches):
    """A claim judged on `frame` with `families` as the descriptors (a
    build's own, or the cited file's with some replaced)."""
    # only the families the claim names: the rest would only cost time
    named = claim["cases"] + (claim.get("per") or {}).get("cases", [])
    involved = {family} | {c.split("/")[0] for c in named if "/" in c}
    summary = Summary(frame[frame["family"].isin(involved)])
    engine = Engine(summary, summary.series()[0], families, machine_caches)
    return engine, engine.evaluate(family, claim)


def evaluate(frame, result, family, index, machine_caches):
    return judge(frame, result.families, family, result.families[family]["claims"][index], machine_caches)


def in_region(frame, region, machine_caches, rows):
    """The rows of `frame` in a claim's region; "first" and "last" are the
    smallest and largest working set among `rows` (the case's)."""
    from locality.report.checks import cache_levels

    if region in ("first", "last"):
        ws = frame.loc[rows, "working_set_bytes"]
        return frame["working_set_bytes"] == (ws.min() if region == "first" else ws.max())
    lo, hi = region_bounds(region, cache_levels(machine_caches))
    return (frame["working_set_bytes"] >= lo) & (frame["working_set_bytes"] <= hi)


def rows_of(frame, family, name):
    f, c = name.split("/", 1) if "/" in name else (family, name)
    return (frame["family"] == f) & (frame["case"] == c)


def pushed(frame, result, family, claim, machine_caches, value):
    """A copy of the data in which the claim's value lies far outside its
    bounds: the times of its first case (or a counter) are scaled."""
    lo, hi = claim.get("min"), claim.get("max")
    # the factor that moves the value far below its lower bound or far above
    # its upper one, beyond the width of any interval of real data
    target = lo / 16 if lo is not None else hi * 16
    factor = target / value if value and math.isfinite(value) else 4.0
    out = frame.copy()
    kind = claim["kind"]
    first = rows_of(out, family, claim["cases"][0])
    if kind == "value" and claim.get("counter"):
        out.loc[first, claim["counter"]] = target * out.loc[first, "elements_per_iter"]
        return out
    if kind == "growth":
        first &= in_region(out, claim["to"], machine_caches, first)
    if kind == "monotone":
        # one point falls far below its smaller neighbour
        sizes = sorted(out.loc[first & in_region(out, claim["at"], machine_caches, first), "working_set_bytes"].unique())
        first &= out["working_set_bytes"] == sizes[-1]
        factor = lo / 16 if lo is not None else hi * 16
    if kind == "spread":
        factor = (hi or 1) * 16
    if claim.get("rate"):
        factor = 1 / factor  # a rate is bytes over time
    out.loc[first, "time_per_elem_ns"] *= factor
    return out


def test_every_claim_can_disagree(cited):
    result, frame, machine_caches = cited
    tested = 0
    for family, index in claims(result):
        claim = result.families[family]["claims"][index]
        if claim["kind"] == "hook":
            continue
        _, before = evaluate(frame, result, family, index, machine_caches)
        if before.verdict == INCONCLUSIVE and "not decided" in before.sentence:
            continue  # no data here for this claim (see the next test)
        changed = pushed(frame, result, family, claim, machine_caches, before.value)
        _, after = evaluate(changed, result, family, index, machine_caches)
        assert after.verdict == DISAGREES, (family, claim["says"], before.sentence, after.sentence)
        tested += 1
    assert tested >= 0.8 * len([c for c in claims(result)])


def test_the_cited_run_has_data_for_nearly_every_claim(cited):
    result, frame, machine_caches = cited
    undecided = []
    for family, index in claims(result):
        _, r = evaluate(frame, result, family, index, machine_caches)
        if "not decided" in r.sentence:
            undecided.append((family, r.sentence))
    assert len(undecided) <= 2, undecided


def test_the_levels_hook_disagrees_on_a_curve_without_steps(cited):
    result, frame, machine_caches = cited
    family, index = next((f, i) for f, i in claims(result) if result.families[f]["claims"][i]["kind"] == "hook")
    claim = result.families[family]["claims"][index]
    flat = frame.copy()
    for name in claim["cases"]:
        rows = rows_of(flat, family, name)
        flat.loc[rows, "time_per_elem_ns"] = 1.0 + 0.01 * np.arange(rows.sum()) % 0.05
    _, r = evaluate(flat, result, family, index, machine_caches)
    assert r.verdict == DISAGREES, r.sentence


def test_the_levels_hook_names_both_sizes_when_the_last_level_steps_far_from_the_machines(cited):
    """A VM whose share of the L3 is small: the curve steps at twice the L2,
    the machine reports a larger L3. Neither is marked as the truth."""
    result, frame, machine_caches = cited
    family, index = next((f, i) for f, i in claims(result) if result.families[f]["claims"][i]["kind"] == "hook")
    claim = result.families[family]["claims"][index]
    llc = max(c["size_bytes"] for c in machine_caches)
    assert llc >= 8 * 2**20, "the cited machine's last level is too small for this test"
    # steps at the machine's L1 and L2, then at twice its L2: the share of
    # the last level this program gets
    by_level = {c["level"]: c["size_bytes"] for c in machine_caches if c["type"] != "Instruction"}
    share = 2 * by_level[2]
    assert llc > 2 * share, "the cited machine's last level is too near its L2 for this test"
    stepped = frame.copy()
    for name in claim["cases"]:
        rows = rows_of(stepped, family, name)
        ws = stepped.loc[rows, "working_set_bytes"]
        stepped.loc[rows, "time_per_elem_ns"] = np.select(
            [ws <= by_level[1], ws <= by_level[2], ws <= share], [1.3, 4.5, 15.0], 140.0)
    _, r = evaluate(stepped, result, family, index, machine_caches)
    assert r.verdict == INCONCLUSIVE, r.sentence
    assert f"beyond L2 the curve steps at {units.size_bytes(share)}" in r.sentence, r.sentence
    assert units.size_bytes(llc) in r.sentence, r.sentence


def synthetic(values: dict[str, list[float]], ws: dict[str, float] | None = None) -> pd.DataFrame:
    rows = []
    for case, samples in values.items():
        for i, v in enumerate(samples):
            rows.append({"machine": "m", "family": "f", "case": case, "elements": 1024.0, "run": 0, "error": "",
                         "time_per_elem_ns": v, "working_set_bytes": (ws or {}).get(case, 4096.0),
                         "statistic": "median", "unit_name": "int", "unit_bytes": 4.0, "label": case, "role": "",
                         "repetition": i, "elements_per_iter": 1024.0, "huge_page_share": 0.0})
    return pd.DataFrame(rows)


FAMILIES = {"f": {"size_name": "ints", "claims": [], "cases": []}}


def verdict(frame, claim):
    s = Summary(frame)
    return Engine(s, "m", FAMILIES, [{"level": 1, "size_bytes": 32768, "type": "Data"}]).evaluate("f", claim)


RATIO = {"kind": "ratio", "says": "a costs at least twice b", "cases": ["a", "b"], "at": "all", "min": 2.0,
         "max": None, "every": False, "match": "elements", "rate": False}


def test_a_ratio_agrees_disagrees_or_cannot_decide_from_its_interval():
    assert verdict(synthetic({"a": [4.0, 4.1, 3.9, 4.05, 3.95], "b": [1.0, 1.01, 0.99, 1.0, 1.0]}), RATIO).verdict == AGREES
    assert verdict(synthetic({"a": [1.0, 1.1, 0.9, 1.05, 0.95], "b": [1.0] * 5}), RATIO).verdict == DISAGREES
    # the ratio's interval straddles 2: the data cannot decide
    straddle = verdict(synthetic({"a": [1.2, 2.9, 1.5, 2.6, 2.0], "b": [1.0] * 5}), RATIO)
    assert straddle.verdict == INCONCLUSIVE and "straddles" in straddle.sentence
    # one repetition: no interval at all
    single = verdict(synthetic({"a": [9.0], "b": [1.0]}), RATIO)
    assert single.verdict == INCONCLUSIVE and "too few" in single.sentence
    # a case that did not run
    missing = verdict(synthetic({"a": [4.0] * 3}), RATIO)
    assert missing.verdict == INCONCLUSIVE and "not decided" in missing.sentence


def test_a_claims_interval_is_its_range_over_the_repetitions():
    # the k-th repetitions' ratios: 4, 4, 4, 4.2, 3.8; the claim's value is their median (4.0)
    r = verdict(synthetic({"a": [4.0, 4.4, 3.6, 4.2, 3.8], "b": [1.0, 1.1, 0.9, 1.0, 1.0]}), RATIO)
    assert r.value == pytest.approx(4.0)
    assert (r.low, r.high) == (pytest.approx(3.8), pytest.approx(4.2))
    assert r.verdict == AGREES and "range over the repetitions" in r.sentence
    # one repetition in which a met a slow moment of the machine and b did not: the range reaches it,
    # where a bootstrap of the medians would not
    slow = verdict(synthetic({"a": [4.0, 4.1, 3.9, 4.0, 1.6], "b": [1.0, 1.0, 1.0, 1.0, 1.0]}), RATIO)
    assert slow.low == pytest.approx(1.6) and slow.verdict == INCONCLUSIVE
    # two repetitions: too few for a range; a bootstrap interval, and said so
    two = verdict(synthetic({"a": [4.0, 4.2], "b": [1.0, 1.0]}), RATIO)
    assert "95% interval" in two.sentence and "range" not in two.sentence


def test_a_comparisons_value_is_the_median_over_its_rounds_not_a_ratio_of_statistics():
    # the machine's speed drifts from round to round (1x to 3x) and moves both cases alike: a costs 4x b
    # in every round but the third, where b alone met a slow moment
    speed = [1.0, 1.5, 2.0, 2.5, 3.0]
    b = list(speed)
    b[2] = 4.0
    r = verdict(synthetic({"a": [4 * f for f in speed], "b": b}), RATIO)
    assert r.value == pytest.approx(4.0), r.sentence  # the medians' ratio, 8 / 2.5, would say 3.2
    assert (r.low, r.high) == (pytest.approx(2.0), pytest.approx(4.0))
    assert "median over the rounds" in r.sentence
    # a single point keeps its case's statistic (here the median of its repetitions)
    value = dict(RATIO, kind="value", cases=["a"], min=None, max=20.0)
    assert verdict(synthetic({"a": [4.0, 9.0, 5.0, 6.0, 7.0]}), value).value == pytest.approx(6.0)


def test_a_rerun_of_a_noisy_point_keeps_its_own_rounds():
    # a's first pass (repetitions 0-4) and a rerun (0-3 again, later in the file); b ran once
    frame = synthetic({"a": [4.0, 4.0, 4.0, 4.0, 4.0, 9.0, 9.0, 9.0, 9.0], "b": [1.0] * 5})
    frame.loc[frame["case"] == "a", "repetition"] = [0, 1, 2, 3, 4, 0, 1, 2, 3]
    r = verdict(frame, RATIO)
    # each of b's repetitions is paired with a's of the same pass, not with the rerun's
    assert (r.low, r.high) == (pytest.approx(4.0), pytest.approx(4.0))


def test_a_ratio_per_the_runs_own_prediction_is_judged_against_it_and_says_no_when_it_is_far():
    # a over b against c over d taken for 16 bytes (d's unit is 4 bytes: 4 of its units): c / (4 d)
    per = dict(RATIO, min=0.5, max=2.0, per={"cases": ["c", "d"], "bytes": [None, 16]})
    rounds = {"c": [80.0, 88.0, 72.0, 84.0, 76.0], "d": [1.0, 1.1, 0.9, 1.05, 0.95]}
    # the prediction is 20x in every round; a over b is 24x in every round: 1.2 of it
    near = verdict(synthetic({**rounds, "a": [24.0, 26.4, 21.6, 25.2, 22.8], "b": [1.0, 1.0, 1.0, 1.0, 1.0]}), per)
    # (b's rounds do not move with the machine here, c's and d's do alike: a's follow c's)
    assert near.verdict == AGREES, near.sentence
    assert near.value == pytest.approx(1.2 * 1.0, rel=0.15), near.sentence
    assert "measured" in near.sentence and "predict" in near.sentence and "16 B" in near.sentence
    # the same ratio where the prediction is 5x the measurement: the mechanism does not explain it
    far = verdict(synthetic({**rounds, "a": [4.0, 4.4, 3.6, 4.2, 3.8], "b": [1.0] * 5}), per)
    assert far.verdict == DISAGREES and far.value < 0.5, far.sentence
    # without its prediction's cases the claim is not decided, and says which is missing
    alone = verdict(synthetic({"a": [24.0] * 5, "b": [1.0] * 5, "c": [80.0] * 5}), per)
    assert alone.verdict == INCONCLUSIVE and "d did not run" in alone.sentence
    # a reference measured at working sets all more than 2x from the case's is no prediction of it
    larger = synthetic({"c": rounds["c"]}, ws={"c": 4096.0 * 16}).assign(elements=2048.0, elements_per_iter=2048.0)
    far_sizes = pd.concat([synthetic({**rounds, "a": [24.0] * 5, "b": [1.0] * 5}, ws={"c": 4096.0 * 8}), larger],
                          ignore_index=True)
    away = verdict(far_sizes, per)
    assert away.verdict == INCONCLUSIVE and "within 2x" in away.sentence
    # but a reference that runs at one size only (a count of exchanges, not a working set) is taken there
    one = verdict(synthetic({**rounds, "a": [24.0, 26.4, 21.6, 25.2, 22.8], "b": [1.0] * 5}, ws={"c": 4096.0 * 8}), per)
    assert one.verdict == AGREES and "32 KiB" in one.sentence, one.sentence


def test_a_growth_per_the_runs_own_prediction_divides_the_growth_by_it():
    # a from 4 KiB to 1 MiB over c at 1 MiB (for 16 bytes: 4 of its 4-byte units) over a at 4 KiB
    growth = {"kind": "growth", "says": "a grows at least to c", "cases": ["a"], "at": "first", "to": "last",
              "min": 0.8, "max": None, "per": {"cases": ["c", "a"], "bytes": [16, None]}}
    small, large = 4096.0, 1048576.0
    c = [2.0, 2.2, 1.8, 2.1, 1.9]

    def frame(end):
        end_rows = synthetic({"a": end}, ws={"a": large}).assign(elements=262144.0, elements_per_iter=262144.0)
        return pd.concat([synthetic({"a": [1.0] * 5}, ws={"a": small}), end_rows,
                          synthetic({"c": c}, ws={"c": large})], ignore_index=True)

    # the end costs 2x what c predicts (8 per unit against 4 x c): the growth, 8.8x, is 1.1 of the 8x predicted
    near = verdict(frame([8.8, 9.68, 7.92, 9.24, 8.36]), growth)
    assert near.verdict == AGREES and near.value == pytest.approx(1.1, rel=0.05), near.sentence
    assert "measured" in near.sentence and "16 B at 1 MiB" in near.sentence, near.sentence
    # an end cheaper than its bytes at c's pace: below the floor, however much it grew
    below = verdict(frame([2.0, 2.2, 1.8, 2.1, 1.9]), growth)
    assert below.verdict == DISAGREES and below.value == pytest.approx(0.25, rel=0.05), below.sentence


def test_a_region_the_machine_does_not_describe_is_inconclusive():
    claim = dict(RATIO, at="beyond:LLC")
    frame = synthetic({"a": [4.0] * 3, "b": [1.0] * 3})
    s = Summary(frame)
    r = Engine(s, "m", FAMILIES, []).evaluate("f", claim)
    assert r.verdict == INCONCLUSIVE and "unknown" in r.sentence


def test_a_precondition_that_does_not_hold_makes_a_claim_inconclusive():
    claim = dict(RATIO, needs={"counter": "huge_page_share", "min": 0.5})
    r = verdict(synthetic({"a": [4.0, 4.1, 3.9], "b": [1.0, 1.0, 1.0]}), claim)
    assert r.verdict == INCONCLUSIVE and "huge_page_share" in r.sentence


def test_family_verdict_is_the_worst_of_its_claims(cited):
    result, frame, machine_caches = cited
    summary = Summary(frame)
    for family in result.families:
        check = check_family(summary, summary.series()[0], family, result.families, machine_caches)
        order = {AGREES: 0, INCONCLUSIVE: 1, DISAGREES: 2}
        assert order[check.verdict] == max(order[r.verdict] for r in check.results)


def test_steps_are_found_where_the_latency_climbs_and_matched_to_levels():
    kib = 1024
    curve = [(4 * kib, 1.2), (8 * kib, 1.2), (16 * kib, 1.25), (32 * kib, 1.3), (64 * kib, 4.0), (128 * kib, 4.1),
             (256 * kib, 4.6), (512 * kib, 8.4), (1024 * kib, 15.6), (2048 * kib, 19), (4096 * kib, 140),
             (8192 * kib, 143), (16384 * kib, 150)]
    steps = detect_steps(curve)
    assert [s["size_bytes"] for s in steps] == [32 * kib, 512 * kib, 2048 * kib]
    matched = match_levels(steps, [{"level": 1, "size_bytes": 32 * kib}, {"level": 2, "size_bytes": 512 * kib},
                                   {"level": 3, "size_bytes": 32 * 1024 * kib}])
    assert [m["within_2x"] for m in matched] == [True, True, False]
    assert detect_steps([(2**i, 1.0) for i in range(12, 20)]) == []


def current_descriptor(bench_all, folder, family):
    """A family's descriptor as this build states it (the cited file carries
    the one of the build that made it)."""
    from conftest import run

    out = folder / f"{family}.json"
    proc = run([bench_all, family, "--sizes", "256", "--benchmark_min_time=0.001",
                "--benchmark_repetitions=1", "--precision", "100", "--no-pin", "--out", out])
    assert proc.returncode == 0, proc.stderr
    return load_result(out).families[family]


@pytest.fixture(scope="module")
def current_aos_soa(bench_all, tmp_path_factory):
    return current_descriptor(bench_all, tmp_path_factory.mktemp("aos_soa"), "aos_soa")


def test_aos_soa_bytes_are_a_floor_the_cited_run_meets_and_a_slower_stream_would_break(cited, current_aos_soa):
    """Beyond the last level the array of structs moves 16x the bytes of the
    struct of arrays, the hot/cold split 4x: against the struct of arrays,
    which streams at the read bandwidth, neither can cost less than about
    that (a physical floor), and either may cost more. Between the array of
    structs and the split, two scalar loops, there is no floor: the split
    can draw its lines slower than the array of structs draws its own, so
    that ratio is a range around 4, not a floor. The cited run meets every
    claim at its value and contradicts none (on a shared machine one
    repetition slowed by a neighbour can stretch the range over the
    repetitions across a bound: inconclusive, never a pass); the same data
    with the array of structs 8x faster disagrees with both of its claims;
    with the split drawing its lines 1.5x slower than the array of structs
    draws its own (AoS / split = 4 / 1.5) nothing disagrees."""
    result, frame, machine_caches = cited
    families = {**result.families, "aos_soa": current_aos_soa}
    claims_ = current_aos_soa["claims"]
    by_cases = {tuple(c["cases"]): c for c in claims_}
    for case, ratio in (("aos_one_field", 16), ("hot_cold_split", 4)):
        floor = by_cases[(case, "soa_one_field")]
        assert floor["kind"] == "ratio" and floor.get("max") is None
        assert floor["min"] == pytest.approx(0.9 * ratio) and "physical limit" in floor["says"]
    between = by_cases[("aos_one_field", "hot_cold_split")]
    assert between["min"] < 4 < between["max"] and "physical limit" not in between["says"]

    def verdicts(data):
        return {tuple(c["cases"]): judge(data, families, "aos_soa", c, machine_caches)[1] for c in claims_}

    for r in verdicts(frame).values():
        low, high = r.claim.get("min") or 0, r.claim.get("max") or math.inf
        assert r.verdict != DISAGREES and low <= r.value <= high, r.sentence
    faster = frame.copy()
    faster.loc[rows_of(faster, "aos_soa", "aos_one_field"), "time_per_elem_ns"] /= 8
    after = {cases: r.verdict for cases, r in verdicts(faster).items()}
    assert after[("aos_one_field", "soa_one_field")] == DISAGREES
    assert after[("aos_one_field", "hot_cold_split")] == DISAGREES
    assert after[("hot_cold_split", "soa_one_field")] == AGREES  # neither case changed
    # at every size, the split's median made 1.5 / 4 of the array of structs'
    # (its repetitions keep their spread around it)
    slow_split = frame.copy()
    aos_rows, split_rows = (rows_of(slow_split, "aos_soa", c) for c in ("aos_one_field", "hot_cold_split"))
    for elements in slow_split.loc[split_rows, "elements"].unique():
        at = slow_split["elements"] == elements
        aos = slow_split.loc[aos_rows & at, "time_per_elem_ns"].median()
        split = slow_split.loc[split_rows & at, "time_per_elem_ns"].median()
        slow_split.loc[split_rows & at, "time_per_elem_ns"] *= aos * (1.5 / 4) / split
    result_ = verdicts(slow_split)
    for r in result_.values():
        assert r.verdict != DISAGREES, r.sentence
    # the floor this replaced (4x with 10% slack) never agrees with such a
    # machine (one slow round can leave it inconclusive rather than against)
    old_floor = {**between, "min": 3.6, "max": None}
    assert judge(slow_split, families, "aos_soa", old_floor, machine_caches)[1].verdict != AGREES


@pytest.mark.parametrize("family", ["scattered_nodes", "allocation", "element_size", "aos_soa", "latency"])
def test_this_builds_claims_hold_on_the_cited_run_and_say_no_either_way(cited, bench_all, tmp_path, family):
    """The claims this build states for the families whose bounds are the
    prefetcher's (ranges where one machine's prefetcher follows a chase and
    another's does not), judged on the cited run: none contradicts it, and
    each disagrees once its value is pushed far below its lower bound or far
    above its upper one."""
    result, frame, machine_caches = cited
    current = current_descriptor(bench_all, tmp_path, family)
    families = {**result.families, family: current}

    for claim in current["claims"]:
        if claim["kind"] == "hook":
            continue
        _, before = judge(frame, families, family, claim, machine_caches)
        assert before.verdict != DISAGREES, before.sentence
        for side in ("min", "max"):
            if claim.get(side) is None:
                continue
            one_sided = {**claim, "max" if side == "min" else "min": None}
            changed = pushed(frame, result, family, one_sided, machine_caches, before.value)
            _, after = judge(changed, families, family, claim, machine_caches)
            assert after.verdict == DISAGREES, (side, after.sentence)


def test_a_chase_the_prefetcher_does_not_follow_is_within_the_ranges_and_a_layout_beating_bytes_is_not(
        cited, bench_all, tmp_path):
    """On a machine whose prefetcher does not run ahead of a chase (an Intel
    VM: the fresh list 24x the vector, the random walk over 256-byte nodes
    a few times the sequential one, a twentieth of what a miss costs over a
    line at the read bandwidth), the fresh-list and node-size claims hold;
    the old bounds (at most 20x the vector; 10x to 100x) said "disagrees".
    A random walk dearer over the sequential one than that ceiling (a
    sequential walk faster than the read bandwidth), its whole range over
    the rounds above it, disagrees. A fresh list cheaper than its bytes
    allow (under 7.2x the vector: 32-byte chunks against 4-byte ints
    streamed at the read bandwidth, with slack) still disagrees."""
    result, frame, machine_caches = cited
    scattered = current_descriptor(bench_all, tmp_path / "s", "scattered_nodes")
    element = current_descriptor(bench_all, tmp_path / "e", "element_size")
    families = {**result.families, "scattered_nodes": scattered, "element_size": element}

    def verdict(data, family, cases):
        claim = next(c for c in families[family]["claims"] if c["cases"] == cases)
        return judge(data, families, family, claim, machine_caches)[1]

    def scaled(family, case, cases, to):
        out = frame.copy()
        now = verdict(frame, family, cases).value
        out.loc[rows_of(out, family, case), "time_per_elem_ns"] *= to / now
        return out

    fresh = ["list_sum_fresh", "heap_vector/sum"]
    slow_fresh = scaled("scattered_nodes", "list_sum_fresh", fresh, 24)
    assert verdict(slow_fresh, "scattered_nodes", fresh).value == pytest.approx(24, rel=0.01)
    for claim in scattered["claims"]:
        assert verdict(slow_fresh, "scattered_nodes", claim["cases"]).verdict != DISAGREES, claim["says"]
    # a fresh list cheaper than its bytes allow, its whole range over the
    # rounds under the floor (a noisy run's rounds spread far either side)
    now = verdict(frame, "scattered_nodes", fresh)
    floor = next(c for c in scattered["claims"] if c["cases"] == fresh)["min"]
    cheap = 0.9 * floor * now.value / now.high
    assert cheap < floor
    assert verdict(scaled("scattered_nodes", "list_sum_fresh", fresh, cheap), "scattered_nodes", fresh).verdict == DISAGREES
    walk = ["random_npad31", "sequential_npad31"]
    slow_walk = scaled("element_size", "random_npad31", walk, 0.05)
    assert verdict(slow_walk, "element_size", walk).verdict != DISAGREES
    # scaled to a fixed share over the ceiling (one fast round of a noisy run
    # can stay under it), the whole range over the rounds above it
    now = verdict(frame, "element_size", walk)
    ceiling = next(c for c in families["element_size"]["claims"] if c["cases"] == walk)["max"]
    dear = 1.1 * ceiling * now.value / now.low
    assert dear > ceiling
    assert verdict(scaled("element_size", "random_npad31", walk, dear), "element_size", walk).verdict == DISAGREES


def test_a_bump_arena_that_outgrows_the_caches_costs_at_least_its_dirtied_lines_at_the_write_bandwidth(
        cited, bench_all, tmp_path):
    """The bump arena's cost per object grows, from the smallest size to the
    largest, at least to what the lines it dirties cost at the run's own
    write bandwidth at that working set. The cited run does not contradict
    it; the same data with the largest size's objects at 3x their bytes'
    cost at the write bandwidth agrees, at a fifth of it disagrees, however
    much that still grew from the smallest size."""
    result, frame, machine_caches = cited
    current = current_descriptor(bench_all, tmp_path, "allocation")
    families = {**result.families, "allocation": current}
    claim = next(c for c in current["claims"] if c["cases"] == ["churn_bump"])
    assert claim["kind"] == "growth" and claim["at"] == "first" and claim["to"] == "last"
    assert claim["per"]["cases"] == ["bandwidth/write", "churn_bump"] and "physical limit" in claim["says"]
    dirtied = claim["per"]["bytes"][0]
    assert 0 < dirtied <= 64

    def verdict(data):
        return judge(data, families, "allocation", claim, machine_caches)[1]

    # the cited run: not contradicted (its range over the rounds may
    # straddle the bound on a noisy machine)
    assert verdict(frame).verdict != DISAGREES, verdict(frame).sentence
    bump = rows_of(frame, "allocation", "churn_bump")
    sizes = sorted(frame.loc[bump, "elements"].unique())
    largest = bump & (frame["elements"] == sizes[-1])
    end_ws = frame.loc[largest, "working_set_bytes"].iloc[0]
    write = rows_of(frame, "bandwidth", "write")
    near = (frame.loc[write, "working_set_bytes"] / end_ws).map(lambda r: abs(math.log(r))).idxmin()
    at_near = write & (frame["working_set_bytes"] == frame.loc[near, "working_set_bytes"])
    per_byte = frame.loc[at_near, "time_per_elem_ns"] / frame.loc[at_near, "unit_bytes"]
    grown, flat = frame.copy(), frame.copy()
    grown.loc[largest, "time_per_elem_ns"] = per_byte.max() * dirtied * 3
    flat.loc[largest, "time_per_elem_ns"] = per_byte.min() * dirtied / 5
    assert verdict(grown).verdict == AGREES, verdict(grown).sentence
    assert verdict(flat).verdict == DISAGREES, verdict(flat).sentence
    assert "measured" in verdict(flat).sentence and "bandwidth/write" in verdict(flat).sentence


def test_a_ratio_at_each_cases_largest_size_needs_no_common_size(cited):
    """match = "largest": each case at its own largest size in the region.
    A ratio claim beyond the LLC whose first case is cut to a size below
    the second's there is decided at each one's largest, where matching by
    elements finds no common size and leaves it undecided."""
    result, frame, machine_caches = cited
    family, index = next((f, i) for f, i in claims(result)
                         if result.families[f]["claims"][i]["kind"] == "ratio"
                         and result.families[f]["claims"][i].get("at") == "beyond:LLC"
                         and result.families[f]["claims"][i].get("match", "elements") == "elements"
                         and "/" in result.families[f]["claims"][i]["cases"][1])
    claim = result.families[family]["claims"][index]
    a, b = claim["cases"]
    # a loses its largest size: what is left of it beyond the LLC is smaller
    # than anything of b's there (its working set is larger per element)
    a_top = frame.loc[rows_of(frame, family, a), "elements"].max()
    shorter = frame[~(rows_of(frame, family, a) & (frame["elements"] >= a_top))]
    summary = Summary(shorter)

    def judged(match):
        changed = {**claim, "match": match}
        desc = {**result.families[family], "claims": [changed]}
        engine = Engine(summary, summary.series()[0], {**result.families, family: desc}, machine_caches)
        return engine, engine.evaluate(family, changed)

    engine, r = judged("largest")
    assert "not decided" not in r.sentence, r.sentence
    pa, pb = engine.curve(family, a)[-1], engine.curve(family, b)[-1]
    expected = float(np.median(engine.rounds_of([pa, pb], claim, lambda q: q[0] / q[1])))
    assert math.isclose(r.value, expected, rel_tol=1e-9), (r.value, expected)
    _, by_elements = judged("elements")
    assert "not decided" in by_elements.sentence, by_elements.sentence


# ---- the run-to-run movement and the intervals it widens ----------------------------------------

def test_each_repetition_is_given_the_pass_that_timed_it_and_a_rerun_none():
    from locality.report.tidy import pass_of, pass_split

    assert pass_split(5, 2) == [3, 2] and pass_split(2, 3) == [1, 1] and pass_split(3, 1) == [3]
    assert [pass_of(k, [3, 2]) for k in range(7)] == [1, 1, 1, 2, 2, 0, 0]
    assert pass_of(7, None) == 1
    result = load_result(CITED)
    frame = tidy([result])
    sampling = result.locality["sampling"]
    assert sampling["passes"] == 2, "the cited run is expected to pass over its plan twice"
    split = pass_split(sampling["repetitions"], sampling["passes"])
    first = frame[frame["pass"] == 1]
    second = frame[frame["pass"] == 2]
    assert sorted(first["repetition"].unique()) == list(range(split[0]))
    assert sorted(second["repetition"].unique()) == list(range(split[0], sum(split)))
    # a rerun of a noisy point is numbered after the passes: exactly those rows are pass 0
    reruns = {name for names in sampling["reruns"] for name in names}
    assert reruns, "the cited run is expected to rerun its noisy points"
    later = frame["repetition"] >= sum(split)
    assert ((frame["pass"] == 0) == later).all()
    assert set(frame.loc[later, "name"]) == reruns


def _units_frame(units):
    """A frame with only what movement() reads to find its passes."""
    return pd.DataFrame([{"machine": "m", "run": r, "pass": k} for r, k in units])


def test_the_movement_is_the_pass_to_pass_difference_scaled_to_the_next_run(monkeypatch):
    from locality.report import checks

    # claim (f, 0) moves by 1.2x between passes, (f, 1) by 1.5x: with one
    # run of two passes, a pair's |log ratio| times sqrt((1/2 + 1/2) / 2)
    values = {(0, 1): {("f", 0): 1.0, ("f", 1): 2.0}, (0, 2): {("f", 0): 1.2, ("f", 1): 3.0}}
    monkeypatch.setattr(checks, "Summary", lambda part: part)
    monkeypatch.setattr(checks, "claim_values",
                        lambda part, *a: values[(int(part["run"].iloc[0]), int(part["pass"].iloc[0]))])
    moved = checks.movement(_units_frame([(0, 1), (0, 2)]), "m", {}, [])
    draws = [math.log(1.2) * math.sqrt(0.5), math.log(1.5) * math.sqrt(0.5)]
    assert moved.half_width == pytest.approx(np.quantile(draws, checks.MOVEMENT_SHARE))
    assert (moved.passes, moved.claims) == (2, 2)
    # two runs of two passes pooled: every pair of the four passes, scaled
    # by sqrt((1/2 + 1/4) / 2): the pooled value is known better
    values.update({(1, 1): {("f", 0): 1.0, ("f", 1): 2.0}, (1, 2): {("f", 0): 1.2, ("f", 1): 3.0}})
    pooled = checks.movement(_units_frame([(0, 1), (0, 2), (1, 1), (1, 2)]), "m", {}, [])
    logs = {c: [math.log(values[u][c]) for u in sorted(values)] for c in (("f", 0), ("f", 1))}
    draws = [abs(a - b) * math.sqrt(0.375) for v in logs.values() for i, a in enumerate(v) for b in v[i + 1:]]
    assert pooled.half_width == pytest.approx(np.quantile(draws, checks.MOVEMENT_SHARE))
    assert pooled.passes == 4
    # a claim valued in one pass only says nothing of the movement
    values[(0, 2)].pop(("f", 1))
    one = checks.movement(_units_frame([(0, 1), (0, 2)]), "m", {}, [])
    assert one.claims == 1 and one.half_width == pytest.approx(math.log(1.2) * math.sqrt(0.5))


def test_one_pass_measures_no_movement_and_the_report_says_so(cited):
    from locality.report.checks import movement
    from locality.report.findings import findings_summary

    result, frame, machine_caches = cited
    series = frame["machine"].iloc[0]
    assert movement(frame[frame["pass"] <= 1], series, result.families, machine_caches) is None
    moved = movement(frame, series, result.families, machine_caches)
    assert moved is not None and 0 < moved.half_width < math.log(4)
    assert moved.passes == 2 and moved.claims >= len(claims(result)) // 2
    assert f"a factor of {moved.factor:.2f}" in findings_summary([], {series: moved})
    assert "one pass over the plan measures no movement" in findings_summary([], {series: None})


def test_a_claim_interval_is_widened_to_the_movement_and_its_verdict_with_it(cited):
    result, frame, machine_caches = cited
    # a lower-bounded ratio that agrees on the range over its rounds alone
    for family, index in claims(result):
        claim = result.families[family]["claims"][index]
        if claim["kind"] != "ratio" or claim.get("min") is None or claim.get("max") is not None:
            continue
        engine, plain = evaluate(frame, result, family, index, machine_caches)
        if plain.verdict == AGREES and math.isfinite(plain.value) and plain.value < 20 * claim["min"]:
            break
    else:
        pytest.fail("no lower-bounded ratio agrees in the cited run")
    assert "range over the repetitions" in plain.sentence
    # a movement smaller than the range changes nothing
    engine.movement = 1e-6
    small = engine.evaluate(family, claim)
    assert (small.low, small.high, small.verdict) == (plain.low, plain.high, plain.verdict)
    assert "next-run interval" in small.sentence
    # one that reaches below the bound makes it inconclusive: the next run may fall there
    engine.movement = math.log(plain.value / claim["min"]) * 1.5
    wide = engine.evaluate(family, claim)
    assert wide.low == pytest.approx(plain.value * math.exp(-engine.movement))
    assert wide.high >= plain.high and wide.low < claim["min"]
    assert wide.verdict == INCONCLUSIVE and "straddles the bound" in wide.sentence
    # a claim on a counter the program counts (allocations per node) keeps its range: the movement is of times
    family, index = next((f, i) for f, i in claims(result) if result.families[f]["claims"][i].get("counter")
                         and result.families[f]["claims"][i].get("min"))
    claim = result.families[family]["claims"][index]
    engine, exact = evaluate(frame, result, family, index, machine_caches)
    engine.movement = 0.5
    moved = engine.evaluate(family, claim)
    assert exact.verdict == AGREES and (moved.low, moved.high, moved.verdict) == (exact.low, exact.high, AGREES)


def test_counters_in_one_line_cost_at_most_two_hand_overs_per_increment(cited, bench_all, tmp_path):
    """line_size's ceiling for false sharing: a line that moves at every
    increment costs each thread two hand-overs an increment (the line
    comes, and goes to the other thread's increment), and nothing costs
    more. The cited run does not contradict it; the same data with the
    counters in one line at 4x the run's own hand-over disagrees, at a
    tenth of it agrees."""
    result, frame, machine_caches = cited
    current = current_descriptor(bench_all, tmp_path, "line_size")
    families = {**result.families, "line_size": current}
    claim = next(c for c in current["claims"] if c.get("per"))
    assert claim["cases"] == ["false_share_8", "false_share_256"] and claim["max"] is not None
    assert claim["per"]["cases"] == ["core_to_core/two_cores", "false_share_256"]
    assert "physical limit" in claim["says"]

    def verdict(data):
        return judge(data, families, "line_size", claim, machine_caches)[1]

    assert verdict(frame).verdict != DISAGREES, verdict(frame).sentence
    hand = frame.loc[rows_of(frame, "core_to_core", "two_cores"), "time_per_elem_ns"]
    shared = rows_of(frame, "line_size", "false_share_8")
    slow, fast = frame.copy(), frame.copy()
    slow.loc[shared, "time_per_elem_ns"] = hand.max() * claim["max"] * 1.6
    fast.loc[shared, "time_per_elem_ns"] = hand.min() / 10
    assert verdict(slow).verdict == DISAGREES, verdict(slow).sentence
    assert verdict(fast).verdict == AGREES, verdict(fast).sentence
    assert "core_to_core/two_cores" in verdict(fast).sentence
