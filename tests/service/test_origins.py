"""Origin normalization and the same-origin test: the spelling site keys and `Origin` headers share."""

from __future__ import annotations

import pytest

from service.access.origins import InvalidOrigin, is_same_origin, normalize_origin, try_normalize


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://example.org", "https://example.org"),
        ("HTTPS://Example.ORG:443/", "https://example.org"),
        ("http://example.org:80", "http://example.org"),
        ("http://example.org:443", "http://example.org:443"),
        ("https://example.org:8443", "https://example.org:8443"),
        ("  http://127.0.0.1:5173  ", "http://127.0.0.1:5173"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://[0:0:0:0:0:0:0:1]", "http://[::1]"),
        ("https://example.org.", "https://example.org"),
    ],
)
def test_origins_are_normalized(given: str, expected: str) -> None:
    assert normalize_origin(given) == expected
    assert normalize_origin(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("example.org", "http"),
        ("ftp://example.org", "http"),
        ("javascript:alert(1)", "http"),
        ("null", "http"),
        ("file:///etc/passwd", "http"),
        ("https://example.org/path", "no path"),
        ("https://example.org/?q=1", "no path"),
        ("https://example.org#top", "no path"),
        ("https://user:pw@example.org", "user name"),
        ("https://", "no host"),
        ("https://exa mple.org", "not a valid host"),
        ("https://-bad-.org", "not a valid host"),
        ("https://example.org:99999", "not a valid origin"),
        ("http://[::zz]", "not a valid"),
        ("https://*.example.org", "not a valid host"),
    ],
)
def test_anything_but_an_http_origin_is_refused(given: str, reason: str) -> None:
    with pytest.raises(InvalidOrigin, match=reason):
        normalize_origin(given)
    assert try_normalize(given) is None


def test_try_normalize_takes_missing_values() -> None:
    assert try_normalize(None) is None
    assert try_normalize("") is None


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://127.0.0.1:8000", "127.0.0.1:8001", False),
        ("http://localhost:8000", "127.0.0.1:8000", False),  # another origin for the browser, too
        ("https://chat.example.org", "chat.example.org", True),  # TLS ended by a proxy in front
        ("https://chat.example.org", "chat.example.org:443", True),
        ("https://chat.example.org", "CHAT.example.org", True),
        ("https://chat.example.org", "evil.example", False),
        ("https://chat.example.org", None, False),
        ("https://chat.example.org", "chat.example.org/../x", False),
    ],
)
def test_same_origin_compares_host_and_port(origin: str, host: str | None, same: bool) -> None:
    assert is_same_origin(origin, host) is same
