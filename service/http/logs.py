"""Structured logs: one JSON object a line, each carrying the id of the request it belongs to.

Why: a log collector can then filter one request's lines (the id is also returned to the client in
`X-Request-ID`, so a user's report leads straight to them) without parsing free text. The id comes from
asgi-correlation-id's middleware (an incoming `X-Request-ID` is kept if it looks like an id: short,
printable, no spaces; otherwise a new one is made) through a context variable that its logging filter
copies onto every record. The JSON comes from python-json-logger.

What is not logged at INFO: questions, answers and document text. The service's own INFO lines say what
happened (ready, cancelled, refused), never what was asked; uvicorn's access line has the path and
query string, which for the chat routes hold no question (it travels in the body).

Configured by `accords serve` (`configure`), never at import: a library or a test that imports the
service keeps its own logging. ACCORDS_LOG_FORMAT=auto (the default) writes plain text lines instead when
stderr is a terminal, for a person reading them; JSON lines never hold terminal colour codes.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import IO, Any, Literal

from asgi_correlation_id import CorrelationIdFilter, CorrelationIdMiddleware
from fastapi import FastAPI
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
MAX_REQUEST_ID = 128
_REQUEST_ID = re.compile(rf"[A-Za-z0-9._:=+/-]{{1,{MAX_REQUEST_ID}}}")
LogFormat = Literal["auto", "json", "text"]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # terminal colour and cursor codes


def valid_request_id(value: str) -> bool:
    """A caller's id is kept only if it cannot break a log line or a header: printable, short, no spaces."""
    return _REQUEST_ID.fullmatch(value) is not None


def install(app: FastAPI) -> None:
    """Outermost middleware, so even a 413, 429 or 503 from the other middlewares carries the id."""
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name=REQUEST_ID_HEADER,
        validator=valid_request_id,
        transformer=None,
    )


def configure(level: str = "INFO", fmt: LogFormat = "auto") -> None:
    """Send every logger's records (uvicorn's included) to stderr, as JSON lines or as plain text."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(make_handler(fmt, sys.stderr))
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()  # uvicorn's own handlers would print each line a second time, unformatted
        logger.propagate = True
    logging.getLogger("asgi_correlation_id").setLevel(logging.WARNING)


def resolve(fmt: LogFormat, stream: IO[str]) -> Literal["json", "text"]:
    """`auto`: plain text for a person at a terminal, JSON lines for a collector (a file, a pipe)."""
    if fmt != "auto":
        return fmt
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


class _JsonLines(JsonFormatter):
    """No terminal codes in a JSON line: uvicorn's `color_message` extra is dropped, any other code cut."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: _ANSI.sub("", v) if isinstance(v, str) else v for key, v in log_data.items()}


def make_handler(fmt: LogFormat, stream: IO[str]) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationIdFilter(default_value="-"))
    if resolve(fmt, stream) == "json":
        handler.setFormatter(
            _JsonLines(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "correlation_id": "request_id"},
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s [%(correlation_id)s] %(name)s: %(message)s")
        )
    return handler
