"""The report's output folder: created whole or not at all, never over
anything the report did not write.

A report folder carries a marker file listing every file the report wrote
into it with its SHA-256. --force replaces a folder only when that marker is
there, the folder holds nothing the marker does not list, and every listed
file is unchanged; it never replaces the current folder, a folder that
holds an input file, or a parent of either. The folder is written beside
its place under a hidden name and published at the end: a new folder by
creating it exclusively and renaming the finished one over that empty
folder (so a folder or file that appeared meanwhile is never replaced, and
two reports to one place cannot both succeed); an earlier report, with
--force, by moving it aside and checking it again before it is deleted.
Anything else is an OutputError naming what would have been lost.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from locality.report.interrupt import publishing

MARKER = ".locality-report"


class OutputError(RuntimeError):
    """The output folder cannot be written or replaced; says why in one line."""


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
        return True
    except ValueError:
        return False


TEMP_TAG = "locality-tmp"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_marker(folder: Path) -> dict[str, str | None] | None:
    """The files a report folder's marker lists, with their SHA-256 where the
    marker has one, or None when it has no readable marker (not a report
    folder)."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    hashes = data.get("sha256") if isinstance(data.get("sha256"), dict) else {}
    return {f: hashes.get(f) if isinstance(hashes.get(f), str) else None for f in files}


def _problems(folder: Path, shown_as: Path) -> str | None:
    """Why an earlier report folder may not be replaced, or None."""
    listed = read_marker(folder)
    if listed is None:
        return f"{shown_as} is not a report folder (no {MARKER} marker); --force will not replace it"
    allowed = set(listed) | {MARKER}
    folders = {str(Path(f).parent) for f in listed} - {"."}
    foreign = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                     if (p.is_symlink() or not p.is_dir()) and str(p.relative_to(folder)) not in allowed
                     or p.is_dir() and not p.is_symlink() and str(p.relative_to(folder)) not in folders)
    if foreign:
        return (f"{shown_as} holds files the report did not write ({_some(foreign)}); --force will not "
                "delete them")
    changed = sorted(name for name, digest in listed.items()
                     if digest is not None and (folder / name).is_file() and _sha256(folder / name) != digest)
    if changed:
        return (f"{shown_as} holds files changed since the report wrote them ({_some(changed)}); --force "
                "keeps them: move them away to replace the folder")
    return None


def _some(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def check_replaceable(out: Path, inputs: Iterable[Path], force: bool) -> bool:
    """Raises OutputError unless a report can be written at `out`: a new
    folder, or with `force` an earlier report folder that holds only what
    the report wrote, unchanged, and neither is nor contains an input or the
    current folder. Returns whether `out` exists (a folder to replace)."""
    resolved = out.resolve()
    parent = resolved.parent
    exists = out.exists() or out.is_symlink()
    if exists:
        if out.is_symlink():
            raise OutputError(f"{out} is a symbolic link (to {os.readlink(out)}); give the folder itself, "
                              "or a new name")
        if not force:
            raise OutputError(f"{out} exists; pass --force to replace an earlier report folder")
        if not out.is_dir():
            raise OutputError(f"{out} is not a folder; --force replaces only report folders")
        cwd = Path.cwd().resolve()
        if _is_within(cwd, resolved):
            raise OutputError(f"{out} is the current folder or holds it; --force will not replace it")
        for source in inputs:
            if _is_within(Path(source).resolve(), resolved):
                raise OutputError(f"{out} holds the input {source}; --force will not replace it")
        problem = _problems(resolved, out)
        if problem:
            raise OutputError(problem)
    if not parent.exists():
        raise OutputError(f"cannot write {out}: its parent folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {out}: folder {parent} is not writable")
    return exists


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(parent: Path, name: str) -> list[Path]:
    """Removes the hidden folders earlier reports to `name` left in `parent`
    when they were killed (SIGKILL, a power cut): those whose process is
    gone. Returns what it removed."""
    pattern = re.compile(re.escape(f".{name}.{TEMP_TAG}-") + r"(\d+)-.+")
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if m and entry.is_dir() and not entry.is_symlink() and not _pid_alive(int(m[1])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _temp_folder(parent: Path, name: str, kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{name}.{TEMP_TAG}-{os.getpid()}-{kind}-", dir=parent))


def write_folder(out: Path, write: Callable[[Path], list[Path]], replace: bool = False) -> list[Path]:
    """Calls `write(staging)` in a fresh hidden folder beside `out`, adds the
    marker, then publishes it at `out`: a new folder, or with `replace` (the
    earlier report folder check_replaceable accepted) in its place. A
    failure or an interruption leaves `out` as it was and nothing beside
    it. Returns the paths written, under `out`."""
    parent = out.resolve().parent
    remove_stale(parent, out.name)
    try:
        staging = _temp_folder(parent, out.name, "new")
    except OSError as e:
        raise OutputError(f"cannot write {out}: {e.strerror or e}") from None
    old = None
    claimed = False
    try:
        written = write(staging)
        names = sorted({str(Path(p).relative_to(staging)) for p in written})
        marker = {"tool": "locality-report", "files": names, "sha256": {n: _sha256(staging / n) for n in names}}
        (staging / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        # mkdtemp makes the folder 0700; a report is shared like the result
        # files beside it, so it gets the mode a plain mkdir would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        # No signal interrupts the publishing, and none starts it after a stop
        with publishing():
            if replace:
                old = _temp_folder(parent, out.name, "old")
                os.rename(out, old / "report")
                # What was moved aside is checked again: a file written or
                # edited since the first check is not deleted.
                problem = _problems(old / "report", out)
                if problem:
                    os.rename(old / "report", out)
                    raise OutputError(problem.replace("--force will not", "it changed while the report was "
                                                      "written; --force will not"))
            try:
                os.mkdir(out)
            except FileExistsError:
                raise OutputError(f"{out} appeared while the report was being written; nothing was replaced "
                                  "(run again, or give another -o)") from None
            claimed = True
            try:
                os.rename(staging, out)  # over the empty folder just made, and only over that
            except OSError as e:
                if e.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
                    claimed = False  # someone else's content is in it now: leave it
                    raise OutputError(f"{out} was filled by someone else while the report was being published; "
                                      "nothing was replaced") from None
                raise
            claimed = False
    except BaseException:
        if claimed:
            try:
                os.rmdir(out)  # empty: it was made here and holds nothing
            except OSError:
                pass
        if old is not None and (old / "report").exists() and not out.exists():
            os.rename(old / "report", out)
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not (old / "report").exists():
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [out / Path(p).relative_to(staging) for p in written]
