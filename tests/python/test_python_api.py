"""locality's Python API over the C++ cases (locality._core)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import locality
from conftest import COMPARE_PY, ROOT, run
from locality import _core
from locality.report import load_result



def test_module_and_package_versions_agree():
    assert _core.version() == locality.__version__ == (ROOT / "VERSION").read_text().strip()


def test_cases_lists_every_family_with_its_text_and_sizes():
    listed = locality.cases()
    catalogue = json.loads(_core.catalogue_json())
    order = sorted(catalogue["families"], key=lambda f: catalogue["families"][f]["order"])
    assert list(dict.fromkeys(c["family"] for c in listed)) == order  # teaching order
    assert len(listed) >= 50
    by_case = {c["case"]: c for c in listed}
    for c in listed:
        assert c["summary"] and c["expected"] and c["demonstrates"] and c["unit"]
        if c["unavailable"]:
            assert not c["sizes"]
            continue
        assert c["sizes"] and c["sizes"] == sorted(c["sizes"])
        if c["max_elements"]:
            assert max(c["sizes"]) <= c["max_elements"]
    # a few KiB at the start: 1 Ki ints, or 64 nodes of 64 bytes for latency
    assert by_case["heap_vector/sum"]["sizes"][0] == 1024
    assert by_case["latency/random_chase"]["sizes"][0] == 64
    # element_size's cases have ladders of their own: the same working sets
    # (16 KiB first) hold fewer of the larger nodes
    assert by_case["element_size/sequential_npad0"]["sizes"][0] == 16384 // 8
    assert by_case["element_size/random_npad31"]["sizes"][0] == 16384 // 256


def test_machine_has_the_result_file_context():
    m = locality.machine()
    assert m["schema"] == locality.SCHEMA_VERSION and m["caches"] and m["cpu_model"]
    assert m["counters"]["backend"] in ("papi", "none")


@pytest.mark.parametrize("case", ["stack_array/sum", "heap_vector/sum", "scattered_nodes/list_sum",
                                  "arena_nodes/bump_list_sum", "latency/random_chase"])
def test_a_small_run_of_each_family(case):
    res = locality.run(case, sizes=[1024, 4096], repetitions=2, min_time=0.001)
    reps = [r for r in res if r["run_type"] == "iteration"]
    assert len(reps) == 4
    for r in reps:
        n = int(r["run_name"].rsplit("/", 1)[1])
        assert r["run_name"] == f"{case}/{n}"
        # loads per iteration: whole laps of the cycle, at least 4096 (latency)
        assert r["elements"] == (n if case != "latency/random_chase" else max(n, 4096))
        assert r["real_time"] > 0 and r["iterations"] >= 1
        assert r["allocs_per_iter"] == 0  # a traversal allocates nothing
        assert not r.get("error_occurred")
    frame = res.to_frame()
    assert set(frame["elements"]) == {1024, 4096}
    assert (frame["time_per_elem_ns"] > 0).all()


def test_allocations_are_counted_from_python():
    res = locality.run("arena_nodes/build_new", sizes=[2048], repetitions=1, min_time=0.001)
    assert res[0]["allocs_per_iter"] == 2048
    res = locality.run("arena_nodes/build_bump", sizes=[2048], repetitions=1, min_time=0.001)
    assert res[0]["allocs_per_iter"] == 0  # one buffer, taken before the timed lists and reused


def test_errors_are_clear_python_exceptions():
    with pytest.raises(ValueError, match="unknown case 'heap_vector/nope'"):
        locality.run("heap_vector/nope")
    with pytest.raises(ValueError, match="not a positive number"):
        locality.run("heap_vector/sum", sizes=[0])
    with pytest.raises(ValueError, match="sizes must be a list"):
        locality.run("heap_vector/sum", sizes="abc")
    with pytest.raises(ValueError, match="sizes must be a list"):
        locality.run("heap_vector/sum", sizes=1024)
    with pytest.raises(ValueError, match="min_time"):
        locality.run("heap_vector/sum", sizes=[1024], min_time="fast")
    with pytest.raises(ValueError, match="sizes above 4194304 are not run"):
        locality.run("scattered_nodes/std_map_sum", sizes=[1 << 23])
    with pytest.raises(ValueError, match="repetitions"):
        locality.run("heap_vector/sum", sizes=[1024], repetitions=0)
    with pytest.raises(ValueError, match="unknown case"):
        _core.run_json("x/y", 1024, 1, 0.01)


@pytest.mark.skipif(Path("/sys/bus/event_source/devices/cpu").exists(), reason="has a PMU")
def test_counters_asked_for_explicitly_but_unavailable_raise():
    with pytest.raises(RuntimeError, match="no hardware counters"):
        locality.run("heap_vector/sum", sizes=[1024], counters=["l1d_misses"])


def test_the_gil_is_released_while_cpp_runs():
    done = threading.Event()

    def work():
        locality.run("scattered_nodes/list_sum", sizes=[1 << 20], repetitions=2, min_time=0.2)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    spins = 0
    while not done.is_set():
        spins += 1
        time.sleep(0.001)
    t.join()
    assert spins > 50, "the main thread could not run Python while C++ ran"


def test_runs_from_several_threads_run_one_after_the_other():
    results, errors = [], []

    def work(case):
        try:
            results.append(locality.run(case, sizes=[4096, 65536], repetitions=2, min_time=0.01))
        except BaseException as e:  # noqa: BLE001 - the test reports whatever happened
            errors.append(e)

    threads = [threading.Thread(target=work, args=(c,)) for c in
               ("heap_vector/sum", "scattered_nodes/list_sum", "latency/random_chase", "arena_nodes/bump_list_sum")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 4
    for res in results:
        reps = [r for r in res if r["run_type"] == "iteration"]
        assert len(reps) == 4 and not any(r.get("error_occurred") for r in reps)


def test_ctrl_c_stops_a_run_between_sizes():
    # Python's own Ctrl-C handler, whatever this process inherited: a shell
    # that starts a command in the background (cmd &) makes it ignore
    # SIGINT, and Python then installs no handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt) as stopped:
            locality.run("heap_vector/sum", sizes=[1 << 16] * 200, repetitions=1, min_time=0.05)
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - started < 5, "the run went on after Ctrl-C"
    # what was measured before Ctrl-C comes with the exception, marked incomplete
    assert isinstance(stopped.value, locality.RunInterrupted)
    partial = stopped.value.results
    assert 1 <= len(partial) < 200
    assert "interrupted" in partial.context["locality"]["run"]["incomplete"]
    assert all(r["run_name"] == "heap_vector/sum/65536" for r in partial)
    # the module still works afterwards
    assert locality.run("heap_vector/sum", sizes=[1024], repetitions=1, min_time=0.001)


def test_saved_file_is_read_by_the_report_and_compare(tmp_path):
    res = locality.run("heap_vector/sum", sizes=[1024, 4096], repetitions=2, min_time=0.001)
    path = res.save(tmp_path / "py.json")
    loaded = load_result(path)
    assert loaded.locality["run"]["from"] == "python"
    with pytest.raises(FileExistsError):
        res.save(path)
    proc = subprocess.run([sys.executable, "-m", "locality.report", str(path), "-o", str(tmp_path / "rep")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "rep" / "family-heap_vector.png").is_file()
    proc = run(["/usr/bin/python3", COMPARE_PY, "benchmarks", path, path])
    assert proc.returncode == 0 and "heap_vector/sum/4096" in proc.stdout


def test_example_sweep_runs_headless_and_plots(tmp_path):
    out = tmp_path / "sweep.png"
    proc = subprocess.run([sys.executable, str(ROOT / "report/examples/sweep_allocators.py"),
                           "--out", str(out), "--max-elements", "65536", "--repetitions", "1"],
                          capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"},
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for case in ("bump_list_sum", "pool_list_sum", "pmr_pool_list_sum"):
        assert case in proc.stdout


@pytest.mark.parametrize("kwargs, says", [
    ({"sizes": [2**70]}, "beyond any memory"),
    ({"repetitions": 2**40}, "repetitions must be a whole number from 1 to 1000"),
    ({"repetitions": 100000}, "repetitions must be a whole number from 1 to 1000"),
    ({"min_time": float("inf")}, "min_time must be a number of seconds above 0 and at most 3600"),
    ({"min_time": float("nan")}, "min_time"),
    ({"counters": 5}, "counters must be"),
    ({"counters": []}, "counters must be"),
])
def test_bad_arguments_are_one_value_error(kwargs, says):
    with pytest.raises(ValueError, match=says):
        locality.run("heap_vector/sum", **{"sizes": [1024], **kwargs})


def test_the_report_package_loads_pandas_and_matplotlib_only_when_used():
    """`python -m locality.report` installs its signal handlers before the
    heavy libraries load; the package's exports are still the functions
    and classes (tidy the function, not the submodule of that name)."""
    code = ("import sys, locality.report as r; heavy = [m for m in ('pandas', 'matplotlib') if m in sys.modules]; "
            "import locality.report.tidy; from locality.report import tidy, Summary, load_result; "
            "print(heavy, callable(tidy) and not isinstance(tidy, type(sys)), Summary.__name__, "
            "sorted(r.__all__) == r.__all__)")
    proc = run([sys.executable, "-c", code])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[]", "True", "Summary", "True"], proc.stdout
