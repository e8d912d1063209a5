"""Loaders read regular files only: a FIFO used to block `read_bytes()` forever."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_document

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


@needs_fifo
@pytest.mark.timeout(10)
@pytest.mark.parametrize("name", ["pipe.md", "pipe.html", "pipe.pdf", "pipe.docx"])
def test_a_fifo_is_refused_at_once(tmp_path: Path, name: str) -> None:
    # No writer ever opens it: a blocking open or read would hang until the timeout.
    os.mkfifo(tmp_path / name)
    with pytest.raises(LoadError, match=r"^not a regular file: a named pipe \(FIFO\)$"):
        load_document(tmp_path / name)


def test_a_character_device_is_refused(tmp_path: Path) -> None:
    if not Path(os.devnull).exists():
        pytest.skip("no null device")
    (tmp_path / "null.txt").symlink_to(os.devnull)  # /dev/zero would never end
    with pytest.raises(LoadError, match=r"^not a regular file: a character device$"):
        load_document(tmp_path / "null.txt")


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs unix sockets")
def test_a_socket_is_refused_with_a_reason_naming_it(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "s.md"))
        with pytest.raises(LoadError, match=r"^not a regular file: a socket$"):
            load_document(tmp_path / "s.md")
