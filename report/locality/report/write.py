"""Saving figures. Writers create their folder and return the paths written."""

from __future__ import annotations

import re
from pathlib import Path

from matplotlib.figure import Figure

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A benchmark or family name as a file name: no separators, no dots first."""
    cleaned = _SAFE.sub("_", name).strip("._") or "figure"
    return cleaned[:120]


def write_figures(figures: dict[str, Figure], folder: str | Path,
                  formats: tuple[str, ...] = ("png",)) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures.items():
        for fmt in formats:
            path = folder / f"{safe_filename(name)}.{fmt}"
            fig.savefig(path, dpi=150 if fmt == "png" else None)
            written.append(path)
    return written
