"""The owner store's tests run against both databases it supports: SQLite in a temp dir and a real
PostgreSQL server started for the session (`postgres_server`, tests/conftest.py), a fresh database each."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import PostgresServer
from service.owner import OwnerStore, open_owner_store
from service.settings import Settings
from tests.service.conftest import service_settings

DATABASES = ("sqlite", "postgresql")
_numbers = itertools.count(1)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: a SQLite file in the test's temp dir, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'owner-test.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"owner_{next(_numbers)}")


@pytest.fixture
def owner_settings(database_url: str, tmp_path: Path) -> Settings:
    return service_settings(tmp_path / "data", database_url=database_url, question_log=True)


@pytest.fixture
def owner(owner_settings: Settings) -> Iterator[OwnerStore]:
    store = open_owner_store(owner_settings)
    try:
        yield store
    finally:
        store.close()
