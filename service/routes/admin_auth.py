"""Who may use the admin API: the route side of `service.access.AdminGate`.

The gate's decision (bearer token or admin key; 401 with a Bearer challenge, 403 for site keys and other
origins, per RFC 6750) is made by the access middleware before a byte of the request body is read, and
again here with the same code, for who the caller is (the log names them) and so the OpenAPI document
lists the bearer scheme on every admin route.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.access import caller_of
from service.admin import AdminError
from service.deps import AdminStateDep
from service.schemas import ErrorBody

log = logging.getLogger(__name__)
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
    """`credentials` is declared for the OpenAPI document; the gate reads the header itself."""
    verdict = state.gate.check(caller_of(request.scope))
    if verdict.who is None:
        refusal = verdict.refusal
        assert refusal is not None, "a verdict names the caller or the refusal"
        raise AdminError(refusal.status, refusal.detail, refusal.code, verdict.headers)
    return Admin(verdict.who)


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
