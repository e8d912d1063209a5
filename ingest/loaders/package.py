"""A DOCX's zip package, checked against the `budgets` and rebuilt before python-docx reads it.

Why: python-docx reads every part of the package whole, so a 1.08 MB file whose document.xml inflates
to 1 GiB took the loader from 62 MB to 2.1 GB before lxml gave up. The central directory states each
part's size and compression, so most bombs are refused before anything is inflated.
Why the parts are then read here under a hard cap and re-stored uncompressed, instead of trusting the
checked directory: the sizes and CRCs it states are the attacker's to choose. `ZipFile.read` inflates a
member's whole compressed stream in one call (up to 2 GiB) and only then cuts it to the stated size, so
a part claiming 1 KiB could still inflate 1 GiB, and a CRC chosen to match the first bytes lets it pass.
`ZipExtFile.read(n)` inflates at most about n bytes, so each part is read 1 MiB at a time up to what
the budget still allows; python-docx then gets stored parts, which it can only read at their real size
(a part stating 1 KiB that inflates to 1 GiB: 2.1 GB peak through python-docx alone; here 8 MB of
growth, the 4.7 MB file included).
Only stored and deflated parts are accepted: Word writes nothing else.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO

from ingest.loaders import budgets
from ingest.loaders.base import LoadError, TooLarge

_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_CHUNK = 1024 * 1024


def _check_directory(parts: list[zipfile.ZipInfo]) -> None:
    """Refuse a package whose central directory already states more than the budgets allow."""
    if len(parts) > budgets.MAX_DOCX_PARTS:
        raise TooLarge(
            f"too many parts: {len(parts):,} zip entries, over the {budgets.MAX_DOCX_PARTS:,} budget"
        )
    if len({part.filename for part in parts}) < len(parts):
        raise LoadError("corrupt DOCX: the zip names a part twice")
    total = 0
    for part in parts:
        name, inflated = part.filename, part.file_size
        if part.compress_type not in _METHODS:
            raise LoadError(f"corrupt DOCX: part {name!r} uses zip method {part.compress_type}, not deflate")
        if inflated > budgets.RATIO_FLOOR_BYTES and inflated > budgets.MAX_DOCX_RATIO * part.compress_size:
            ratio = inflated // max(part.compress_size, 1)
            raise TooLarge(
                f"zip bomb? part {name!r} inflates {ratio:,}:1 ({budgets.size(inflated)} from "
                f"{budgets.size(part.compress_size)}), over the {budgets.MAX_DOCX_RATIO}:1 budget"
            )
        if inflated > budgets.MAX_DOCX_PART_BYTES:
            limit = budgets.size(budgets.MAX_DOCX_PART_BYTES)
            raise TooLarge(
                f"too large: part {name!r} inflates to {budgets.size(inflated)}, over the {limit} budget"
            )
        total += inflated
    if total > budgets.MAX_DOCX_INFLATED_BYTES:
        limit = budgets.size(budgets.MAX_DOCX_INFLATED_BYTES)
        raise TooLarge(f"too large: the parts inflate to {budgets.size(total)}, over the {limit} budget")


def _read_capped(stream: IO[bytes], cap: int) -> bytes:
    """Up to `cap` + 1 bytes of `stream`, inflating no more than a chunk past what is kept."""
    chunks: list[bytes] = []
    kept = 0
    while kept <= cap and (chunk := stream.read(min(_CHUNK, cap + 1 - kept))):
        chunks.append(chunk)
        kept += len(chunk)
    return b"".join(chunks)


def checked_package(data: bytes) -> io.BytesIO:
    """`data` re-packed with every part checked and inflated under the budgets, stored uncompressed.

    Raises `TooLarge` or `LoadError`; `zipfile.BadZipFile` (and zlib errors) for a damaged zip.
    """
    left = budgets.MAX_DOCX_INFLATED_BYTES
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(rebuilt, "w") as target:
        parts = source.infolist()
        _check_directory(parts)
        for part in parts:
            cap = min(budgets.MAX_DOCX_PART_BYTES, left)
            with source.open(part) as stream:
                content = _read_capped(stream, cap)
            if len(content) > cap:  # the directory understated its size
                stated = budgets.size(part.file_size)
                raise TooLarge(
                    f"too large: part {part.filename!r} inflates past the budget (stated: {stated})"
                )
            left -= len(content)
            target.writestr(part.filename, content, compress_type=zipfile.ZIP_STORED)
    rebuilt.seek(0)
    return rebuilt
