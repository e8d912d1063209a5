"""Ports of 127.0.0.1 for the servers the tests and the benches start.

Two ways, because a subprocess binds its port itself and a server in this process need not:
`free_port` asks the kernel for a port that is free now, for a subprocess told to listen on it a moment
later (`accords serve --port`, `chroma run --port`); `bound_socket` keeps the socket bound and listening
and hands it to a server in this process (`UvicornThread`), so there is no race and its URL is known
before the server starts (the browser tests need every origin before any server runs).
"""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def bound_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1 and listening: connections wait in its backlog until a
    server takes it over. The caller (or the server it is given to) closes it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(64)
    return sock


def url_of(sock: socket.socket) -> str:
    """`http://127.0.0.1:PORT` of a bound socket."""
    return f"http://{HOST}:{sock.getsockname()[1]}"
