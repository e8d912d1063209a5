"""Site keys: public keys that let a web page embed the chat widget, each bound to the origins it may
be used from and to a request rate.

A public key is not a secret — it sits in the HTML of every page that embeds the widget — and grants
nothing but chat, from its origins, at its rate. Keys are few, change rarely and are created by an
operator (`accords keys create`, the admin API) while the service runs. They live in one JSON file in the
data dir, or, with ACCORDS_REDIS_URL, in Redis, so replicas on several machines agree
(`service.shared.keys` keeps either; this module says what a record means):

- writes are atomic (temp file + `os.replace` and a file lock; a Redis transaction), so a reader never
  sees half a change, and concurrent `accords keys` commands do not lose each other's keys;
- the service re-reads the keys when they change (checked at most once per `check_interval`), so a new
  or revoked key takes effect without a restart; unreadable keys leave the last good ones in force.

Revoked keys stay in the file (with `revoked_at`) so `accords keys list --all` can still show them.
Records carry a `kind`: "public" for site keys, "admin" for the admin API's keys, which are secrets and
are stored only as a salted hash (`service.access.adminkeys`); neither kind is ever accepted as the other.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from service.access import adminkeys
from service.access.origins import normalize_origin
from service.access.ratelimit import normalize_rate
from service.shared import FileKeyRecords, KeyRecords, KeyRecordsUnavailable

log = logging.getLogger(__name__)
PREFIX = "pk_"
FILE_NAME = "site-keys.json"


class KeyFileError(Exception):
    """The key file exists but cannot be read as a key file; it is never overwritten then."""


@dataclass(frozen=True, slots=True)
class SiteKey:
    key: str
    origins: tuple[str, ...]
    rate: str | None  # None: the service's default (ACCORDS_SITE_KEY_RATE)
    created_at: str
    revoked_at: str | None = None
    kind: str = "public"
    label: str | None = None  # admin keys: a note on who uses the key
    salt: str | None = None  # admin keys: the salted hash of the secret, never the secret itself
    secret_hash: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SiteKey:
        origins = data.get("origins")
        if not isinstance(data.get("key"), str) or not isinstance(origins, list):
            raise ValueError("a key record needs `key` and `origins`")
        rate, revoked = data.get("rate"), data.get("revoked_at")
        return cls(
            key=str(data["key"]),
            origins=tuple(normalize_origin(str(origin)) for origin in origins),
            rate=normalize_rate(rate) if isinstance(rate, str) else None,
            created_at=str(data.get("created_at", "")),
            revoked_at=str(revoked) if revoked is not None else None,
            kind=str(data.get("kind", "public")),
            label=_text(data.get("label")),
            salt=_text(data.get("salt")),
            secret_hash=_text(data.get("secret_hash")),
        )

    def to_json(self) -> dict[str, object]:
        data = {**asdict(self), "origins": list(self.origins)}
        return {name: value for name, value in data.items() if value is not None or name not in _ADMIN_FIELDS}


_ADMIN_FIELDS = ("label", "salt", "secret_hash")  # left out of public keys' records


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def new_key_id() -> str:
    return PREFIX + secrets.token_urlsafe(18)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SiteKeyStore:
    def __init__(
        self,
        path: Path,
        check_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        records: KeyRecords | None = None,
    ) -> None:
        """`records`: where the keys are kept (Redis); None = the JSON file at `path`."""
        self.path = path
        self._records: KeyRecords = records if records is not None else FileKeyRecords(path)
        self._interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, SiteKey] = {}
        self._origins: frozenset[str] = frozenset()
        self._signature: Hashable | None = None
        self._checked: float | None = None

    # ------------------------------------------------------------------ reading (the service)

    def get(self, key: str) -> SiteKey | None:
        """The active public key with this id, or None (unknown, revoked or not a public key)."""
        self.refresh()
        found = self._keys.get(key)
        return found if found is not None and found.active and found.kind == "public" else None

    def admin_key(self, secret: str) -> SiteKey | None:
        """The active admin key whose secret this is, or None (unknown, revoked, wrong secret)."""
        key_id = adminkeys.key_id_of(secret)
        if key_id is None:
            return None
        self.refresh()
        found = self._keys.get(key_id)
        if found is None or not found.active or found.kind != "admin":
            return None
        return found if adminkeys.matches(secret, found.salt, found.secret_hash) else None

    def allowed_origins(self) -> frozenset[str]:
        """Every origin some active public key allows: what a CORS preflight may be answered for."""
        self.refresh()
        return self._origins

    def keys(self) -> list[SiteKey]:
        """Every key in the file, revoked ones included; KeyFileError when it cannot be read."""
        return self._read()

    def refresh(self, force: bool = False) -> None:
        """Re-read the file if it changed since the last read, at most once per check interval."""
        now = self._clock()
        with self._lock:
            if not force and self._checked is not None and now - self._checked < self._interval:
                return
            self._checked = now
            try:
                signature = self._stat()
                if signature == self._signature:
                    return
                keys = self._read()
            except KeyFileError as error:
                log.error("%s; keeping the %d keys read before", error, len(self._keys))
                return
            self._signature = signature
            self._keys = {k.key: k for k in keys}
            self._origins = frozenset(o for k in keys if k.active and k.kind == "public" for o in k.origins)

    def _stat(self) -> Hashable | None:
        try:
            return self._records.signature()
        except KeyRecordsUnavailable as error:
            raise KeyFileError(f"cannot read the site keys in {self._records.where}: {error}") from error

    def _read(self) -> list[SiteKey]:
        try:
            return self._parse(self._records.read())
        except KeyRecordsUnavailable as error:
            raise KeyFileError(f"cannot read the site keys in {self._records.where}: {error}") from error

    def _parse(self, records: list[dict[str, object]]) -> list[SiteKey]:
        try:
            return [SiteKey.from_json(record) for record in records]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise KeyFileError(f"cannot read the site keys in {self._records.where}: {error}") from error

    # ------------------------------------------------------------------ writing (`accords keys`)

    def create(self, origins: Iterable[str], rate: str | None = None) -> SiteKey:
        """A new public key for these origins (normalized; InvalidOrigin/ValueError when not valid)."""
        normalized = tuple(dict.fromkeys(normalize_origin(origin) for origin in origins))
        if not normalized:
            raise ValueError("a site key needs at least one origin")
        key = SiteKey(
            key=new_key_id(),
            origins=normalized,
            rate=normalize_rate(rate) if rate is not None else None,
            created_at=_now(),
        )
        self._update(lambda keys: [*keys, key])
        return key

    def create_admin(self, label: str | None = None) -> tuple[SiteKey, str]:
        """A new admin key and its secret, which is returned this once and stored only hashed."""
        new = adminkeys.new_admin_key()
        key = SiteKey(
            key=new.key_id,
            origins=(),
            rate=None,
            created_at=_now(),
            kind="admin",
            label=label.strip() if label and label.strip() else None,
            salt=new.salt,
            secret_hash=new.digest,
        )
        self._update(lambda keys: [*keys, key])
        return key, new.secret

    def revoke(self, key_id: str) -> SiteKey | None:
        """Revoke a key by its id (an admin key's whole secret works too); idempotent; None when unknown."""
        key_id = adminkeys.key_id_of(key_id) or key_id
        revoked: list[SiteKey] = []

        def change(keys: list[SiteKey]) -> list[SiteKey]:
            out = []
            for key in keys:
                if key.key == key_id:
                    key = key if not key.active else replace(key, revoked_at=_now())
                    revoked.append(key)
                out.append(key)
            return out

        self._update(change)
        return revoked[0] if revoked else None

    def _update(self, change: Callable[[list[SiteKey]], list[SiteKey]]) -> None:
        """Read, change and write the keys atomically (a file lock; a Redis transaction)."""
        try:
            self._records.update(lambda records: [key.to_json() for key in change(self._parse(records))])
        except KeyRecordsUnavailable as error:
            raise KeyFileError(f"cannot read the site keys in {self._records.where}: {error}") from error
        self.refresh(force=True)
