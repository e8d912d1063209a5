"""Alembic's migrations of the owner store, run at start-up by `service.owner.database.upgrade`."""
