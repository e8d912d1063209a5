"""Alembic's environment, driven from code (`service.owner.database.upgrade`): the caller opens the
connection (inside its transaction, after taking the migration lock) and hands it over; there is no
alembic.ini and no offline mode."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from service.owner.tables import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run the owner store's migrations with `accords db upgrade` (they need a connection)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
