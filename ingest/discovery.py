"""Which files an ingest run covers, and the document id each one gets.

The id of a file found in a folder is its path relative to that folder without the suffix, so the
same corpus ingested from another machine or checkout yields the same ids; a file named directly gets
its stem. Hidden files and folder-description files (README, INDEX) are ignored; symlinks are
followed only when they stay inside the folders named on the command line. Only regular files are
candidates: a FIFO, socket or device is reported as skipped, since reading a FIFO blocks forever (the
loaders refuse them too, for a file swapped after this check).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path  # as found (may be a symlink inside a root)
    path_id: str
    root: Path | None  # resolved folder it was found under; None when named directly
    # Only for files handed in directly rather than found (the admin API's uploads, which live in a
    # staging folder under a name of the service's choosing): how records and outcomes name the file,
    # and metadata that wins over what the file states (see `records.apply_overrides`).
    source: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # reported, not ingested
    ignored: int = 0  # hidden and excluded files, counted only
    roots: list[Path] = field(default_factory=list)


class UsageError(ValueError):
    """The command line names something that cannot be ingested at all (exit code 2)."""


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def irregular_kind(mode: int) -> str | None:
    """None for a regular file, else what the `st_mode` says it is ("a named pipe (FIFO)", ...)."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _SPECIAL_KINDS if test(mode)), "a special file")


def _irregular(path: Path) -> str | None:
    """Why `path` (symlinks followed) is not a file to read, or None; a file gone by now is the
    loader's to report."""
    try:
        kind = irregular_kind(path.stat().st_mode)
    except OSError:
        return None
    return f"not a regular file: {kind}" if kind else None


def discover(paths: Sequence[Path], excludes: Iterable[str]) -> Discovery:
    patterns = tuple(excludes)
    found = Discovery()
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    roots = [path.resolve() for path in paths if path.is_dir()]
    found.roots = roots
    for path in paths:
        if path.is_dir():
            _walk(path, path.resolve(), roots, patterns, found)
        elif reason := _irregular(path):
            found.skipped.append((path, reason))
        else:
            found.candidates.append(Candidate(path=path, path_id=path.stem, root=None))
    return found


def _walk(folder: Path, root: Path, roots: list[Path], patterns: tuple[str, ...], found: Discovery) -> None:
    for current, dirnames, filenames in os.walk(folder, followlinks=False):
        current_path = Path(current)
        kept_dirs = []
        for name in sorted(dirnames):
            sub = current_path / name
            if name.startswith("."):
                continue
            if sub.is_symlink():
                found.skipped.append((sub, "symlinked folder not followed"))
                continue
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            file_path = current_path / name
            if name.startswith(".") or any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
                found.ignored += 1
                continue
            if file_path.is_symlink():
                target = file_path.resolve()
                if not target.exists():
                    found.skipped.append((file_path, "broken symlink"))
                    continue
                if not any(target.is_relative_to(allowed) for allowed in roots):
                    found.skipped.append((file_path, f"symlink leads outside the given folders ({target})"))
                    continue
            if reason := _irregular(file_path):
                found.skipped.append((file_path, reason))
                continue
            relative = file_path.relative_to(folder).with_suffix("")
            found.candidates.append(Candidate(path=file_path, path_id=relative.as_posix(), root=root))
