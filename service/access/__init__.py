"""Who may use the service: origins (CORS), site keys, admin keys, rate limits, and the ASGI middleware
that applies them to the chat routes before any work is done.

Public entry: `open_access(settings)` gives the policy the runtime holds; `AdminGate` decides who may use
the admin API; `access_middleware(policy, chat_paths, gate)` the layers that
`service.http.install_middleware` puts in place; `keys_app` is `accords keys`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.middleware import Middleware

from service.access.admingate import REALM as ADMIN_REALM
from service.access.admingate import AdminGate, AdminVerdict
from service.access.middleware import AdminAccess, GateProvider, PolicyProvider, SiteAccess, caller_of
from service.access.origins import is_same_origin, try_normalize
from service.access.policy import SITE_KEY_HEADER, AccessPolicy, Caller
from service.access.ratelimit import RateLimiter
from service.access.sitekeys import PREFIX as SITE_KEY_PREFIX
from service.access.sitekeys import KeyFileError, SiteKey, SiteKeyStore
from service.shared import KeyRecords, RateWindows

if TYPE_CHECKING:
    from service.settings import Settings

__all__ = [
    "ADMIN_REALM",
    "SITE_KEY_HEADER",
    "SITE_KEY_PREFIX",
    "AccessPolicy",
    "AdminGate",
    "AdminVerdict",
    "Caller",
    "GateProvider",
    "KeyFileError",
    "PolicyProvider",
    "SiteKey",
    "SiteKeyStore",
    "access_middleware",
    "caller_of",
    "is_same_origin",
    "open_access",
    "try_normalize",
]


def open_access(
    settings: Settings,
    records: KeyRecords | None = None,
    windows: RateWindows | None = None,
    check_interval: float = 1.0,
) -> AccessPolicy:
    """The keys are read now, at start-up; later changes are noticed as they happen. `records` and
    `windows` are the shared state's (`service.shared`); None = the key file and this process's windows.
    `check_interval` 0 re-checks the keys' signature on every call (the runtime's choice: the admin gate
    shares this store, and a revoked admin key must be refused at once)."""
    keys = SiteKeyStore(settings.site_keys_path, check_interval=check_interval, records=records)
    keys.refresh(force=True)
    limiter = RateLimiter(settings.rate_limit_ip, settings.site_key_rate, windows)
    return AccessPolicy(keys, limiter, settings.require_site_key)


def access_middleware(
    policy: PolicyProvider, chat_paths: tuple[str, ...], gate: GateProvider
) -> list[Middleware]:
    """CORS, site keys and rates on every chat route (`chat_paths`), one rule for all of them; and the
    admin API's authentication on every path under /admin, before a byte of the body is read."""
    return [Middleware(SiteAccess, policy=policy, paths=chat_paths), Middleware(AdminAccess, gate=gate)]
