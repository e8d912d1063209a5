"""Which folder an ingest job may read: a path relative to ACCORDS_INGEST_ROOT that stays inside it.

Why so strict: the path comes over HTTP, and the service may read files no admin should get into the
store (its own config, keys, other users' data). A request names a relative path; `..` anywhere, an
absolute path (POSIX or Windows-looking) and a NUL byte are refused as written, and then the path's real
location (every symlink followed) must lie inside the root's real location, so a symlink inside the root
cannot lead out. What the job then walks is the resolved folder; the folder walk itself (`discover`)
does not follow symlinked folders, nor symlinked files that lead outside the folder.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:|[\\/]{2})")


class PathRefused(ValueError):
    """The requested path is not an acceptable folder under the ingest root; the message says why."""


def resolve_under(root: Path, requested: str) -> tuple[str, Path]:
    """(the path as the job shows it, its real location) for `requested` under `root`."""
    if "\x00" in requested:
        raise PathRefused("the path contains a NUL character")
    text = requested.strip().replace("\\", "/") or "."
    relative = PurePosixPath(text)
    if relative.is_absolute() or _WINDOWS_ABSOLUTE.match(requested.strip()):
        raise PathRefused(f"{requested!r} is absolute; give a path relative to the ingest root")
    if ".." in relative.parts:
        raise PathRefused(f"{requested!r} contains '..'; give a path inside the ingest root")
    real_root = root.resolve(strict=True)
    try:
        real = real_root.joinpath(*relative.parts).resolve(strict=True)
    except FileNotFoundError:
        raise PathRefused(f"no file or folder {relative.as_posix()!r} under the ingest root") from None
    except (OSError, RuntimeError) as error:  # a symlink loop, a name too long
        raise PathRefused(f"{relative.as_posix()!r} cannot be resolved: {error}") from None
    if not real.is_relative_to(real_root):
        raise PathRefused(f"{relative.as_posix()!r} leads outside the ingest root (through a symlink)")
    return relative.as_posix(), real
