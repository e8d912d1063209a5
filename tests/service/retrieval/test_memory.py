"""Freed memory goes back to the system after a lexical rebuild (glibc), and nothing breaks elsewhere."""

from __future__ import annotations

import platform

import pytest

from service.retrieval import memory


def test_glibc_is_asked_to_release_free_memory() -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")
    assert memory.release_free_memory() is True


def test_without_malloc_trim_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    assert memory.release_free_memory() is False
