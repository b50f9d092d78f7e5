"""Synthetic machines as hwloc XML, for running bench_all on topologies this
machine is not: HWLOC_XMLFILE=<file> makes hwloc report the file's machine.

Each machine is a list of cache levels (from L1 up) shared by every core of
one package; `caches=[]` describes a machine that reports no caches at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


@dataclass
class Level:
    depth: int
    size: int
    line: int = 64
    ways: int = 8
    kind: str = "unified"  # "data", "instruction" or "unified"
    per_core: bool = True  # one instance per core, else one for the package


@dataclass
class Synthetic:
    name: str
    cpu_model: str
    cores: int
    memory: int
    caches: list[Level] = field(default_factory=list)
    arch: str = "x86_64"


MACHINES = [
    # The machine of the report that started this: an L3 of 508 MiB "per
    # core" with 0 ways, no sysfs cache folder.
    Synthetic("zen5-vm-no-sysfs", "AMD EPYC (Zen 5 VM)", 2, 24 * GiB,
              [Level(1, 48 * KiB, ways=12, kind="data"), Level(1, 32 * KiB, kind="instruction"),
               Level(2, 1 * MiB), Level(3, 508 * MiB, ways=0)]),
    Synthetic("no-cache-info", "Unknown CPU", 2, 8 * GiB, []),
    Synthetic("amd-server-1152", "AMD EPYC 9684X", 96, 384 * GiB,
              [Level(1, 32 * KiB, kind="data"), Level(1, 32 * KiB, kind="instruction"),
               Level(2, 1 * MiB), Level(3, 1152 * MiB, ways=16, per_core=False)]),
    Synthetic("intel-server", "Intel Xeon Platinum 8480+", 56, 256 * GiB,
              [Level(1, 48 * KiB, ways=12, kind="data"), Level(1, 32 * KiB, kind="instruction"),
               Level(2, 2 * MiB, ways=16), Level(3, 105 * MiB, ways=15, per_core=False)]),
    Synthetic("arm64-128b-lines", "Apple M-class (arm64)", 8, 16 * GiB,
              [Level(1, 128 * KiB, line=128, kind="data"), Level(1, 192 * KiB, line=128, kind="instruction"),
               Level(2, 16 * MiB, line=128, ways=16, per_core=False)], arch="aarch64"),
]


def _mask(cpus: range) -> str:
    bits = 0
    for c in cpus:
        bits |= 1 << c
    words = []
    while True:
        words.append(f"0x{bits & 0xffffffff:08x}")
        bits >>= 32
        if not bits:
            break
    return ",".join(reversed(words))


def xml(m: Synthetic) -> str:
    gp = iter(range(1, 100000))
    every = _mask(range(m.cores))

    def attrs(cpus: str) -> str:
        return (f'cpuset="{cpus}" complete_cpuset="{cpus}" nodeset="0x00000001" '
                f'complete_nodeset="0x00000001" gp_index="{next(gp)}"')

    def cache(level: Level, cpus: str, inner: str) -> str:
        kind = {"unified": 0, "data": 1, "instruction": 2}[level.kind]
        tag = f"L{level.depth}{'i' if level.kind == 'instruction' else ''}Cache"
        return (f'<object type="{tag}" {attrs(cpus)} cache_size="{level.size}" depth="{level.depth}" '
                f'cache_linesize="{level.line}" cache_associativity="{level.ways}" cache_type="{kind}">'
                f"{inner}</object>")

    def core(i: int) -> str:
        cpus = _mask(range(i, i + 1))
        inner = (f'<object type="Core" os_index="{i}" {attrs(cpus)}>'
                 f'<object type="PU" os_index="{i}" {attrs(cpus)}/></object>')
        for level in sorted((c for c in m.caches if c.per_core), key=lambda c: (c.depth, c.kind != "instruction")):
            inner = cache(level, cpus, inner)
        return inner

    body = "".join(core(i) for i in range(m.cores))
    for level in sorted((c for c in m.caches if not c.per_core), key=lambda c: c.depth):
        body = cache(level, every, body)
    numa = (f'<object type="NUMANode" os_index="0" {attrs(every)} local_memory="{m.memory}">'
            '<page_type size="4096" count="0"/></object>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n'
            '<topology version="2.0">'
            f'<object type="Machine" os_index="0" {attrs(every).replace("gp_index", "allowed_cpuset=" + chr(34) + every + chr(34) + " gp_index")}>'
            f'<info name="Architecture" value="{m.arch}"/>'
            f'<object type="Package" os_index="0" {attrs(every)}><info name="CPUModel" value="{m.cpu_model}"/>'
            f"{numa}{body}</object></object></topology>\n")


def write(m: Synthetic, folder: Path) -> Path:
    path = folder / f"{m.name}.xml"
    path.write_text(xml(m))
    return path
