"""The writer guard: one writer at a time, because the store is not safe for two writing processes
(see `ingest.store.chunk_store`).

The file lock: an OS file lock in the data dir (released by the kernel if the holder is killed, so a
`kill -9` never leaves a stale lock behind) taken without waiting: a second writer is told at once instead
of queueing silently. It covers every writer that shares the data dir, i.e. on one machine.

The lease: with a Chroma server (`chroma_url`), writers on other machines (or with another data dir)
share the collections but not the lock file, and two concurrent writers can break the store's consistency
(one's garbage collection may delete the other's not yet committed passages). So in server mode the guard
also takes a lease: a `writer` record in `<collection>-state` naming the holder (host, pid, data dir) with
an expiry, renewed on a background thread while the ingest runs and deleted at its end.

Chroma has no compare-and-swap, so the lease is not airtight: after writing it, the writer waits a
moment and reads it back, and gives way if another writer overwrote it; two writers that start within
milliseconds of each other can still both go ahead. A lease whose holder was killed expires after
`TTL_S` seconds, or at once when the holder was on this host and its process is gone.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from filelock import FileLock, Timeout

from ingest.settings import StoreSettings
from ingest.store.chroma import open_client
from ingest.store.chunk_store import ChunkStore

log = logging.getLogger(__name__)
KEY = "writer"
TTL_S = 30.0
_RENEW_S = TTL_S / 3
_SETTLE_S = 0.3  # between writing the lease and reading it back


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
            store = ChunkStore(open_client(settings), settings.collection, None)  # reads and leases only
            with writer_lease(store, settings):
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


@contextmanager
def writer_lease(store: ChunkStore, settings: StoreSettings) -> Iterator[None]:
    token = uuid.uuid4().hex
    mine: dict[str, str | int | float] = {
        "token": token,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "data_dir": str(settings.data_dir.resolve()),
    }
    _refuse_if_held(store.state(KEY), settings)
    store.put_state(KEY, {**mine, "expires": time.time() + TTL_S})
    _settle()
    current = store.state(KEY)
    if not current or current.get("token") != token:
        _refuse_if_held(current, settings)
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(store, mine, stop), name="accords-lease", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        try:
            current = store.state(KEY)
            if current and current.get("token") == token:
                store.delete_state(KEY)
        except Exception as err:  # the lease then expires by itself
            log.warning("could not release the writer lease: %s", err)


def _settle() -> None:
    """Leave another writer that read no lease just before us the time to write its own."""
    time.sleep(_SETTLE_S)


def _refuse_if_held(lease: dict[str, Any] | None, settings: StoreSettings) -> None:
    if not lease or not _alive(lease):
        return
    raise WriterBusy(
        f"another ingest is writing to collection {settings.collection!r} on the Chroma server "
        f"(process {lease.get('pid')} on {lease.get('host')}, data dir {lease.get('data_dir')}); "
        "wait for it to finish (only one writer at a time)"
    )


def _alive(lease: dict[str, Any]) -> bool:
    if float(lease.get("expires", 0)) < time.time():
        return False
    if lease.get("host") != socket.gethostname():
        return True
    pid = int(lease.get("pid", 0))
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # killed on this host: no need to wait for the expiry
    except (PermissionError, OverflowError):
        return True
    return True


def _renew(store: ChunkStore, mine: dict[str, str | int | float], stop: threading.Event) -> None:
    while not stop.wait(_RENEW_S):
        try:
            store.put_state(KEY, {**mine, "expires": time.time() + TTL_S})
        except Exception as err:  # a writer whose store is gone fails on its own writes soon enough
            log.warning("could not renew the writer lease: %s", err)
