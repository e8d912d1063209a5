"""Open a Chroma client: embedded under the data dir, or a Chroma server when a URL is configured.

The server client is chromadb's `HttpClient`, whose httpx session has no timeout at all: a hung server
(stopped, partitioned) would hang every request with it. Its session gets `chroma_timeout_s` here, so
requests fail and the service answers 503 instead. A server that died outright needs no timeout: its
port refuses at once, and the same client reconnects by itself when the server is back.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ingest.settings import StoreSettings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or opened; the message says which and where."""


def open_client(settings: StoreSettings) -> ClientAPI:
    # chromadb pulls in onnxruntime, which reports usage unless told not to; must precede the import.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        parts = urlsplit(settings.chroma_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreUnavailable(
                f"ACCORDS_CHROMA_URL must look like http://host:port, got {settings.chroma_url!r}"
            )
        port = parts.port or (443 if parts.scheme == "https" else 8000)
        try:
            client = chromadb.HttpClient(
                host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=chroma_settings
            )
        except Exception as err:  # the client checks the server on construction
            raise StoreUnavailable(f"cannot reach the Chroma server at {settings.chroma_url}: {err}") from err
        _bound_requests(client, settings.chroma_timeout_s)
        return client
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as err:
        raise StoreUnavailable(f"cannot open the store in {settings.chroma_path}: {err}") from err


def _bound_requests(client: ClientAPI, timeout_s: float) -> None:
    """Give the client's httpx session a timeout (chromadb 1.5 creates it with `timeout=None` and has no
    setting for it). Private attributes, checked: if chromadb renames them, fail loudly, not hang later."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        raise RuntimeError("chromadb's HttpClient changed: cannot set its request timeout (ingest/chroma.py)")
    session.timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 2.0))
