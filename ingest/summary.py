"""What an ingest run did, per file and in total: the CLI prints it, the admin API returns it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["added", "updated", "unchanged", "failed", "skipped"]


@dataclass(slots=True)
class FileOutcome:
    path: str
    status: Status
    doc_id: str | None = None
    chunks: int = 0
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IngestSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)  # ids whose file is gone (--prune)
    emptied: list[str] = field(default_factory=list)  # ids whose file now yields no passage
    ignored: int = 0
    chunks_written: int = 0
    embeddings: int = 0
    orphans_removed: int = 0
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def deleted(self) -> int:
        return len(self.pruned) + len(self.emptied)

    def totals(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "deleted": self.deleted,
            "failed": self.failed,
            "skipped": self.count("skipped"),
            "ignored": self.ignored,
            "chunks": self.chunks_written,
            "embeddings": self.embeddings,
            "orphans_removed": self.orphans_removed,
            "seconds": round(self.seconds, 3),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            **self.totals(),
            "pruned": self.pruned,
            "emptied": self.emptied,
            "files": [asdict(outcome) for outcome in self.outcomes if outcome.status != "unchanged"],
        }
