"""Site keys: public keys that let a web page embed the chat widget, each bound to the origins it may
be used from and to a request rate.

A public key is not a secret — it sits in the HTML of every page that embeds the widget — and grants
nothing but chat, from its origins, at its rate. Keys live in one JSON file in the data dir because they
are few, change rarely and are created by an operator (`accords keys create`) while the service runs:

- writes are atomic (temp file + `os.replace`), so a reader never sees half a file, and a file lock
  serializes concurrent `accords keys` commands;
- the service re-reads the file when it changes (checked at most once per `check_interval`), so a new
  or revoked key takes effect without a restart; a broken file keeps the last good keys in force.

Revoked keys stay in the file (with `revoked_at`) so `accords keys list --all` can still show them.
Records carry a `kind`: "public" for site keys, "admin" for the admin API's keys, which are secrets and
are stored only as a salted hash (`service.access.adminkeys`); neither kind is ever accepted as the other.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from service.access import adminkeys
from service.access.origins import normalize_origin
from service.access.ratelimit import normalize_rate

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
        self, path: Path, check_interval: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = path
        self._interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, SiteKey] = {}
        self._origins: frozenset[str] = frozenset()
        self._signature: tuple[int, int, int] | None = None
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
            signature = self._stat()
            if signature == self._signature:
                return
            try:
                keys = self._read()
            except KeyFileError as error:
                log.error("%s; keeping the %d keys read before", error, len(self._keys))
                return
            self._signature = signature
            self._keys = {k.key: k for k in keys}
            self._origins = frozenset(o for k in keys if k.active and k.kind == "public" for o in k.origins)

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _read(self) -> list[SiteKey]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [SiteKey.from_json(record) for record in data["keys"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise KeyFileError(f"cannot read the site keys in {self.path}: {error}") from error

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock", timeout=10):
            keys = change(self._read())
            payload = {"version": 1, "keys": [k.to_json() for k in keys]}
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
        self.refresh(force=True)
