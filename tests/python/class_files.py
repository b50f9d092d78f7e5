"""A class's result files, made from one real result file: each "machine"
gets its own host, CPU name and cache sizes and its times scaled by a
factor of its own, so that the gallery has many different machines to put
side by side. Some machines lack what a real class would lack: one ran no
latency family, one has no cache description, one is plain Google
Benchmark JSON, and one machine has two runs.

    python tests/python/class_files.py SOURCE.json OUT_DIR COUNT

writes COUNT files (pc000.json, ..., with pc004-run2.json among them).

Used by test_gallery.py and runners/gallery_speed.sh.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

CPUS = ["AMD Ryzen 7 7840U", "Intel Core i5-1135G7", "Apple M2 (Linux VM)", "AMD EPYC 9654",
        "Intel Xeon Gold 6338", "Raspberry Pi 5 (Cortex-A76)"]
L2 = [256 * 1024, 512 * 1024, 1024 * 1024, 2048 * 1024]
L3 = [8 << 20, 16 << 20, 32 << 20, 64 << 20]


def factor(i: int) -> float:
    """The i-th machine's speed: times multiplied by 0.6 ... 1.6."""
    return 0.6 + (i * 37 % 101) / 100


def make(source: dict, i: int) -> dict:
    data = copy.deepcopy(source)
    loc = data["context"]["locality"]
    loc["host"] = f"pc{i:03d}"
    loc["cpu_model"] = CPUS[i % len(CPUS)]
    loc["started_utc"] = f"2026-11-{1 + i % 28:02d}T10:{i % 60:02d}:00Z"
    for c in loc["caches"]:
        if c["level"] == 2:
            c["size_bytes"] = L2[i % len(L2)]
        if c["level"] == 3:
            c["size_bytes"] = L3[(i // 2) % len(L3)]
    f = factor(i)
    for b in data["benchmarks"]:
        for key in ("real_time", "cpu_time"):
            if key in b:
                b[key] *= f
    return data


def write_class(source: Path, out: Path, count: int) -> list[Path]:
    base = json.loads(Path(source).read_text())
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    i = -1
    while len(paths) < count:
        i += 1
        data = make(base, i)
        if i == 1:  # ran without the latency family
            data["benchmarks"] = [b for b in data["benchmarks"] if not b["name"].startswith("latency/")]
        if i == 2:  # no cache description
            data["context"]["locality"]["caches"] = []
        if i == 3:  # plain Google Benchmark JSON
            del data["context"]["locality"]
        path = out / f"pc{i:03d}.json"
        path.write_text(json.dumps(data))
        paths.append(path)
        if i == 4 and len(paths) < count:  # a second run of the same machine and build
            again = copy.deepcopy(data)
            again["context"]["locality"]["started_utc"] = "2026-11-30T12:00:00Z"
            for b in again["benchmarks"]:
                if "real_time" in b:
                    b["real_time"] *= 1.02
            second = out / f"pc{i:03d}-run2.json"
            second.write_text(json.dumps(again))
            paths.append(second)
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    for p in write_class(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])):
        print(p)
