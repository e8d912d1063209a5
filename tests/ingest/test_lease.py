"""The writer lease that guards a Chroma server's collections against writers on other machines."""

from __future__ import annotations

import os
import socket
import time

import pytest

from ingest.store import ChunkStore, WriterBusy
from ingest.store import guard as lease
from service.settings import Settings


def holder(**values: str | int | float) -> dict[str, str | int | float]:
    return {
        "token": "t",
        "host": "elsewhere",
        "pid": 4242,
        "data_dir": "/srv/a",
        "expires": time.time() + 60,
        **values,
    }


def test_a_live_lease_from_another_host_refuses_naming_its_holder(
    fake_store: ChunkStore, settings: Settings
) -> None:
    fake_store.put_state(lease.KEY, holder())
    with pytest.raises(WriterBusy, match=r"process 4242 on elsewhere, data dir /srv/a"):
        with lease.writer_lease(fake_store, settings):
            pass
    assert (fake_store.state(lease.KEY) or {})["pid"] == 4242  # left alone


def test_an_expired_lease_or_a_dead_local_holder_is_taken_over(
    fake_store: ChunkStore, settings: Settings
) -> None:
    fake_store.put_state(lease.KEY, holder(expires=time.time() - 1))
    with lease.writer_lease(fake_store, settings):
        mine = fake_store.state(lease.KEY)
        assert mine and mine["pid"] == os.getpid() and mine["host"] == socket.gethostname()
    assert fake_store.state(lease.KEY) is None  # released
    dead = 2**22 + 12345  # above the default pid_max: no such process
    fake_store.put_state(lease.KEY, holder(host=socket.gethostname(), pid=dead))
    with lease.writer_lease(fake_store, settings):
        pass


def test_a_lease_taken_over_meanwhile_makes_the_writer_give_way(
    fake_store: ChunkStore, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers that both found no lease: the one whose record was overwritten backs off."""
    monkeypatch.setattr(lease, "_settle", lambda: fake_store.put_state(lease.KEY, holder()))
    with pytest.raises(WriterBusy):
        with lease.writer_lease(fake_store, settings):
            pass
