"""Where the owner store lives and how its schema is brought up to date.

SQLite in the data dir by default (`owner.db`, WAL mode so readers never wait for the writer, and a
30-second busy timeout for the moments two processes write at once); `ACCORDS_DATABASE_URL` for
PostgreSQL, which every replica shares (`postgresql://...` is read as psycopg 3's
`postgresql+psycopg://...`, the driver shipped with accords).

`upgrade` runs Alembic's migrations from code (no alembic.ini): at start-up, by the lifespan, and by
`accords db upgrade`. Replicas starting together must not migrate twice: on PostgreSQL a transaction-level
advisory lock serializes them (the DDL is transactional, so the second sees the new revision and does
nothing); on SQLite a file lock beside the database does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from service.settings import Settings

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_FILE = "owner.db"
CONNECT_TIMEOUT_S = 10  # a database host that does not answer fails start-up, not hangs it
MIGRATION_LOCK = 0x6163636F72647301  # "accords" + 1: the advisory lock id of `upgrade` on PostgreSQL


def database_url(settings: Settings) -> URL:
    """The configured URL, or SQLite in the data dir."""
    if settings.database_url is None:
        return URL.create("sqlite", database=str((settings.data_dir / SQLITE_FILE).resolve()))
    url = make_url(settings.database_url.get_secret_value())
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def open_engine(url: URL) -> Engine:
    """An engine for `url`; a SQLite file's folder is created, and its connections tuned (see above)."""
    if url.get_backend_name() != "sqlite":
        connect = {"connect_timeout": CONNECT_TIMEOUT_S} if url.get_backend_name() == "postgresql" else {}
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=connect)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _tune(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    with FileLock(f"{database}.migrate.lock", timeout=120):
        yield


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default), once however many processes ask at once."""
    config = _config()
    with _sqlite_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def describe(url: URL) -> str:
    """The URL for a log line or a message: the password hidden."""
    return url.render_as_string(hide_password=True)
