"""Where the site keys and admin keys are kept: a JSON file in the data dir, or Redis for a fleet.

The records are plain JSON objects here; what they mean (origins, rates, admin secrets' hashes) is
`service.access.sitekeys`'s business. Both stores serve the same three calls, all synchronous because the
access checks that read them are: `signature()` (cheap: has anything changed?), `read()` and
`update(change)` (read, change and write back atomically).

- `FileKeyRecords` (one machine): writes are atomic (temp file + `os.replace`) and a file lock serializes
  concurrent `accords keys` commands; the signature is the file's mtime, size and inode.
- `RedisKeyRecords` (replicas on any number of machines): the same JSON document as the file under one
  key, and a version counter, written in one optimistic transaction (WATCH/MULTI). A service process
  reads a mirror that `sync()` refreshes on the keys signal and every second (`service.shared`), so a
  key created or revoked anywhere holds on every replica within a second (within milliseconds while the
  signal flows), and a check never waits on Redis; if Redis is away, the last keys read stay in force.
  Writes (`accords keys`, the admin API from a worker thread) go to Redis directly, on a connection of
  their own, and a service's own mirror holds them at once.
- Moving a deployment from the file to Redis: a key file found in the data dir while Redis holds no keys
  is imported once (`SET NX`, so of replicas starting together only one imports) and renamed to
  `site-keys.json.imported`, so that a key revoked later in Redis can never come back from it. While
  Redis holds keys, a key file is not read, and the service says so.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from filelock import FileLock
from redis.exceptions import WatchError

from service.shared.link import UNAVAILABLE, Link, connect, where
from service.shared.signals import CHANNEL, KEYS

log = logging.getLogger(__name__)
T = TypeVar("T")
DIRECT_TIMEOUT_S = 2.0  # `accords keys`: a command, not a request path, may wait longer
Record = dict[str, Any]
Change = Callable[[list[Record]], list[Record]]
RECORDS, VERSION = "accords:keys", "accords:keys:version"
IMPORTED_SUFFIX = ".imported"


class KeyRecordsUnavailable(Exception):
    """The records cannot be read (a broken file, Redis down); a writer never overwrites them then."""


class KeyRecords(Protocol):
    where: str  # for messages

    def signature(self) -> Hashable | None: ...

    def read(self) -> list[Record]: ...

    def update(self, change: Change) -> None: ...


class FileKeyRecords:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def signature(self) -> Hashable | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def read(self) -> list[Record]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            records = data["keys"]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise KeyRecordsUnavailable(str(error)) from error
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise KeyRecordsUnavailable("`keys` is not a list of records")
        return records

    def update(self, change: Change) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock", timeout=10):
            payload = {"version": 1, "keys": change(self.read())}
            handle, temp = tempfile.mkstemp(prefix=".site-keys-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    json.dump(payload, file, indent=2)
                    file.write("\n")
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temp, self.path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise


class RedisKeyRecords:
    """`link` given: a service's mirror, kept by `sync()`; None: `accords keys`, straight to Redis."""

    def __init__(
        self,
        url: str,
        link: Link | None = None,
        connector: Callable[[str, float], Any] = connect,
        key_file: Path | None = None,
    ) -> None:
        """`connector(url, timeout)` makes the writes' own clients (fakeredis in unit tests); `key_file`:
        the data dir's key file, imported by `adopt` while Redis holds no keys."""
        self.url, self._link, self._connect, self.key_file = url, link, connector, key_file
        self.where = f"redis ({where(url)})"
        self._version: str | None = None
        self._records: list[Record] = []

    def signature(self) -> Hashable | None:
        if self._link is not None:
            return self._version
        return self._direct(_fetch_version)

    def read(self) -> list[Record]:
        if self._link is not None:
            return list(self._records)
        return self._direct(_fetch_records)

    async def sync(self) -> None:
        """Re-read the records if their version changed; keep the last ones if Redis does not answer."""
        assert self._link is not None, "only a service's records are mirrored"
        client = self._link.client

        async def fetch() -> tuple[str, list[Record]] | None:
            version = await _fetch_version(client)
            return None if version == self._version else (version, await _fetch_records(client))

        try:
            fetched = await self._link.call("keys", fetch, None)
        except KeyRecordsUnavailable as error:  # a hand-written record: keep the keys read before
            log.error("%s; keeping the %d keys read before", error, len(self._records))
            return
        if fetched is not None:
            self._version, self._records = fetched

    async def adopt(self) -> int:
        """Import the key file into a Redis that holds no keys yet (see the module's note); how many keys
        were imported. On a service's link: a Redis that does not answer imports nothing now."""
        if self.key_file is None or not self.key_file.exists():
            return 0
        file = self.key_file
        if self._link is None:
            try:
                return await _adopt(self._connect(self.url, DIRECT_TIMEOUT_S), file, self.where, close=True)
            except UNAVAILABLE as error:  # the command's own call then says it cannot reach Redis
                log.warning("%s not imported: cannot reach %s: %s", file, self.where, error)
                return 0
        client = self._link.client
        return await self._link.call("keys", lambda: _adopt(client, file, self.where), 0)

    def update(self, change: Change) -> None:
        """Read, change and write the records in one optimistic transaction (retried on a conflict).

        Blocking, on a connection of its own: call it from a thread without an event loop (`accords keys`,
        or a route's worker thread); a service's own mirror then holds the change at once."""

        async def write(client: Any) -> tuple[str, list[Record]]:
            while True:
                async with client.pipeline(transaction=True) as pipe:
                    try:
                        await pipe.watch(RECORDS)
                        before = await _fetch_records(pipe)
                        after = change(before)
                        pipe.multi()
                        pipe.set(RECORDS, json.dumps({"version": 1, "keys": after}))
                        pipe.incr(VERSION)
                        pipe.publish(CHANNEL, KEYS)
                        *_, version, _ = await pipe.execute()
                        return str(version), after
                    except WatchError:
                        continue  # another `accords keys` wrote meanwhile: read and change again

        version, after = self._direct(write)
        if self._link is not None:
            self._version, self._records = version, after

    def _direct(self, operation: Callable[[Any], Awaitable[T]]) -> T:
        """`operation(client)` on a client and an event loop of its own (`accords keys` has neither)."""

        async def run() -> T:
            client = self._connect(self.url, DIRECT_TIMEOUT_S)
            try:
                return await operation(client)
            finally:
                await client.aclose()

        try:
            return asyncio.run(run())
        except UNAVAILABLE as error:
            raise KeyRecordsUnavailable(f"cannot reach {self.where}: {error}") from error


