"""Give the memory a lexical index rebuild freed back to the operating system.

Why: a rebuild fetches every changed passage with its metadata (sentence vectors: ~10 times the text),
tokenizes it and drops it. glibc keeps most of what Python frees in its arenas, so at 100,000 passages a
service process held ~350 MB it no longer used, and its peak grew with every group fetched. `malloc_trim`
returns free pages at the cost of a few milliseconds. Elsewhere than glibc (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory() -> bool:
    """True when the C library was asked to give free memory back."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
