"""Ingest jobs' status and history as every replica sees it: a board of job records (plain JSON objects).

The replica that runs a job keeps the live `Job` (`service.admin.jobs`) and posts its record here when it
starts and whenever it changes (`service.admin.jobs.mirror_jobs`, every `MIRROR_S`); any replica then
answers `GET /admin/ingest-jobs/{id}` for it. In memory (one process) the board holds what this process
posted; in Redis it is a hash of records plus a sorted set by creation time, trimmed to the last `KEEP`.
When Redis does not answer, a replica still answers for its own jobs and 404 for the others'.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, Protocol

from service.shared.link import Link

KEEP = 50  # jobs remembered
RECORDS, ORDER = "accords:jobs", "accords:jobs:order"
Record = dict[str, Any]


class JobBoard(Protocol):
    async def post(self, record: Record) -> bool:
        """Store (or replace) a job's record (it needs an `id`); False when the board did not answer."""
        ...

    async def get(self, job_id: str) -> Record | None: ...

    async def recent(self) -> list[Record]:
        """The last `KEEP` jobs' records, newest first."""
        ...


class MemoryJobBoard:
    def __init__(self, keep: int = KEEP) -> None:
        self._records: OrderedDict[str, Record] = OrderedDict()
        self._keep = keep

    async def post(self, record: Record) -> bool:
        job_id = str(record["id"])
        if job_id not in self._records:
            self._records[job_id] = record
            while len(self._records) > self._keep:
                self._records.popitem(last=False)
        self._records[job_id] = record
        return True

    async def get(self, job_id: str) -> Record | None:
        return self._records.get(job_id)

    async def recent(self) -> list[Record]:
        return list(reversed(self._records.values()))


class RedisJobBoard:
    def __init__(self, link: Link, keep: int = KEEP) -> None:
        self._link = link
        self._keep = keep

    async def post(self, record: Record) -> bool:
        job_id = str(record["id"])
        client = self._link.client

        async def write() -> bool:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(RECORDS, job_id, json.dumps(record)).zadd(ORDER, {job_id: time.time()}, nx=True)
                pipe.zrange(ORDER, 0, -self._keep - 1)
                *_, old = await pipe.execute()
            if old:
                async with client.pipeline(transaction=True) as pipe:
                    await pipe.hdel(RECORDS, *old).zrem(ORDER, *old).execute()
            return True

        return await self._link.call("jobs", write, False)

    async def get(self, job_id: str) -> Record | None:
        async def read() -> str | None:
            raw = await self._link.client.hget(RECORDS, job_id)
            return None if raw is None else str(raw)

        raw = await self._link.call("jobs", read, None)
        return _decoded(raw) if raw is not None else None

    async def recent(self) -> list[Record]:
        async def read() -> list[str]:
            ids = await self._link.client.zrevrange(ORDER, 0, self._keep - 1)
            if not ids:
                return []
            return [str(raw) for raw in await self._link.client.hmget(RECORDS, ids) if raw is not None]

        nothing: list[str] = []
        found = await self._link.call("jobs", read, nothing)
        return [record for record in map(_decoded, found) if record is not None]


def _decoded(raw: str) -> Record | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None
