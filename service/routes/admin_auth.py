"""Who may use the admin API: a bearer token, checked before a byte of the request body is read.

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
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.access import SITE_KEY_HEADER, SITE_KEY_PREFIX, is_same_origin, try_normalize
from service.admin import AdminError
from service.deps import AdminStateDep
from service.schemas import ErrorBody

log = logging.getLogger(__name__)
REALM = 'Bearer realm="accords-admin"'
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminToken",
    description="ACCORDS_ADMIN_TOKEN, or an admin key from `accords keys create --admin`.",
)


@dataclass(frozen=True, slots=True)
class Admin:
    """Who made an admin request, for the log: "token" (ACCORDS_ADMIN_TOKEN) or an admin key's id."""

    who: str


def require_admin(
    request: Request,
    state: AdminStateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Admin:
    origin = request.headers.get("origin")
    if origin is not None:
        normalized = try_normalize(origin)
        if normalized is None or not is_same_origin(normalized, request.headers.get("host")):
            raise AdminError(403, "The admin API is not available to other origins.", "cross_origin")
    token = credentials.credentials.strip() if credentials else ""
    if token.startswith(SITE_KEY_PREFIX) or (not token and request.headers.get(SITE_KEY_HEADER)):
        raise AdminError(
            403,
            "A site key grants chat only; the admin API needs ACCORDS_ADMIN_TOKEN or an admin key.",
            "site_key_not_admin",
        )
    if not token:
        raise AdminError(
            401,
            "The admin API needs a bearer token (Authorization: Bearer ...).",
            "unauthorized",
            {"WWW-Authenticate": REALM},
        )
    configured = state.settings.admin_token
    if configured is not None and hmac.compare_digest(
        token.encode("utf-8"), configured.get_secret_value().encode("utf-8")
    ):
        return Admin("token")
    key = state.keys.admin_key(token)
    if key is not None:
        return Admin(key.key)
    log.warning("admin request refused: invalid token (%s %s)", request.method, request.url.path)
    raise AdminError(
        401,
        "The bearer token is not valid (unknown, revoked or mistyped).",
        "invalid_token",
        {"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
    )


AdminDep = Annotated[Admin, Depends(require_admin)]
# For the OpenAPI document of every admin route.
AUTH_ERRORS: dict[int | str, dict[str, object]] = {
    401: {
        "model": ErrorBody,
        "description": "No bearer token, or not a valid one (WWW-Authenticate: Bearer)",
    },
    403: {
        "model": ErrorBody,
        "description": "A site key (never valid here), or a request from another origin",
    },
}
