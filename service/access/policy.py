"""Who may chat: the CORS, site-key and rate-limit decisions, as plain functions of a request's facts.

Why kept apart from the ASGI plumbing (`service.access.middleware`): every rule here is a decision a unit test
can check without a server, and the same rules answer `GET /widget/status`, so the widget's explanation
of a refusal is always the service's actual reason.

The rules:
- Same-origin requests (no `Origin` header, or the service's own origin) need no key unless
  `require_site_key` is on. CORS stays closed by default: no key, no cross-origin access.
- A preflight carries no header *values*, so it is answered for any origin that some active key allows;
  the key itself is checked on the real request, whose refusal then still carries CORS headers, so the
  page can read why (`origin_not_allowed`, `unknown_site_key`, `site_key_required`, `rate_limited`).
- Every accepted request counts against its client IP's rate and, with a key, against the key's rate
  (in every replica's windows when they are shared: `check_shared`, what the middleware calls).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.access.origins import is_same_origin, try_normalize
from service.access.ratelimit import RateLimiter
from service.access.sitekeys import SiteKey, SiteKeyStore

SITE_KEY_HEADER = "X-Accords-Site-Key"
NOT_ALLOWED = "This site is not allowed to use this chat."
PREFLIGHT_MAX_AGE = 600  # seconds; a revoked key's POSTs are still refused during this time


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    code: str
    detail: str
    retry_after: int | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    headers: dict[str, str] = field(default_factory=dict)  # CORS headers to add to the response
    refusal: Refusal | None = None
    site_key: SiteKey | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """What a request says about its sender."""

    origin: str | None  # the raw Origin header
    host: str | None  # the Host header: the service as the browser addressed it
    site_key: str | None  # the X-Accords-Site-Key header, else a site key sent as the bearer token
    client_ip: str
    bearer: str | None = None  # the token of `Authorization: Bearer ...`

    @property
    def cross_origin(self) -> bool:
        if self.origin is None:
            return False
        normalized = try_normalize(self.origin)
        return normalized is None or not is_same_origin(normalized, self.host)


class AccessPolicy:
    def __init__(self, keys: SiteKeyStore, limiter: RateLimiter, require_site_key: bool) -> None:
        self.keys = keys
        self.limiter = limiter
        self.require_site_key = require_site_key

    def cors_headers(self, caller: Caller) -> dict[str, str]:
        """ACAO for a cross-origin caller whose origin some active key allows; only `Vary` otherwise."""
        origin = try_normalize(caller.origin)
        if caller.cross_origin and origin is not None and origin in self.keys.allowed_origins():
            return {
                "Access-Control-Allow-Origin": caller.origin or origin,
                "Access-Control-Expose-Headers": "Retry-After",
                "Vary": "Origin",
            }
        return {"Vary": "Origin"}

    def preflight(self, caller: Caller) -> dict[str, str] | None:
        """Headers of a 204 answer to a CORS preflight, or None to refuse it."""
        headers = self.cors_headers(caller)
        if "Access-Control-Allow-Origin" not in headers:
            return None
        return {
            **headers,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": f"Content-Type, {SITE_KEY_HEADER}, Authorization",
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
        }

    def refusal(self, caller: Caller) -> tuple[Refusal | None, SiteKey | None]:
        """Why this caller may not chat at all (rates aside), and the key it uses."""
        if caller.site_key:
            key = self.keys.get(caller.site_key)
            if key is None:
                return Refusal(403, "unknown_site_key", "This site key is unknown or has been revoked."), None
            origin = try_normalize(caller.origin)
            if caller.cross_origin and origin not in key.origins:
                detail = f"The site key {key.key} is not allowed on {caller.origin}."
                return Refusal(403, "origin_not_allowed", detail), key
            return None, key
        if caller.cross_origin:
            return Refusal(403, "site_key_required", f"{NOT_ALLOWED} (No site key was sent.)"), None
        if self.require_site_key:
            detail = (
                f"A site key is required: send it in the {SITE_KEY_HEADER} header (or as the bearer token)."
            )
            return Refusal(403, "site_key_required", detail), None
        return None, None

    def check(self, caller: Caller) -> Verdict:
        """The decision for a chat request (not a preflight); counts it against this process's rate limits."""
        headers = self.cors_headers(caller)
        refused, key = self.refusal(caller)
        if refused is None:
            wait = self.limiter.hit(caller.client_ip, key.key if key else None, key.rate if key else None)
            refused = _limited(wait)
        return Verdict(headers=headers, refusal=refused, site_key=key)

    async def check_shared(self, caller: Caller) -> Verdict:
        """`check`, counted where the service counts: every replica's windows when they are shared."""
        headers = self.cors_headers(caller)
        refused, key = self.refusal(caller)
        if refused is None:
            key_id, rate = (key.key, key.rate) if key else (None, None)
            wait = await self.limiter.hit_shared(caller.client_ip, key_id, rate)
            refused = _limited(wait)
        return Verdict(headers=headers, refusal=refused, site_key=key)

    def status(self, caller: Caller) -> dict[str, object]:
        """`GET /widget/status`: whether the calling page may chat with this key, in words."""
        refused, _ = self.refusal(caller)
        if refused is None:
            return {"ok": True, "origin_allowed": True, "message": "This site may use this chat."}
        if refused.code in ("origin_not_allowed", "site_key_required"):
            return {"ok": True, "origin_allowed": False, "message": NOT_ALLOWED}
        return {"ok": True, "origin_allowed": False, "message": refused.detail}


def _limited(wait: int | None) -> Refusal | None:
    if wait is None:
        return None
    return Refusal(429, "rate_limited", f"Too many requests; try again in {wait} s.", wait)
