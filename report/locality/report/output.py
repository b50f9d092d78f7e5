"""The report's output folder: created whole or not at all, and replaced
(with --force) only when it is a report folder holding nothing but what the
report wrote.

A report folder carries a marker file listing every file the report wrote
into it. --force replaces a folder only when that marker is there and the
folder holds nothing the marker does not list; it never replaces the
current folder, a folder that holds an input file, or a parent of either.
Anything else is an OutputError naming what would have been lost.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

MARKER = ".locality-report"


class OutputError(RuntimeError):
    """The output folder cannot be written or replaced; says why in one line."""


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
        return True
    except ValueError:
        return False


def read_marker(folder: Path) -> list[str] | None:
    """The files a report folder's marker lists, or None when it has no
    readable marker (not a report folder)."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return files


def check_replaceable(out: Path, inputs: Iterable[Path], force: bool) -> None:
    """Raises OutputError unless a report can be written at `out`: a new
    folder, or with `force` an earlier report folder that holds only what
    the report wrote and neither is nor contains an input or the current
    folder."""
    resolved = out.resolve()
    parent = resolved.parent
    if out.exists() or out.is_symlink():
        if not force:
            raise OutputError(f"{out} exists; pass --force to replace an earlier report folder")
        if out.is_symlink() or not out.is_dir():
            raise OutputError(f"{out} is not a folder; --force replaces only report folders")
        cwd = Path.cwd().resolve()
        if _is_within(cwd, resolved):
            raise OutputError(f"{out} is the current folder or holds it; --force will not replace it")
        for source in inputs:
            if _is_within(Path(source).resolve(), resolved):
                raise OutputError(f"{out} holds the input {source}; --force will not replace it")
        listed = read_marker(resolved)
        if listed is None:
            raise OutputError(f"{out} is not a report folder (no {MARKER} marker); --force will not "
                              "replace it")
        allowed = set(listed) | {MARKER}
        folders = {str(Path(f).parent) for f in listed} - {"."}
        foreign = sorted(str(p.relative_to(resolved)) for p in resolved.rglob("*")
                         if (p.is_symlink() or not p.is_dir()) and str(p.relative_to(resolved)) not in allowed
                         or p.is_dir() and not p.is_symlink() and str(p.relative_to(resolved)) not in folders)
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutputError(f"{out} holds files the report did not write ({shown}); --force will "
                              "not delete them")
    if not parent.exists():
        raise OutputError(f"cannot write {out}: its parent folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {out}: folder {parent} is not writable")


def write_folder(out: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    """Calls `write(staging)` in a fresh folder beside `out`, adds the marker,
    then moves it into place, replacing an earlier report folder at `out`
    (check_replaceable decided that it may). A failure leaves `out` as it
    was and nothing beside it. Returns the paths written, under `out`."""
    parent = out.resolve().parent
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    except OSError as e:
        raise OutputError(f"cannot write {out}: {e.strerror or e}") from None
    old = None
    try:
        written = write(staging)
        names = sorted({str(Path(p).relative_to(staging)) for p in written})
        (staging / MARKER).write_text(json.dumps({"tool": "locality-report", "files": names}, indent=1) + "\n",
                                      encoding="utf-8")
        # mkdtemp makes the folder 0700; a report is shared like the result
        # files beside it, so it gets the mode a plain mkdir would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=parent))
            os.rename(out, old / "report")
        os.rename(staging, out)
    except BaseException:
        if old is not None and not out.exists():
            os.rename(old / "report", out)
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [out / Path(p).relative_to(staging) for p in written]
