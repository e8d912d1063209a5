"""Admin keys: bearer secrets for the admin API, shown once and stored only as salted hashes.

Why they differ from site keys: a site key is public (it sits in every page's HTML) and is stored as
is; an admin key can replace or delete every document, so the key file must never be enough to use
one. A key reads `ak_<12 hex>_<43 url-safe characters>`: the first part is its id (what `accords keys
list` shows and `revoke` takes), the whole string is the secret (256 random bits after the id).

The file keeps a random salt and HMAC-SHA256(salt, key). A slow password hash (bcrypt, scrypt) would
add nothing: there is no dictionary to try against 256 random bits, and it would cost every admin
request tens of milliseconds. Comparison is constant-time (`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "ak_"
_SHAPE = re.compile(r"^(ak_[0-9a-f]{12})_[A-Za-z0-9_-]{43,}$")


@dataclass(frozen=True, slots=True)
class NewAdminKey:
    key_id: str
    secret: str  # printed once, never stored
    salt: str
    digest: str


def new_admin_key() -> NewAdminKey:
    key_id = PREFIX + secrets.token_hex(6)
    secret = f"{key_id}_{secrets.token_urlsafe(32)}"
    salt = secrets.token_hex(16)
    return NewAdminKey(key_id=key_id, secret=secret, salt=salt, digest=digest(salt, secret))


def key_id_of(secret: str) -> str | None:
    """The id inside an admin key, or None when `secret` does not look like one."""
    match = _SHAPE.match(secret)
    return match.group(1) if match else None


def digest(salt: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode("utf-8"), hashlib.sha256).hexdigest()


def matches(secret: str, salt: str | None, stored: str | None) -> bool:
    """Whether `secret` is the key whose salted hash is `stored` (False for records without one)."""
    if not salt or not stored:
        return False
    try:
        computed = digest(salt, secret)
    except ValueError:  # a salt that is not hex: a hand-edited file
        return False
    return hmac.compare_digest(computed, stored)
