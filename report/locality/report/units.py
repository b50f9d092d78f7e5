"""Every quantity the report shows goes through one of these functions, so a
caption, a table and an axis write the same number the same way."""

from __future__ import annotations

import math
import numbers

_BINARY = (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def _is_number(value) -> bool:
    """A real number, numpy's included (numpy.int64 is not an int), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def number(value) -> str:
    """Three significant digits, without exponents: 0.166, 1.26, 211, 1270."""
    if value is None or not _is_number(value) or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if value == 0:
        return "0"
    if abs(value) < 0.001:
        return f"{value:.2g}"
    return f"{value:.3g}"


def size_bytes(value) -> str:
    """1024 -> '1 KiB', 33554432 -> '32 MiB', 1.5 GiB -> '1.5 GiB'."""
    if value is None or not _is_number(value) or not math.isfinite(value) or value <= 0:
        return "?"
    for unit, scale in _BINARY:
        if value >= scale:
            v = value / scale
            return f"{v:.0f} {unit}" if abs(v - round(v)) < 0.05 else f"{v:.1f} {unit}"
    return f"{value:.0f} B"


def count(value) -> str:
    """A count in binary multiples where it is one: 16777216 -> '16 Mi',
    1000 -> '1,000'."""
    if value is None or not _is_number(value) or not math.isfinite(value):
        return "n/a"
    for unit, scale in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value >= scale and value % scale == 0:
            return f"{value / scale:.0f} {unit}"
    return f"{value:,.0f}"


def time_ns(value) -> str:
    return f"{number(value)} ns"


def rate(bytes_per_second) -> str:
    return f"{number(bytes_per_second / 1e9)} GB/s" if bytes_per_second else "n/a"


def cycles(ns, ghz) -> str:
    """ns at a measured clock, in cycles: '4.0 cycles'."""
    if not ghz or ns is None or not math.isfinite(ns):
        return "n/a"
    c = ns * ghz
    return f"{c:.1f} cycles" if c < 100 else f"{c:.0f} cycles"


def ratio(value) -> str:
    return f"{number(value)}x"


def percent(share) -> str:
    """0.5 -> '50%', 1.19e-07 -> 'under 0.01%'."""
    if share is None or not math.isfinite(share):
        return "n/a"
    if 0 < share < 1e-4:
        return "under 0.01%"
    return f"{number(100 * share)}%"


def interval(low, high, unit_format=number) -> str:
    """'240-266' (or with the unit function's suffix once at the end)."""
    lo, hi = unit_format(low), unit_format(high)
    head, _, tail = lo.partition(" ")
    head_hi, _, tail_hi = hi.partition(" ")
    if tail and tail == tail_hi:
        return f"{head}-{head_hi} {tail}"
    return f"{lo}-{hi}"


def per_unit(value_ns, unit_name: str) -> str:
    return f"{number(value_ns)} ns per {unit_name}"


def parse_size(text: str) -> int:
    """'16K' -> 16384, '1M', '256MiB', '4096': digits and an optional K, M
    or G (powers of 1024), as bench_all reads them; ValueError otherwise."""
    import re

    m = re.fullmatch(r"\s*(\d+)\s*([KMG]?)(?:i?B)?\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"'{text}' is not a size such as 16K, 1M or 256M")
    return int(m[1]) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[m[2].upper()]
