"""How much of a file the loaders will read, inflate, parse and keep: every number in one place.

Why budgets: an ingest folder may hold files nobody vetted (admin uploads, a mirrored web archive), and
before these limits a 1.08 MB DOCX whose document.xml inflates to 1 GiB took the loader from 62 MB to
2.1 GB of memory before failing, and a 421-byte YAML alias bomb took 7 s, 400 MB and was added with
58 MB of metadata. A file over budget is refused with a `TooLarge` reason naming the budget, so the user
knows it was not a parse error, and a stored version of the document is kept.

The values are far above any agreement we expect, yet bound the worst case to a few hundred MB and
under a minute per file; they are module constants (tests monkeypatch them) rather than settings,
because no deployment should need to raise them.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

# Text extracted from any file (PDF pages, DOCX body): 2,000 PDF pages of prose extract to 3.9 M
# characters, and the pipeline chunks and embeds all of it, so this also bounds one file's embedding.
MAX_TEXT_CHARS = 16 * MIB

# .md/.txt read whole and decoded: four times those 2,000 pages (the largest agreement in the shared
# corpus is 93 KB).
MAX_TEXT_FILE_BYTES = 16 * MIB

# .html/.htm: lxml plus trafilatura measured 37 s and 484 MB peak on a 16 MiB article page (4 MiB:
# 2.5 s, 169 MB): the most one page should cost.
MAX_HTML_BYTES = 16 * MIB

# .pdf: pypdf holds the whole file. Text PDFs are small (2,000 fpdf2 pages of prose: 1.3 MB); what
# exceeds this is mostly scanned images, which have no text layer to read anyway.
MAX_PDF_BYTES = 128 * MIB
# Pages extracted per PDF: 2,000 pages of prose took 4.7 s. pypdf itself allows a 100,000-entry page
# tree (minutes even for blank pages); its `Configuration` already bounds each stream's inflation.
MAX_PDF_PAGES = 5_000

# .docx: the zip on disk, then what its central directory says it inflates to (checked before any
# part is read; python-docx reads every part whole). A 10.6 MB document.xml (8.6 M characters of
# text) loaded in 40 s with 67 MB of growth, so 64 MiB in all stays within a few hundred MB.
MAX_DOCX_BYTES = 64 * MIB
MAX_DOCX_INFLATED_BYTES = 64 * MIB
# One part (document.xml is the one lxml parses into a tree several times its size).
MAX_DOCX_PART_BYTES = 32 * MIB
# Zip entries: Word writes about 20; images and embedded objects add one each.
MAX_DOCX_PARTS = 2_000
# Inflated/compressed size of a part: Word's most compressible part, styles.xml, measured 32x; zeros
# deflate about 1,000x. Only parts over RATIO_FLOOR_BYTES are judged: a small part cannot be a bomb.
MAX_DOCX_RATIO = 100
RATIO_FLOOR_BYTES = 1 * MIB

# YAML front matter: hand-typed key: value lines, at most 1,071 bytes in the shared corpus.
MAX_FRONT_MATTER_BYTES = 64 * KIB
# The parsed front matter as JSON (what the store keeps as the document's metadata).
MAX_METADATA_BYTES = 64 * KIB
# Nesting of lists/mappings in front matter: real blocks nest two or three levels; PyYAML composes
# nodes recursively, so depth must be bounded well below Python's recursion limit.
MAX_FRONT_MATTER_DEPTH = 20


def size(n: int) -> str:
    """Bytes for a reason line: "64 MiB", "1.5 MiB", "900 KiB", "512 bytes"."""
    if n >= MIB:
        return f"{n / MIB:.1f}".removesuffix(".0") + " MiB"
    if n >= KIB:
        return f"{n / KIB:.1f}".removesuffix(".0") + " KiB"
    return f"{n} bytes"
