"""Web origins (`scheme://host[:port]`) in the one spelling browsers send in the `Origin` header.

Why a module of its own: a site key lists the origins it may be used from, and the service compares
them with the `Origin` header of every chat request. A stored `https://Example.org:443/` must match the
`https://example.org` a browser sends, so both sides go through `normalize_origin` (lower-case host,
punycode for international names, no default port, no path). Anything that is not a plain http(s)
origin is refused when a key is created, so a typo cannot silently open nothing — or too much.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidOrigin(ValueError):
    pass


def normalize_origin(value: str) -> str:
    """`value` as `scheme://host[:port]`; raises InvalidOrigin for anything but an http(s) origin."""
    raw = value.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as error:
        raise InvalidOrigin(f"{value!r} is not a valid origin ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidOrigin(f"{value!r}: an origin starts with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise InvalidOrigin(f"{value!r}: an origin has no user name or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise InvalidOrigin(f"{value!r}: an origin has no path, query or fragment (scheme://host[:port])")
    host = _host(parts.hostname or "", value)
    suffix = f":{port}" if port is not None and port != _DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{suffix}"


def _host(hostname: str, value: str) -> str:
    if not hostname:
        raise InvalidOrigin(f"{value!r}: the origin has no host")
    if ":" in hostname:  # urlsplit strips the brackets of an IPv6 literal
        try:
            return f"[{ipaddress.IPv6Address(hostname).compressed}]"
        except ValueError:
            raise InvalidOrigin(f"{value!r}: {hostname!r} is not a valid IPv6 address") from None
    try:
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidOrigin(f"{value!r}: {hostname!r} is not a valid host name") from None
    if not all(_HOST_LABEL.match(label) for label in ascii_host.removesuffix(".").split(".")):
        raise InvalidOrigin(f"{value!r}: {hostname!r} is not a valid host name")
    return ascii_host.removesuffix(".")


def try_normalize(value: str | None) -> str | None:
    """The normalized origin, or None for a missing or unusable one (`null`, `file://`...)."""
    if not value:
        return None
    try:
        return normalize_origin(value)
    except InvalidOrigin:
        return None


def is_same_origin(origin: str, host: str | None) -> bool:
    """Whether `origin` (already normalized) names this service, as addressed by the `Host` header.

    Only host and port are compared, with the origin's scheme deciding the default port: behind a proxy
    that ends TLS the service itself sees http, while the browser's page is https on the same host.
    The Host header is the client's word: a page at a name rebound to this server's address (DNS
    rebinding) sends Origin == Host too. ACCORDS_ALLOWED_HOSTS refuses such names (400) before this runs.
    """
    if not host:
        return False
    scheme = origin.split("://", 1)[0]
    return try_normalize(f"{scheme}://{host}") == origin
