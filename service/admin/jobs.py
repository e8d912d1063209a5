"""Ingest jobs: what `accords ingest FOLDER` does, started over HTTP and run by the service's writer.

A job's status goes queued -> running -> succeeded | failed. "succeeded" means the run completed: files
that could not be read are listed in `errors` with their reasons (as the CLI lists them) and counted in
`totals.failed`, and the rest went in. "failed" means the run itself could not complete: another process
held the writer lock, the store went away, or the service stopped (what was committed by then stays, and
the next ingest completes the rest). Jobs queue behind one another (and behind uploads) rather than being
refused, up to `MAX_QUEUED`; the last `KEEP` jobs are remembered, in memory (a restart forgets them, and
the store never depends on them). `mirror_jobs` posts each job's record to the shared job board
(`service.shared.jobs`) as it changes, so with ACCORDS_REDIS_URL every replica answers for every job.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ingest.summary import IngestSummary
from service.shared import JobBoard

log = logging.getLogger(__name__)
JobStatus = Literal["queued", "running", "succeeded", "failed"]
KEEP = 50
MAX_QUEUED = 10
MIRROR_S = 0.25  # how often a running job's progress reaches the shared board


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class TooManyJobs(RuntimeError):
    pass


class Job:
    """One job's record, updated from the writer thread (it is also the run's progress sink)."""

    def __init__(self, path: str, prune: bool, root: Path) -> None:
        self.id = "job_" + uuid.uuid4().hex[:16]
        self.path, self.prune, self._root = path, prune, root
        self.status: JobStatus = "queued"
        self.created_at, self.started_at, self.finished_at = _now(), "", ""
        self._total: int | None = None
        self._done = self._chunks = 0
        self._totals: dict[str, Any] | None = None
        self._errors: list[dict[str, Any]] = []
        self._error: str | None = None
        self._lock = threading.Lock()

    def begin(self) -> None:
        with self._lock:
            self.status, self.started_at = "running", _now()

    def start(self, documents: int) -> None:
        with self._lock:
            self._total = documents

    def advance(self, documents: int, chunks: int) -> None:
        with self._lock:
            self._done += documents
            self._chunks += chunks

    def settle(self, future: Future[IngestSummary]) -> None:
        """Record how the run ended (a done-callback of the writer's future)."""
        error = None if future.cancelled() else future.exception()
        with self._lock:
            self.finished_at = _now()
            if future.cancelled():
                self.status, self._error = "failed", "the service stopped before the job began"
            elif error is not None:
                self.status, self._error = "failed", str(error) or type(error).__name__
            else:
                summary = future.result()
                self.status = "succeeded"
                self._totals = {**summary.totals(), "pruned": summary.pruned, "emptied": summary.emptied}
                self._errors = [
                    {"path": self._shown(o.path), "status": o.status, "reason": o.reason}
                    for o in summary.outcomes
                    if o.status in ("failed", "skipped")
                ]

    def _shown(self, path: str) -> str:
        """A file's path relative to the ingest root, as the job's request named things."""
        try:
            return Path(path).relative_to(self._root).as_posix()  # as found: a symlink is not followed
        except ValueError:
            return path

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "id": self.id,
                "status": self.status,
                "path": self.path,
                "prune": self.prune,
                "created_at": self.created_at,
                "started_at": self.started_at or None,
                "finished_at": self.finished_at or None,
                "progress": {
                    "documents_total": self._total,
                    "documents_done": self._done,
                    "chunks_embedded": self._chunks,
                },
                "totals": self._totals,
                "errors": list(self._errors),
                "error": self._error,
            }


class Jobs:
    def __init__(self, keep: int = KEEP, max_queued: int = MAX_QUEUED) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep, self._max_queued = keep, max_queued
        self._lock = threading.Lock()

    def add(self, path: str, prune: bool, root: Path) -> Job:
        with self._lock:
            if sum(1 for job in self._jobs.values() if job.status == "queued") >= self._max_queued:
                raise TooManyJobs(f"{self._max_queued} ingest jobs are already waiting; try again later")
            job = Job(path, prune, root)
            self._jobs[job.id] = job
            finished = [key for key, old in self._jobs.items() if old.status in ("succeeded", "failed")]
            for key in finished[: max(len(self._jobs) - self._keep, 0)]:
                del self._jobs[key]
            return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))


async def mirror_jobs(jobs: Jobs, board: JobBoard, every: float = MIRROR_S) -> None:
    """Post every local job's record to `board` whenever it changed, until cancelled."""
    posted: dict[str, dict[str, Any]] = {}
    while True:
        try:
            for job in jobs.recent():
                record = job.describe()
                if posted.get(job.id) != record and await board.post(record):  # else: again next time
                    posted[job.id] = record
            for gone in set(posted) - {job.id for job in jobs.recent()}:
                del posted[gone]
        except Exception:  # never let one bad record stop the mirror
            log.exception("could not post the ingest jobs to the shared board")
        await asyncio.sleep(every)


async def find_job(jobs: Jobs, board: JobBoard, job_id: str) -> dict[str, Any] | None:
    """A job's record: this process's own, else the board's (another replica's job)."""
    job = jobs.get(job_id)
    return job.describe() if job is not None else await board.get(job_id)


async def recent_jobs(jobs: Jobs, board: JobBoard) -> list[dict[str, Any]]:
    """The last `KEEP` jobs of every replica, newest first (this process's own records are the freshest)."""
    records = {str(record.get("id")): record for record in await board.recent()}
    records.update((job.id, job.describe()) for job in jobs.recent())
    newest = sorted(records.values(), key=lambda record: str(record.get("created_at", "")), reverse=True)
    return newest[:KEEP]
