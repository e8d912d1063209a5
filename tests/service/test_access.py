"""Who may chat: the CORS, site-key and rate-limit decisions of `service.access.policy`, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.access.policy import AccessPolicy, Caller, Verdict
from service.access.ratelimit import RateLimiter
from service.access.sitekeys import SiteKeyStore

SITE = "https://site.example"
OTHER = "https://other.example"
SERVICE_HOST = "chat.example.org"


@pytest.fixture
def store(tmp_path: Path) -> SiteKeyStore:
    return SiteKeyStore(tmp_path / "site-keys.json", check_interval=0)


def policy(store: SiteKeyStore, require: bool = False, ip_rate: str = "off") -> AccessPolicy:
    return AccessPolicy(store, RateLimiter(ip_rate, "100/minute"), require_site_key=require)


def code(verdict: Verdict) -> str | None:
    return verdict.refusal.code if verdict.refusal else None


def caller(origin: str | None, key: str | None = None, ip: str = "10.0.0.1") -> Caller:
    return Caller(origin=origin, host=SERVICE_HOST, site_key=key, client_ip=ip)


def test_same_origin_and_scripts_need_no_key_by_default(store: SiteKeyStore) -> None:
    for who in (caller(None), caller(f"https://{SERVICE_HOST}")):
        verdict = policy(store).check(who)
        assert verdict.refusal is None and verdict.headers == {"Vary": "Origin"}
        assert not who.cross_origin


def test_cors_is_closed_without_keys(store: SiteKeyStore) -> None:
    access = policy(store)
    assert access.preflight(caller(SITE)) is None
    verdict = access.check(caller(SITE))
    assert verdict.refusal is not None and verdict.refusal.code == "site_key_required"
    assert "Access-Control-Allow-Origin" not in verdict.headers


def test_a_key_opens_chat_to_its_origins(store: SiteKeyStore) -> None:
    key = store.create([SITE]).key
    access = policy(store)
    preflight = access.preflight(caller(SITE))
    assert preflight is not None
    assert preflight["Access-Control-Allow-Origin"] == SITE
    assert preflight["Access-Control-Allow-Methods"] == "POST"
    assert "x-accords-site-key" in preflight["Access-Control-Allow-Headers"].lower()
    assert int(preflight["Access-Control-Max-Age"]) > 0
    verdict = access.check(caller(SITE, key))
    assert verdict.refusal is None and verdict.site_key is not None and verdict.site_key.key == key
    assert verdict.headers == {
        "Access-Control-Allow-Origin": SITE,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }
    assert access.preflight(caller(OTHER)) is None
    assert access.preflight(caller("null")) is None  # sandboxed frames, file:// pages


def test_the_key_is_checked_on_the_request_not_the_preflight(store: SiteKeyStore) -> None:
    store.create([SITE])
    other_key = store.create([OTHER]).key
    access = policy(store)
    assert access.preflight(caller(SITE)) is not None  # no key value in a preflight
    verdict = access.check(caller(SITE, other_key))
    assert verdict.refusal is not None and verdict.refusal.status == 403
    assert verdict.refusal.code == "origin_not_allowed"
    assert verdict.refusal.detail == f"The site key {other_key} is not allowed on {SITE}."
    assert verdict.headers["Access-Control-Allow-Origin"] == SITE  # so the page can read why


def test_unknown_revoked_and_missing_keys(store: SiteKeyStore) -> None:
    key = store.create([SITE]).key
    access = policy(store)
    assert code(access.check(caller(SITE, "pk_unknown"))) == "unknown_site_key"
    assert code(access.check(caller(SITE))) == "site_key_required"
    store.revoke(key)
    assert code(access.check(caller(SITE, key))) == "unknown_site_key"
    assert access.preflight(caller(SITE)) is None  # its origins are closed again


def test_origins_compare_normalized(store: SiteKeyStore) -> None:
    key = store.create(["https://Site.Example:443/"]).key
    assert policy(store).check(caller("https://site.example", key)).refusal is None
    assert policy(store).check(caller("http://site.example", key)).refusal is not None  # another scheme


def test_require_site_key_closes_keyless_same_origin_use(store: SiteKeyStore) -> None:
    key = store.create([SITE]).key
    access = policy(store, require=True)
    refused = access.check(caller(None)).refusal
    assert (
        refused is not None and refused.code == "site_key_required" and "X-Accords-Site-Key" in refused.detail
    )
    assert access.check(caller(None, key)).refusal is None  # a script with a (public) key
    assert access.check(caller(f"https://{SERVICE_HOST}", key)).refusal is None  # the service's own pages
    assert access.check(caller(SITE, key)).refusal is None


def test_rate_limits_per_key_and_per_ip(store: SiteKeyStore) -> None:
    key = store.create([SITE], rate="2/minute").key
    access = policy(store, ip_rate="3/minute")
    assert [access.check(caller(SITE, key, ip=f"10.0.0.{n}")).refusal for n in range(2)] == [None, None]
    limited = access.check(caller(SITE, key, ip="10.0.0.9"))
    assert limited.refusal is not None and limited.refusal.status == 429
    assert limited.refusal.code == "rate_limited" and 1 <= (limited.refusal.retry_after or 0) <= 60
    assert limited.headers["Access-Control-Allow-Origin"] == SITE  # the page can read Retry-After
    # Keyless same-origin use is limited per IP.
    assert [access.check(caller(None, ip="10.1.1.1")).refusal is None for _ in range(4)] == [True] * 3 + [
        False
    ]
    assert access.check(caller(None, ip="10.1.1.2")).refusal is None


def test_refusals_are_not_counted(store: SiteKeyStore) -> None:
    access = policy(store, ip_rate="1/minute")
    for _ in range(3):
        assert access.check(caller(SITE, "pk_unknown")).refusal is not None
    assert access.check(caller(None)).refusal is None


def test_status_explains_in_words(store: SiteKeyStore) -> None:
    key = store.create([SITE]).key
    access = policy(store)
    assert access.status(caller(SITE, key)) == {
        "ok": True,
        "origin_allowed": True,
        "message": "This site may use this chat.",
    }
    refused = {"ok": True, "origin_allowed": False, "message": "This site is not allowed to use this chat."}
    assert access.status(caller(OTHER, key)) == refused
    assert access.status(caller(OTHER)) == refused
    unknown = access.status(caller(SITE, "pk_gone"))
    assert unknown["origin_allowed"] is False and "unknown or has been revoked" in str(unknown["message"])
