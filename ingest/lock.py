"""One writer at a time: the store is not safe for two writing processes (see `ingest.store`).

An OS file lock in the data dir (released by the kernel if the holder is killed, so a `kill -9` never
leaves a stale lock behind) taken without waiting: a second writer is told at once instead of queueing
silently. It covers every writer that shares the data dir, i.e. on one machine. With a Chroma server
(`chroma_url`), writers elsewhere share the collections but not the lock file, so the lock then also
takes a best-effort lease in the store itself (`ingest.lease`, which explains its limits).
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
        if settings.chroma_url:
            from ingest.lease import writer_lease  # imports this module
            from ingest.runtime import open_store

            with writer_lease(open_store(settings), settings):
                yield
        else:
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
