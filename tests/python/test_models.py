"""The textbook models beside the measurements: each model against values
computed by hand from made-up machine parameters; the fit recovering the
parameters it is given; the comparison saying where a measurement leaves
its model, and saying nothing of the kind where it does not."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from locality.report import models
from locality.report.models import Level, Machine

KiB, MiB = 1024.0, 1024.0 ** 2


def machine(walk_ns: float = 0.0, reach: float = math.inf) -> Machine:
    # L1 32 KiB 1 ns 100 GB/s, L2 512 KiB 4 ns 50 GB/s, L3 8 MiB 10 ns 25 GB/s, memory 80 ns 10 GB/s
    return Machine([Level("L1", 32 * KiB, 1.0, 100.0), Level("L2", 512 * KiB, 4.0, 50.0),
                    Level("L3", 8 * MiB, 10.0, 25.0), Level("memory", math.inf, 80.0, 10.0)],
                   line_bytes=64, walk_ns=walk_ns, tlb_reach_bytes=reach)


def test_random_access_hits_each_level_with_probability_c_over_w():
    m = machine()
    assert models.random_ns(m, 16 * KiB) == pytest.approx(1.0)
    # 64 KiB: half the loads in L1, the other half in L2: 0.5 * 1 + 0.5 * 4
    assert models.random_ns(m, 64 * KiB) == pytest.approx(2.5)
    # 1 MiB: L1 1/32, L2 1/2 - 1/32, L3 the other half
    assert models.random_ns(m, 1 * MiB) == pytest.approx(1 / 32 + 4 * (0.5 - 1 / 32) + 10 * 0.5)
    # 16 MiB: memory serves half
    expected = 1 / 512 + 4 * (1 / 32 - 1 / 512) + 10 * (0.5 - 1 / 32) + 80 * 0.5
    assert models.random_ns(m, 16 * MiB) == pytest.approx(expected)
    assert sum(models.hit_shares(m, 16 * MiB)) == pytest.approx(1.0)


def test_page_walks_add_past_the_tlb_reach_only_where_the_chase_walks():
    m = machine(walk_ns=20.0, reach=4 * MiB)
    plain = models.random_ns(machine(), 16 * MiB)
    assert models.random_ns(m, 16 * MiB) == pytest.approx(plain + 0.75 * 20)
    assert models.random_ns(m, 16 * MiB, page_walks=False) == pytest.approx(plain)
    assert models.random_ns(m, 2 * MiB) == pytest.approx(models.random_ns(machine(), 2 * MiB))
    # the huge-page chase walks after all where the kernel did not grant huge pages
    huge = {"kind": "random", "page_walks": False}
    assert models.predict(m, huge, 16 * MiB, {"huge_page_share": 0.0})[0] == pytest.approx(plain + 15)
    assert models.predict(m, huge, 16 * MiB, {"huge_page_share": 1.0})[0] == pytest.approx(plain)


def test_cyclic_walk_pays_the_latency_of_the_level_that_holds_it():
    m = machine()
    assert models.cyclic_ns(m, 32 * KiB) == 1.0
    assert models.cyclic_ns(m, 64 * KiB) == 4.0
    assert models.cyclic_ns(m, 1 * MiB) == 10.0
    assert models.cyclic_ns(m, 1024 * MiB) == 80.0


def test_stream_moves_the_lines_touched_over_the_level_bandwidth():
    m = machine()
    assert models.stream_ns(m, 1 * MiB, 4, 4) == pytest.approx(4 / 25)       # contiguous ints from L3
    assert models.stream_ns(m, 1 * MiB, 4, 16) == pytest.approx(16 / 25)     # a 16-byte record each
    assert models.stream_ns(m, 1 * MiB, 4, 256) == pytest.approx(64 / 25)    # one line each, not 256 bytes
    assert models.stream_ns(m, 16 * KiB, 4, 64) == pytest.approx(64 / 100)   # L1
    assert models.stream_ns(m, 64 * MiB, 8, 8) == pytest.approx(8 / 10)      # memory


def test_little_law_divides_latency_by_misses_in_flight_down_to_the_bandwidth():
    m = machine()
    lat = models.random_ns(m, 16 * MiB)
    assert models.little_ns(m, 16 * MiB, 1) == pytest.approx(lat)
    assert models.little_ns(m, 16 * MiB, 4) == pytest.approx(lat / 4)
    assert models.little_ns(m, 16 * MiB, 64) == pytest.approx(64 / 10)       # a line over 10 GB/s


def test_list_mixes_random_hops_and_hops_inside_the_line():
    m = machine()
    assert models.list_ns(m, 64 * KiB, 0.25) == pytest.approx(0.25 * 2.5 + 0.75 * 1.0)
    assert models.predict(m, {"kind": "list"}, 64 * KiB, {"gap_share_0_lines": 0.75})[0] == pytest.approx(1.375)
    assert math.isnan(models.predict(m, {"kind": "list"}, 64 * KiB, {})[0])


def test_model_misses_per_unit():
    m = machine()
    assert models.misses(m, {"kind": "random"}, 64 * KiB) == pytest.approx({"L1": 0.5, "L2": 0.0, "L3": 0.0})
    assert models.misses(m, {"kind": "cyclic"}, 64 * KiB) == {"L1": 1.0, "L2": 0.0, "L3": 0.0}
    assert models.misses(m, {"kind": "stream", "bytes": 4, "stride": 4}, 1 * MiB) == \
        pytest.approx({"L1": 1 / 16, "L2": 1 / 16, "L3": 0.0})
    assert models.misses(m, {"kind": "list"}, 64 * KiB, leave=0.5) == pytest.approx({"L1": 0.25, "L2": 0.0, "L3": 0.0})


def test_a_model_without_its_parameters_says_why():
    m = machine()
    m.levels[2].bandwidth = math.nan
    ns, why = models.predict(m, {"kind": "stream", "bytes": 4, "stride": 4}, 1 * MiB, {})
    assert math.isnan(ns) and "L3" in why
    assert math.isnan(models.predict(m, {"kind": "little"}, 16 * MiB, {}, "chains")[0])


# ---- the fit, on a run made from the model itself --------------------------------------------


class FakeSummary:
    def __init__(self, curves: dict):
        self.curves = curves

    def curve(self, series, family, case):
        return self.curves.get((family, case), [])


def point(case: str, w: float, value: float, unit_bytes: float = 64.0, **counters):
    return SimpleNamespace(case=case, working_set_bytes=w, value=value, unit_bytes=unit_bytes, counters=counters,
                           size=w / unit_bytes)


FAMILIES = {
    "lat": {"cases": [{"name": "chase", "gallery": "latency", "model": {"kind": "random", "tolerance": 0.25}},
                      {"name": "chase_huge", "model": {"kind": "random", "page_walks": False, "tolerance": 0.25}}]},
    "bw": {"cases": [{"name": "read", "gallery": "bandwidth"}]},
}
CACHES = [{"level": 1, "size_bytes": 32 * KiB, "line_bytes": 64}, {"level": 2, "size_bytes": 512 * KiB},
          {"level": 3, "size_bytes": 8 * MiB}]
LADDER = [2.0 ** k for k in range(12, 29)]


def run_of(truth: Machine) -> FakeSummary:
    return FakeSummary({
        ("lat", "chase"): [point("chase", w, models.random_ns(truth, w)) for w in LADDER],
        ("lat", "chase_huge"): [point("chase_huge", w, models.random_ns(truth, w, False), huge_page_share=1.0)
                                for w in LADDER],
        ("bw", "read"): [point("read", w, 8 / truth.holding(w).bandwidth, unit_bytes=8) for w in LADDER]})


def test_fit_recovers_the_parameters_the_run_was_made_from():
    truth = machine(walk_ns=20.0, reach=4 * MiB)
    fitted = models.fit(run_of(truth), "s", FAMILIES, CACHES)
    for got, want in zip(fitted.levels, truth.levels):
        assert got.latency_ns == pytest.approx(want.latency_ns, rel=1e-9), got.name
        assert got.bandwidth == pytest.approx(want.bandwidth, rel=1e-9), got.name
    assert fitted.walk_ns == pytest.approx(20.0, rel=1e-9)
    assert fitted.tlb_reach_bytes == 4 * MiB
    assert fitted.notes


def test_fit_without_huge_pages_folds_the_walks_into_the_levels():
    truth = machine(walk_ns=20.0, reach=4 * MiB)
    run = run_of(truth)
    for p in run.curves[("lat", "chase_huge")]:
        p.counters["huge_page_share"] = 0.0
    fitted = models.fit(run, "s", FAMILIES, CACHES)
    assert math.isinf(fitted.tlb_reach_bytes)
    assert fitted.levels[-1].latency_ns > truth.levels[-1].latency_ns     # memory latency carries the walk
    assert any("page walks are part" in n for n in fitted.notes)


def test_fit_finds_the_share_of_the_last_level_the_program_gets():
    # the machine reports an 8 MiB L3; the program gets 2 MiB of it
    truth = machine()
    truth.levels[2].size_bytes = 2 * MiB
    fitted = models.fit(run_of(truth), "s", FAMILIES, CACHES)
    assert fitted.levels[2].size_bytes == pytest.approx(2 * MiB)
    assert fitted.levels[2].latency_ns == pytest.approx(10.0, rel=1e-6)
    assert fitted.levels[3].latency_ns == pytest.approx(80.0, rel=1e-6)
    assert any("L3 2 MiB (the machine reports 8 MiB)" in n for n in fitted.notes)


def test_fit_finds_a_walk_both_chases_pay():
    # a virtual machine: past 64 MiB even the chase over huge pages walks (the host's tables)
    truth = machine()
    truth.shared_walk_ns, truth.shared_reach_bytes = 30.0, 64 * MiB
    fitted = models.fit(run_of(truth), "s", FAMILIES, CACHES)
    assert fitted.shared_reach_bytes == 64 * MiB and fitted.shared_walk_ns == pytest.approx(30.0, rel=1e-6)
    assert fitted.levels[3].latency_ns == pytest.approx(80.0, rel=1e-6)
    assert math.isinf(fitted.tlb_reach_bytes)
    # without it, none is fitted
    assert math.isinf(models.fit(run_of(machine()), "s", FAMILIES, CACHES).shared_reach_bytes)


def test_a_page_walk_term_inside_the_noise_is_dropped():
    truth = machine(walk_ns=20.0, reach=4 * MiB)
    run = run_of(truth)
    # the same differences, but each chase's interval reaches across the other's: not a walk the run can tell
    for case in ("chase", "chase_huge"):
        for p in run.curves[("lat", case)]:
            p.ci_low, p.ci_high = p.value * 0.8, p.value * 1.25
    fitted = models.fit(run, "s", FAMILIES, CACHES)
    assert math.isinf(fitted.tlb_reach_bytes) and fitted.walk_ns == 0.0
    assert any(n.startswith("no page-walk term: past the reach") for n in fitted.notes)
    # with tight intervals the same run keeps it
    for case in ("chase", "chase_huge"):
        for p in run.curves[("lat", case)]:
            p.ci_low = p.ci_high = p.value
    assert models.fit(run, "s", FAMILIES, CACHES).tlb_reach_bytes == 4 * MiB


def test_no_latency_case_no_model():
    assert models.fit(run_of(machine()), "s", {"bw": FAMILIES["bw"]}, CACHES) is None
    assert models.fit(run_of(machine()), "s", FAMILIES, []) is None


# ---- model against measurement ----------------------------------------------------------------


def comparison_of(values: list[tuple[float, float]]) -> models.Comparison:
    m = machine()
    family = {"cases": [{"name": "chase", "label": "random order", "model": {"kind": "random", "tolerance": 0.25,
                                                                            "page_walks": False}}]}
    run = FakeSummary({("f", "chase"): [point("chase", w, v) for w, v in values]})
    return models.compare(m, run, "s", "f", family)[0]


def test_a_measurement_on_its_model_agrees_everywhere():
    m = machine()
    comp = comparison_of([(w, models.random_ns(m, w) * 1.1) for w in LADDER])
    text = models.sentence(comp)
    judged = len(comp.judged)
    assert judged < len(LADDER)     # points within 2x of a level's size are left out
    assert f"within ±25% of the model at {judged} of {judged}" in text and "leaves" not in text


def test_a_measurement_off_its_model_is_said_to_leave_it_and_by_how_much():
    m = machine()
    values = [(w, models.random_ns(m, w) * (0.2 if w >= 32 * MiB else 1.0)) for w in LADDER]
    comp = comparison_of(values)
    text = models.sentence(comp)
    leaving = [w for w, _ in values if w >= 32 * MiB]
    assert f"at {len(comp.judged) - len(leaving)} of {len(comp.judged)}" in text
    assert "leaves the model at 32 MiB–256 MiB (measured 0.2x the model" in text
    row = models.table_row(comp)
    assert row["within"] == f"{len(comp.judged) - len(leaving)} of {len(comp.judged)}" and "0.2x" in row["farthest"]


# ---- in the report, from a real run ------------------------------------------------------------

MODELLED = ["latency/random_chase", "latency/random_chase_huge_pages", "latency/sequential_chase", "bandwidth/read",
            "heap_vector/sum"]


@pytest.fixture(scope="module")
def modelled_report(bench_all, tmp_path_factory):
    """A report of a short real run of the cases the machine model reads
    (the latency chases, the read bandwidth) and one it models."""
    from conftest import run
    from locality.report import load_result
    from locality.report.document import build_report
    out = tmp_path_factory.mktemp("modelled") / "modelled.json"
    proc = run([bench_all, "--quick", *MODELLED, "--benchmark_min_time=0.001", "--out", out])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return build_report([load_result(out)])


def test_modelled_cases_carry_their_model_line_and_the_rest_none(modelled_report):
    family = {e.family: e for e in modelled_report.figures if e.family}
    gids = {f: {line.get_gid() for ax in e.figure.axes for line in ax.get_lines()} for f, e in family.items()}
    assert "latency/random_chase/model" in gids["latency"]
    assert "latency/sequential_chase/model" in gids["latency"]
    assert "heap_vector/sum/model" in gids["heap_vector"]
    assert not any(str(g).endswith("/model") for g in gids["bandwidth"])   # bandwidth has no model
    assert "Model, " in family["latency"].caption and "of the model at" in family["latency"].caption


def test_the_report_lists_the_parameters_and_tabulates_model_and_measurement(modelled_report, tmp_path):
    from locality.report.document import write_report
    fitted = next(iter(modelled_report.models.values()))
    assert all(math.isfinite(lv.latency_ns) and lv.latency_ns > 0 for lv in fitted.levels)
    # a load from memory costs more than one from L1, whatever the machine
    assert fitted.levels[-1].latency_ns > 3 * fitted.levels[0].latency_ns
    write_report(modelled_report, tmp_path, ("png",))
    md = (tmp_path / "report.md").read_text()
    assert "## The model beside the measurement" in md
    assert "load latency" in md and "read bandwidth" in md
    assert "| std::vector | stream | ±50% |" in md
    html = (tmp_path / "report.html").read_text()
    assert 'id="models"' in html and "<td>heap_vector</td>" in html
    assert f"L1 ({models.units.size_bytes(fitted.levels[0].size_bytes)}): load latency" in html
    tex = (tmp_path / "tables" / "heap_vector.tex").read_text()
    assert "& Model" in tex and "rrrrr@{}" in tex


def test_a_file_without_models_renders_without_them(real_result):
    from locality.report import load_result
    from locality.report.document import build_report, render_markdown
    rep = build_report([load_result(real_result)])
    assert not rep.comparisons
    assert not any(str(line.get_gid()).endswith("/model") for e in rep.figures for ax in e.figure.axes
                   for line in ax.get_lines())
    assert "The model beside" not in render_markdown(rep, ("png",))


def test_misses_in_flight_are_read_where_independent_chases_stop_getting_faster():
    truth = machine()
    lat = models.random_ns(truth, 256 * MiB)
    ks = (1, 2, 4, 8, 16, 32)
    # a case per k, as the mlp family has them
    fams = {**FAMILIES, "mlp": {"cases": [{"name": f"chains_{k}", "axis": {"counter": "chains"},
                                           "model": {"kind": "little", "tolerance": 0.5}} for k in ks]}}

    def run_with(buffers: float) -> FakeSummary:
        run = run_of(truth)
        for k in ks:
            run.curves[("mlp", f"chains_{k}")] = [point(f"chains_{k}", 256 * MiB, lat / min(k, buffers), chains=k)]
        return run

    fitted = models.fit(run_with(10.0), "s", fams, CACHES)
    assert fitted.misses_in_flight == pytest.approx(10.0, rel=1e-6)
    assert models.little_ns(fitted, 256 * MiB, 32) == pytest.approx(lat / 10, rel=1e-6)
    assert models.little_ns(fitted, 256 * MiB, 4) == pytest.approx(lat / 4, rel=1e-6)
    assert any("misses in flight" in n for n in fitted.notes)
    # a curve still falling at its largest k: no limit the run can see
    assert math.isinf(models.fit(run_with(64.0), "s", fams, CACHES).misses_in_flight)