async def _adopt(client: Any, file: Path, where_to: str, close: bool = False) -> int:
    try:
        records = FileKeyRecords(file).read()
        imported = await client.set(RECORDS, json.dumps({"version": 1, "keys": records}), nx=True)
        if not imported:
            log.warning("%s is not read: the keys live in %s (`accords keys` manages them)", file, where_to)
            return 0
        await client.incr(VERSION)
        await client.publish(CHANNEL, KEYS)
    except KeyRecordsUnavailable as error:
        log.error("%s cannot be imported into %s: %s", file, where_to, error)
        return 0
    finally:
        if close:
            await client.aclose()
    target = file.with_name(file.name + IMPORTED_SUFFIX)
    os.replace(file, target)
    log.warning("imported %d keys from %s into %s; the file is now %s", len(records), file, where_to, target)
    return len(records)


async def _fetch_version(client: Any) -> str:
    return str(await client.get(VERSION) or "0")


async def _fetch_records(client: Any) -> list[Record]:
    raw = await client.get(RECORDS)
    if raw is None:
        return []
    try:
        records = json.loads(raw)["keys"]
    except (ValueError, KeyError, TypeError) as error:
        raise KeyRecordsUnavailable(f"the keys in Redis are not a key file's JSON: {error}") from error
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise KeyRecordsUnavailable("the keys in Redis are not a list of records")
    return records
