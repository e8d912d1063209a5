"""What the admin use cases share: their settings, the key store, the writer and the job list.

Opened by the runtime (`service.runtime`) with everything else the lifespan owns; routes reach it
through `service.deps.AdminStateDep`. `AdminError` is the HTTP layer's `ApiError`, kept under this name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.embedders import Embedder
from ingest.store import ChunkStore
from service.access import AdminGate, SiteKeyStore
from service.admin.jobs import Jobs
from service.admin.writer import Writer
from service.http.errors import ApiError as AdminError
from service.retrieval.view import StoreView
from service.settings import Settings
from service.shared import JobBoard, MemoryJobBoard


@dataclass(slots=True)
class AdminState:
    settings: Settings
    keys: SiteKeyStore  # read on every admin request, so a revoked admin key is refused at once
    writer: Writer
    jobs: Jobs
    store: ChunkStore
    embedder: Embedder
    view: StoreView  # caught up after every write, so an answer after the reply sees the change
    board: JobBoard = field(default_factory=MemoryJobBoard)  # every replica's jobs (`service.shared`)

    @property
    def gate(self) -> AdminGate:
        """Who may call the admin API: ACCORDS_ADMIN_TOKEN or an admin key of `keys`."""
        return AdminGate(self.settings.admin_token, self.keys)


__all__ = ["AdminError", "AdminState"]
