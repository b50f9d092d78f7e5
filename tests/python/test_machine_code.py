"""The kernels' generated code is what their labels say: the scalar read is
64-bit loads into general registers (no vector register), the one-chain
sum is one 32-bit add per int, and the vector kernels of each Highway
target use that target's registers. Read from bench_all with objdump, on
x86-64 builds (where these register names apply)."""

import platform
import re
import shutil
import subprocess

import pytest

OBJDUMP = shutil.which("objdump")
pytestmark = [
    pytest.mark.skipif(OBJDUMP is None, reason="no objdump (binutils)"),
    pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 register names"),
]
VECTOR_REGISTER = re.compile(r"%[xyz]mm\d+")


def disassemble(binary, symbol: str) -> list[str]:
    """The instructions of one function (C++ names demangled), as text."""
    proc = subprocess.run([OBJDUMP, "-d", "-C", "--no-show-raw-insn", f"--disassemble={symbol}", str(binary)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = [line.split("\t", 1)[1] for line in proc.stdout.splitlines() if re.match(r"\s+[0-9a-f]+:\t", line)]
    assert lines, f"{symbol} is not in {binary}"
    return lines


def test_the_scalar_read_is_scalar(bench_all):
    code = disassemble(bench_all, "locality_read_words_scalar")
    assert not any(VECTOR_REGISTER.search(line) for line in code), code
    # four independent 64-bit adds from memory per step, into four registers
    adds = [line for line in code if re.match(r"add\s+0?x?[0-9a-f]*\(%\w+,%\w+,8\),%r\w+", line)]
    assert len(adds) == 4 and len({a.rsplit(",", 1)[1] for a in adds}) == 4, code


def test_the_one_chain_sum_adds_one_int_at_a_time(bench_all):
    code = disassemble(bench_all, "locality::kernels::sum_ints_one_chain(int const*, unsigned long)")
    assert not any(VECTOR_REGISTER.search(line) for line in code), code
    adds = [line for line in code if re.match(r"add\s+\(%\w+,%\w+,4\),%e\w+", line)]
    assert len(adds) == 1, code


def test_the_column_sum_adds_one_int_at_a_time(bench_all):
    """traversal_order's column order: one scalar add from memory per int,
    the unit its L1 claim counts (one int a cycle)."""
    code = disassemble(bench_all, "locality::(anonymous namespace)::sum_columns(int const*, unsigned long, unsigned long)")
    assert not any(VECTOR_REGISTER.search(line) for line in code), code
    adds = [line for line in code if re.match(r"add\s+\(%\w+(,%\w+,4)?\),%e\w+", line)]
    assert len(adds) == 1, code


@pytest.mark.parametrize("target,register", [("N_SSE4", "%xmm"), ("N_AVX2", "%ymm"), ("N_AVX3", "%zmm")])
def test_each_targets_row_sum_loads_its_vectors(bench_all, target, register):
    """traversal_order's row order: vector loads of the target's width into
    its four accumulators, so a row of 32 ints is a few loads."""
    from conftest import run

    symbols = run(["nm", "-C", bench_all]).stdout
    name = f"locality::kernels::{target}::SumIntRows(int const*, unsigned long, unsigned long, unsigned long)"
    if name not in symbols:
        pytest.skip(f"this build has no {target} kernels")
    code = disassemble(bench_all, name)
    loads = [line for line in code if re.match(r"(v?paddd|v?movdq[au]\w*)\s+-?(0x[0-9a-f]+)?\(%\w+[^)]*\),.*" + register, line)]
    assert len(loads) >= 4 and any("paddd" in line for line in code), code


@pytest.mark.parametrize("target,register", [("N_SSE4", "%xmm"), ("N_AVX2", "%ymm"), ("N_AVX3", "%zmm")])
def test_each_targets_read_kernel_uses_its_vectors(bench_all, target, register):
    """The check above can see vectors: the vector kernels have them, of
    their target's width."""
    from conftest import run

    symbols = run(["nm", "-C", bench_all]).stdout
    name = f"locality::kernels::{target}::ReadWidest(unsigned long const*, unsigned long, unsigned long)"
    if name not in symbols:
        pytest.skip(f"this build has no {target} kernels")
    code = disassemble(bench_all, name)
    assert any(register in line for line in code), code
