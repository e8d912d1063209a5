"""GET/POST /admin/site-keys and DELETE /admin/site-keys/{key}: `accords keys` over HTTP, for the console.

The same key file and the same code as `accords keys create|list|revoke` (`service.access.SiteKeyStore`),
so a key made here is the key the CLI lists, and a revoked key is refused by every replica within the
store's check interval (1 s). Only public site keys (`pk_...`): admin keys stay a CLI matter, so a
leaked admin credential cannot mint another one that outlives its revocation.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.openapi.models import Example
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from service.access import SITE_KEY_PREFIX, KeyFileError, SiteKey
from service.admin import AdminError
from service.deps import AdminStateDep
from service.routes.admin_auth import AUTH_ERRORS, AdminDep, require_admin
from service.schemas import ErrorBody

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=AUTH_ERRORS
)
log = logging.getLogger(__name__)


class SiteKeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origins: list[str] = Field(
        min_length=1, max_length=50, description="Origins allowed to embed the widget."
    )
    rate: str | None = Field(
        default=None,
        max_length=32,
        description="Requests per period, e.g. 30/min (default: ACCORDS_SITE_KEY_RATE).",
    )


KEY_EXAMPLES: dict[str, Example] = {
    "one site": {"summary": "A key for one site", "value": {"origins": ["https://news.example"]}},
    "with a rate": {
        "summary": "Two origins, 30 requests a minute",
        "value": {"origins": ["https://news.example", "https://www.news.example"], "rate": "30/minute"},
    },
}


def _record(key: SiteKey, default_rate: str) -> dict[str, Any]:
    return {
        "key": key.key,
        "origins": list(key.origins),
        "rate": key.rate or default_rate,
        "default_rate": key.rate is None,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
        "active": key.active,
    }


def _key_file_error(error: KeyFileError) -> AdminError:
    return AdminError(500, str(error), "key_file_unreadable")


@router.get("/site-keys")
async def list_site_keys(state: AdminStateDep) -> dict[str, Any]:
    """The public site keys, revoked ones included, newest first."""
    try:
        keys = await run_in_threadpool(state.keys.keys)
    except KeyFileError as error:
        raise _key_file_error(error) from None
    public = [key for key in keys if key.kind == "public"]
    public.sort(key=lambda key: key.created_at, reverse=True)
    return {"keys": [_record(key, state.settings.site_key_rate) for key in public]}


@router.post(
    "/site-keys", status_code=201, responses={422: {"model": ErrorBody, "description": "Bad origin or rate"}}
)
async def create_site_key(
    body: Annotated[SiteKeyRequest, Body(openapi_examples=KEY_EXAMPLES)],
    admin: AdminDep,
    state: AdminStateDep,
) -> dict[str, Any]:
    """Create a public site key for these origins, as `accords keys create --origin ...` does."""
    rate = body.rate.strip() if body.rate and body.rate.strip() else None
    try:
        key = await run_in_threadpool(state.keys.create, body.origins, rate)
    except KeyFileError as error:
        raise _key_file_error(error) from None
    except ValueError as error:  # InvalidOrigin is a ValueError, and so is a bad rate
        raise AdminError(422, str(error), "invalid_site_key") from None
    log.info("admin %s created site key %s for %s", admin.who, key.key, ", ".join(key.origins))
    return _record(key, state.settings.site_key_rate)


@router.delete("/site-keys/{key}", responses={404: {"model": ErrorBody, "description": "No such site key"}})
async def revoke_site_key(key: str, admin: AdminDep, state: AdminStateDep) -> dict[str, Any]:
    """Revoke a public site key (idempotent): the widget on its sites is refused within a second."""
    if not key.startswith(SITE_KEY_PREFIX):
        raise AdminError(404, f"no site key {key!r} (site keys start with {SITE_KEY_PREFIX})", "not_found")
    try:
        revoked = await run_in_threadpool(state.keys.revoke, key)
    except KeyFileError as error:
        raise _key_file_error(error) from None
    if revoked is None:
        raise AdminError(404, f"no site key {key!r}", "not_found")
    log.info("admin %s revoked site key %s", admin.who, revoked.key)
    return _record(revoked, state.settings.site_key_rate)
