"""Who may use the admin API: a bearer token, decided from the request's headers alone.

Why here and pure: the decision is made twice with the same code. `AdminAccess` (the ASGI middleware)
makes it before a byte of the body is read, so a caller without a token gets 401 whatever it sends (FastAPI
validates a body before it runs dependencies, so a route dependency alone answered 422 to a malformed
body); the routes' dependency (`service.routes.admin_auth`) makes it again for who the caller is, and
`/ready` to decide whether to show its details.

Accepted tokens are ACCORDS_ADMIN_TOKEN (compared in constant time) and the active admin keys made by
`accords keys create --admin` (the key file is looked at on every admin request, so a revoked key is
refused at once, not within a second as site keys are). The answers follow RFC 6750:

- no credentials: 401 with `WWW-Authenticate: Bearer`;
- a site key (pk_...), as the bearer token or in X-Accords-Site-Key: 403. It is a valid credential for
  chat, public by design, and never grants admin access; saying so beats a confusing 401;
- any other token: 401 with `error="invalid_token"`.

Admin routes are never opened to other origins: they send no CORS headers, and a request that carries a
foreign `Origin` (a page elsewhere) is refused with 403 whatever it carries. Browsers cannot attach an
Authorization header to a cross-origin request without a preflight, which these routes never answer;
refusing by Origin also stops the one request a browser sends without asking (a plain form post).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from pydantic import SecretStr

from service.access.policy import Caller, Refusal
from service.access.sitekeys import PREFIX as SITE_KEY_PREFIX
from service.access.sitekeys import SiteKeyStore

REALM = 'Bearer realm="accords-admin"'


@dataclass(frozen=True, slots=True)
class AdminVerdict:
    """`who` made an allowed request ("token": ACCORDS_ADMIN_TOKEN, or an admin key's id); else why not."""

    who: str | None = None
    refusal: Refusal | None = None
    headers: dict[str, str] = field(default_factory=dict)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header (any case, spaces around it dropped)."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class AdminGate:
    def __init__(self, token: SecretStr | None, keys: SiteKeyStore) -> None:
        """`keys` should be read on every call (`check_interval=0`), so a revoked key is refused at once."""
        self._token = token.get_secret_value().encode("utf-8") if token is not None else None
        self.keys = keys

    def check(self, caller: Caller) -> AdminVerdict:
        if caller.cross_origin:
            return _refused(403, "cross_origin", "The admin API is not available to other origins.")
        token = caller.bearer or ""
        if token.startswith(SITE_KEY_PREFIX) or (not token and caller.site_key):
            detail = "A site key grants chat only; the admin API needs ACCORDS_ADMIN_TOKEN or an admin key."
            return _refused(403, "site_key_not_admin", detail)
        if not token:
            detail = "The admin API needs a bearer token (Authorization: Bearer ...)."
            return _refused(401, "unauthorized", detail, {"WWW-Authenticate": REALM})
        if self._token is not None and hmac.compare_digest(token.encode("utf-8"), self._token):
            return AdminVerdict(who="token")
        key = self.keys.admin_key(token)
        if key is not None:
            return AdminVerdict(who=key.key)
        detail = "The bearer token is not valid (unknown, revoked or mistyped)."
        return _refused(401, "invalid_token", detail, {"WWW-Authenticate": f'{REALM}, error="invalid_token"'})


def _refused(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> AdminVerdict:
    return AdminVerdict(refusal=Refusal(status, code, detail), headers=headers or {})
