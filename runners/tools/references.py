"""The reference tools compare_reference.py runs beside our families:
lmbench's lat_mem_rd (a path the user gives), likwid-bench's load kernels
and mbw (Debian's likwid and mbw). Each returns what the tool measured, or
None where it cannot run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

LINE = 64  # bytes per chase node, the stride lat_mem_rd is given


class ToolError(RuntimeError):
    """A tool ran but failed or printed something unreadable."""


def run(cmd: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as e:
        raise ToolError(f"{cmd[0]}: not found") from e
    except subprocess.TimeoutExpired as e:
        raise ToolError(f"{' '.join(cmd)}: no answer within {timeout:.0f} s") from e
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ToolError(f"{' '.join(cmd)} exited {done.returncode}: " + " / ".join(tail))
    return done


# ---- lat_mem_rd -------------------------------------------------------------

def parse_lat_mem_rd(text: str) -> dict[int, float]:
    """lat_mem_rd prints "size_in_MB latency_ns" per line (after a
    "stride=N" line); returns bytes -> ns."""
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        try:
            mb, ns = float(parts[0]), float(parts[1])
        except ValueError:
            continue
        # Sizes are multiples of 512 bytes; the MB figure has 5 decimals.
        found[round(mb * 2**20 / 512) * 512] = ns
    return found


def match_size(table: dict[int, float], size: int) -> float | None:
    """The value printed for `size`; lat_mem_rd rounds MB to 5 decimals."""
    for printed, value in table.items():
        if abs(printed - size) <= max(0.005 * size, 6):
            return value
    return None


def lat_mem_rd(binary: str, largest: int, extra: list[str]) -> dict[int, float]:
    mb = max(1, -(-largest // 2**20))
    done = run([binary, *extra, str(mb), str(LINE)], timeout=1800)
    table = parse_lat_mem_rd(done.stdout + "\n" + done.stderr)
    if not table:
        raise ToolError(f"{binary} printed no 'size latency' lines")
    return table


# ---- likwid-bench and mbw -----------------------------------------------------

def likwid_kernels() -> list[str]:
    """likwid-bench's load kernels that this CPU runs (load_avx512 needs
    AVX-512F, load_avx AVX, ...)."""
    listing = run(["likwid-bench", "-a"]).stdout
    flags = set(Path("/proc/cpuinfo").read_text().split())
    kernels = []
    for line in listing.splitlines():
        name = line.split(" - ")[0].strip()
        if not name.startswith("load"):
            continue
        if ("avx512" in name and "avx512f" not in flags) or ("avx" in name and "avx" not in flags):
            continue
        kernels.append(name)
    return kernels


def likwid_bandwidth(kernel: str, size: int, seconds: int) -> float:
    """Bytes per second that one likwid-bench kernel reports for a working
    set of `size` bytes on one core, running at least `seconds`."""
    done = run(["likwid-bench", "-t", kernel, "-w", f"S0:{size}B:1", "-s", str(seconds)], timeout=300)
    m = re.search(r"^MByte/s:\s*([0-9.]+)", done.stdout, re.MULTILINE)
    if not m:
        raise ToolError(f"likwid-bench -t {kernel} printed no 'MByte/s:' line")
    return float(m[1]) * 1e6  # likwid's MByte is 10^6 bytes


def mbw_bandwidth(size: int) -> float:
    """The best of mbw's three copy methods (memcpy, dumb, mcblock) at `size`
    (whole MiB), in bytes copied per second."""
    done = run(["mbw", "-q", "-n", "5", str(size // 2**20)], timeout=600)
    rates = [float(m) for m in re.findall(r"^AVG\s.*?Copy:\s*([0-9.]+) MiB/s", done.stdout, re.MULTILINE)]
    if not rates:
        raise ToolError("mbw printed no 'AVG ... Copy: N MiB/s' line")
    return max(rates) * 2**20
