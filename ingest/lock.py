"""One writer at a time per data dir: the embedded store is not safe for two writing processes.

An OS file lock (released by the kernel if the holder is killed, so a `kill -9` never leaves a stale
lock behind) taken without waiting: a second writer is told at once instead of queueing silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from ingest.settings import StoreSettings


class WriterBusy(RuntimeError):
    """Another process is writing to the same store."""


@contextmanager
def writer_lock(settings: StoreSettings) -> Iterator[None]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.lock_path), timeout=0)
    try:
        lock.acquire()
    except Timeout as err:
        holder = _holder(settings)
        raise WriterBusy(
            f"another ingest is writing to {settings.data_dir.resolve()}{holder}; "
            "wait for it to finish (only one writer at a time)"
        ) from err
    try:
        _record_holder(settings)
        yield
    finally:
        lock.release()


def _record_holder(settings: StoreSettings) -> None:
    settings.lock_path.with_suffix(".pid").write_text(str(os.getpid()), encoding="utf-8")


def _holder(settings: StoreSettings) -> str:
    try:
        return f" (process {settings.lock_path.with_suffix('.pid').read_text(encoding='utf-8').strip()})"
    except OSError:
        return ""
