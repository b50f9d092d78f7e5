import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMPARE_PY = Path("/usr/share/benchmark/compare.py")
# bench_all keeps what each case cost in ${XDG_CACHE_HOME}/locality: the
# tests share one cache of their own, not the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="locality-test-cache-")

# Small sizes only: the pipeline is under test here, not the machine.
SMALL_FILTER = "--benchmark_filter=^(heap_vector/sum|scattered_nodes/list_sum|arena_nodes/bump_list_sum)/[0-9]{1,5}$"
# The default run the README cites (the newest committed result file).
CITED = sorted(p for p in (ROOT / "results").glob("*.json"))[-1]


def build_dir() -> Path:
    return Path(os.environ.get("LOCALITY_BUILD", ROOT / "build")).resolve()


@pytest.fixture(scope="session")
def bench_all() -> Path:
    path = build_dir() / "bench_all"
    if not path.is_file():
        pytest.fail(f"{path} is missing: build first (runners/test.sh does) or set LOCALITY_BUILD")
    return path


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="session")
def quick_result(bench_all, tmp_path_factory) -> Path:
    """A real result file from this machine, made by a short bench_all run."""
    out = tmp_path_factory.mktemp("results") / "quick.json"
    proc = run([bench_all, "--quick", SMALL_FILTER, "--benchmark_min_time=0.001", "--out", out])
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def real_result() -> Path:
    """The checked-in result file of a full --quick run on the development VM."""
    return FIXTURES / "vm-quick.json"


def load_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())
