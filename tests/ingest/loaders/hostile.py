"""Hostile files, built at test time (no bomb is committed), and a loader run in a fresh process whose
peak memory growth is read from its own `ru_maxrss` (the pytest process's high-water mark is useless)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import docx

ROOT = Path(__file__).resolve().parents[3]
_SPACES = b" " * (1 << 20)

_MEASURE = """
import json, resource, sys
from pathlib import Path
from ingest.loaders import load_document
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_document(Path(sys.argv[1]))
    error, reason = None, None
except Exception as exc:
    error, reason = type(exc).__name__, str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"error": error, "reason": reason, "growth_mb": (after - before) / 1024}))
"""


def docx_bomb(path: Path, inflated: int, *, understate: bool = False) -> Path:
    """A Word document whose document.xml is `inflated` bytes, nearly all spaces (deflates ~230:1).

    With `understate`, the central directory claims the part is 1,000 bytes, with the CRC of its first
    1,000 bytes, so a reader that trusts the directory sees a small, valid part.
    """
    template = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Hello bomb")
    document.save(template)
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "word/document.xml":
                out.writestr(info, data)
                continue
            head = data.split(b"<w:body>")[0] + b"<w:body>"
            with out.open("word/document.xml", "w", force_zip64=True) as part:
                part.write(head)
                for _ in range((inflated - len(head)) // len(_SPACES)):
                    part.write(_SPACES)
            if understate:
                stated = out.getinfo("word/document.xml")
                stated.file_size, stated.CRC = 1000, zlib.crc32((head + _SPACES)[:1000])
    return path


def alias_bomb(levels: int = 7, width: int = 10) -> str:
    """Markdown whose front matter expands to width**levels values through YAML aliases (~0.4 KB)."""
    lines = ["---", "a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join([*lines, "---", "", "# Bomb", "", "Body text."]) + "\n"


def load_in_subprocess(path: Path) -> dict[str, Any]:
    """`{"error", "reason", "growth_mb"}` of `load_document(path)` in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome
