"""A best-effort writer lease kept in the store itself, for writers that do not share a data dir.

The file lock (`lock.py`) serialises the writers of one data dir, i.e. of one machine. With a Chroma
server, writers on other machines (or with another data dir) share the collections but not the lock
file, and two concurrent writers can break the store's consistency (one's garbage collection may delete
the other's not yet committed passages). So in server mode the writer also takes a lease: a `writer`
record in `<collection>-state` naming the holder (host, pid, data dir) with an expiry, renewed on a
background thread while the ingest runs and deleted at its end.

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

from ingest.lock import WriterBusy
from ingest.settings import StoreSettings
from ingest.store import ChunkStore

log = logging.getLogger(__name__)
KEY = "writer"
TTL_S = 30.0
_RENEW_S = TTL_S / 3
_SETTLE_S = 0.3  # between writing the lease and reading it back


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
