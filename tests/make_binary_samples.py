"""Regenerate the binary samples (`.docx`, `.pdf`) from the text below.

Why a script: binary files cannot be reviewed in a diff, so their content lives here and the generated
files are committed next to it (running the demo needs no generation step). Dates inside the files are
pinned so that re-running the script reproduces the same bytes and does not churn the store's content
hashes. Run: `.venv/bin/python tests/make_binary_samples.py` (needs fpdf2 from the dev extras).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
from fpdf import FPDF

HERE = Path(__file__).resolve().parents[1] / "samples"
PINNED = dt.datetime(2025, 1, 20, 12, 0, tzinfo=dt.UTC)

DOCX_TITLE = "Memorandum of Understanding on Fisheries Cooperation between Aldermere and Tessaly"
DOCX_SECTIONS = [
    (
        "1. Purpose",
        [
            "This Memorandum sets out how the Parties will manage the fish stocks they share in the Sea of "
            "Ostra, fight illegal, unreported and unregulated fishing, and support coastal communities.",
        ],
    ),
    (
        "2. Catch Limits for 2025",
        [
            "The Parties agree on the following total allowable catches for 2025 and on the share of each "
            "total allocated to vessels flagged in Aldermere. The remainder is allocated to Tessaly.",
        ],
    ),
    (
        "3. Joint Patrols",
        [
            "The fisheries inspection services of both Parties will carry out at least 40 joint patrol days "
            "per year. Inspectors of one Party may board vessels of the other Party in the joint zone.",
            "Vessels longer than 12 metres shall carry a satellite vessel monitoring system at all times.",
        ],
    ),
    (
        "4. Scientific Cooperation",
        [
            "A joint scientific working group will survey the herring spawning grounds every spring and "
            "advise on catch limits by 30 September of each year. Tessaly will host the group in 2025.",
        ],
    ),
    (
        "5. Final Provisions",
        [
            "This Memorandum is not legally binding. It takes effect on signature and remains in effect for "
            "three years. It may be reviewed at the request of either Party.",
        ],
    ),
]
DOCX_QUOTAS = [
    ("Species", "Total allowable catch 2025 (tonnes)", "Share for Aldermere"),
    ("Herring", "48,000", "55%"),
    ("Mackerel", "31,500", "40%"),
    ("Cod", "9,200", "50%"),
]

PDF_TITLE = "Sarn-Korvath Clean Energy Partnership: Implementation Plan 2025-2030"
PDF_PAGES = [
    [
        ("h", "Sarn-Korvath Clean Energy Partnership"),
        ("h", "Implementation Plan 2025-2030"),
        (
            "p",
            "Adopted in Valmont on 17 January 2025 by the Energy Ministers of the Principality of Sarn "
            "and the Federal Republic of Korvath.",
        ),
        ("h", "1. Offshore Wind"),
        (
            "p",
            "The Parties will build the Skarholm offshore wind array with a capacity of 600 megawatts. "
            "Construction starts in 2026 and commissioning is planned for 2028. Korvath's state energy "
            "company and a consortium of Sarn investors will each hold half of the project company.",
        ),
        ("h", "2. Grid Interconnector"),
        (
            "p",
            "A high-voltage direct current interconnector with a capacity of 1.4 gigawatts will link the "
            "substations of Valmont and Brenholt by 2029, allowing surplus wind power from Sarn to reach "
            "industrial consumers in Korvath.",
        ),
    ],
    [
        ("h", "3. Financing"),
        (
            "p",
            "The total investment is estimated at EUR 2.3 billion. Each Party will provide public "
            "guarantees of up to EUR 400 million, and the Parties will jointly apply for loans from "
            "multilateral development banks for the interconnector.",
        ),
        ("h", "4. Monitoring"),
        (
            "p",
            "A joint secretariat in Valmont will publish a progress report every March. The Energy "
            "Ministers will review the plan in 2027 and may adjust the milestones below.",
        ),
        ("h", "Annex: Milestones"),
        (
            "p",
            "2025: site surveys completed for Skarholm. 2026: start of offshore construction. "
            "2028: Skarholm array commissioned. 2029: interconnector in operation.",
        ),
    ],
]


def make_docx(path: Path) -> None:
    document = docx.Document()
    props = document.core_properties
    props.title = DOCX_TITLE
    props.author = "Sample corpus"
    props.created = props.modified = PINNED.replace(tzinfo=None)
    props.last_modified_by = "Sample corpus"
    props.revision = 1
    document.add_paragraph(DOCX_TITLE, style="Title")
    document.add_paragraph(
        "Signed at Port Ellery on 2 October 2024 by the Minister of Fisheries of the Republic of Aldermere "
        "and the Minister of Maritime Affairs of the Kingdom of Tessaly."
    )
    for heading, paragraphs in DOCX_SECTIONS:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        if heading.startswith("2."):
            table = document.add_table(rows=len(DOCX_QUOTAS), cols=3)
            for row, values in zip(table.rows, DOCX_QUOTAS, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
            document.add_heading("2.1 Review of Catch Limits", level=2)
            document.add_paragraph(
                "Catch limits for 2026 and later years will be set by the Joint Fisheries Committee before "
                "15 December of the preceding year, on the basis of the scientific advice under section 4."
            )
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_pin_zip_times(buffer.getvalue()))


def _pin_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps (python-docx stamps them with the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=PINNED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return out.getvalue()


def make_pdf(path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Sample corpus")
    pdf.set_creation_date(PINNED)
    pdf.set_margins(20, 20, 20)
    for page in PDF_PAGES:
        pdf.add_page()
        for style, text in page:
            if style == "h":
                pdf.set_font("Helvetica", style="B", size=13)
                pdf.multi_cell(0, 8, text)
            else:
                pdf.set_font("Helvetica", size=11)
                pdf.multi_cell(0, 6, text)
            pdf.ln(3)
    pdf.output(str(path))


def main() -> None:
    make_docx(HERE / "aldermere-tessaly-fisheries-mou.docx")
    make_pdf(HERE / "sarn-korvath-clean-energy-plan.pdf")


if __name__ == "__main__":
    main()
