"""What the admin routes share: their settings, the key store, the writer and the job list; and their error.

Kept apart from `install` so the routes can depend on it without importing the wiring that imports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service.admin.jobs import Jobs
from service.admin.writer import Writer
from service.settings import Settings
from service.sitekeys import SiteKeyStore


class AdminError(HTTPException):
    """An admin route's refusal with its own machine-readable `code` (and optional extra body fields)."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(status, detail, dict(headers) if headers else None)
        self.code = code
        self.extra = dict(extra or {})

    def response(self) -> JSONResponse:
        body = {"detail": self.detail, "code": self.code, **self.extra}
        return JSONResponse(body, status_code=self.status_code, headers=self.headers)


@dataclass(slots=True)
class AdminState:
    settings: Settings
    keys: SiteKeyStore  # read on every admin request, so a revoked admin key is refused at once
    writer: Writer
    jobs: Jobs


def get_admin(request: Request) -> AdminState:
    state = request.app.state.admin
    assert isinstance(state, AdminState), "service.admin.install.install() sets it"
    return state


AdminStateDep = Annotated[AdminState, Depends(get_admin)]
