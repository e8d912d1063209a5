"""The bundled sample corpus in `samples/` loads cleanly, with the metadata tests elsewhere rely on.

Facts in the samples (fictional), for retrieval and answer tests to ask about:

aldermere-korvath-joint-statement-v1.md  (joint-statement, 2024-03-14, Velmora)
  - President Ilse Dornick (Aldermere) and Chancellor Matteo Sarkis (Korvath); Strategic Partnership.
  - Strategic Partnership Council, first meeting in Brenholt in September 2024.
  - Green Hydrogen Corridor Velmora - Lower Korvath: EUR 1.2 billion by 2030, 380 km pipeline, 900 MW.
  - 500 scholarships per year from 2024/25; visas within 15 working days.
  - Naval exercise "Northern Tide" in the Sea of Ostra in 2025.
aldermere-korvath-joint-statement-v2-revised.md  (joint-statement, 2024-03-21; revised text)
  - Same statement, corrected: EUR 1.5 billion, 750 scholarships, first Council meeting in October 2024.
northwater-basin-treaty.md  (agreement-text, 2023-11-08, Aldermere and Sarn, id northwater-basin-treaty)
  - Chapter 2 "Water Allocation and Quality": Articles 3-6.
  - Article 4: notify 6 months ahead for works above 2 m3/s; consultations requested within 60 days.
  - Article 5 Minimum Flow: 42 m3/s at the Keld gauging station; drought: 30 m3/s for at most 60 days.
  - Article 6 Water Quality: nitrates at most 25 mg/l at the border; quarterly monitoring; 12-hour alert.
  - Article 7: Joint Northwater Commission, 3 members per Party, meets twice a year.
  - Article 8: in force 30 days after ratification, for 25 years, renewed for 10-year periods.
aldermere-coastal-resilience-fact-sheet.md  (fact-sheet, 2024-06-12, Canada and Aldermere, PGII)
  - Canada: up to CAD $420 million over five years (2024-2029); Aldermere co-finances CAD $95 million.
  - Deliverables: 3.2 km Velmora seawall by end 2026; storm-surge warning for 14 municipalities before the
    2025 storm season; two berths and an electrified terminal; 1,200 engineers and technicians trained;
    Velmora-Halifax green shipping corridor study by June 2025.
korvath-sarn-digital-trade-statement.html  (2024-09-05, Brenholt; page with nav/header/footer/cookie banner)
  - Ministers Helena Oskarsdottir (Korvath) and Rafael Montclair (Sarn).
  - E-invoicing interoperable by 1 January 2026; electronic certificates accepted from 1 July 2025.
  - Electronic bills of lading pilot in Skarholm and Valmont ports, first quarter of 2025.
  - Digital Trade Dialogue twice a year, first meeting March 2025; SME helpdesk.
aldermere-tessaly-fisheries-mou.docx  (2024-10-02 from the text, signed at Port Ellery; non-binding MoU)
  - Quota table 2025: herring 48,000 t (Aldermere 55%), mackerel 31,500 t (40%), cod 9,200 t (50%).
  - At least 40 joint patrol days a year; VMS on vessels over 12 m; 2026 limits set before 15 December.
  - Scientific advice by 30 September each year; valid for three years.
sarn-korvath-clean-energy-plan.pdf  (2 pages, 2025-01-17 from the text, adopted in Valmont)
  - Page 1: Skarholm offshore wind array 600 MW, construction 2026, commissioning 2028; 1.4 GW HVDC
    interconnector Valmont - Brenholt by 2029.
  - Page 2: total investment EUR 2.3 billion; guarantees up to EUR 400 million each; progress report
    every March; plan review in 2027; milestones annex.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, load_document

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)

EXPECTED = {
    "aldermere-korvath-joint-statement-v1.md": ("markdown", "2024-03-14", "joint-statement"),
    "aldermere-korvath-joint-statement-v2-revised.md": ("markdown", "2024-03-21", "joint-statement"),
    "northwater-basin-treaty.md": ("markdown", "2023-11-08", "agreement-text"),
    "aldermere-coastal-resilience-fact-sheet.md": ("markdown", "2024-06-12", "fact-sheet"),
    "korvath-sarn-digital-trade-statement.html": ("html", "2024-09-05", None),
    "aldermere-tessaly-fisheries-mou.docx": ("docx", "2024-10-02", None),
    "sarn-korvath-clean-energy-plan.pdf": ("pdf", "2025-01-17", None),
}


def test_the_sample_set_is_complete() -> None:
    assert {p.name for p in SAMPLE_FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_each_sample_loads_with_title_and_date(path: Path) -> None:
    doc = load_document(path)
    assert doc.title
    assert (doc.format, doc.date, doc.kind) == EXPECTED[path.name]
    assert doc.warnings == ()
    assert 150 <= len(doc.text.split()) <= 600


def test_markdown_samples_carry_front_matter() -> None:
    for name in EXPECTED:
        if name.endswith(".md"):
            doc = load_document(SAMPLES / name)
            assert doc.url and doc.url.startswith("https://") and ".example.org/" in doc.url
            assert len(doc.parties) == 2


def test_treaty_structure_and_revised_facts() -> None:
    treaty = load_document(SAMPLES / "northwater-basin-treaty.md")
    heading_lines = [treaty.text[offset:].split("\n", 1)[0] for offset in sorted(treaty.headings)]
    assert "## Chapter 2 — Water Allocation and Quality" in heading_lines
    assert "### Article 5 — Minimum Flow" in heading_lines
    assert "### Article 6 — Water Quality" in heading_lines
    assert treaty.doc_id == "northwater-basin-treaty"
    v1 = load_document(SAMPLES / "aldermere-korvath-joint-statement-v1.md").text
    v2 = load_document(SAMPLES / "aldermere-korvath-joint-statement-v2-revised.md").text
    assert "EUR 1.2 billion" in v1 and "EUR 1.5 billion" in v2
    assert "500 university scholarships" in v1 and "750 university scholarships" in v2


def test_binary_samples() -> None:
    pdf = load_document(SAMPLES / "sarn-korvath-clean-energy-plan.pdf")
    assert [span.page for span in pdf.pages] == [1, 2]
    assert "600 megawatts" in pdf.text[pdf.pages[0].start : pdf.pages[0].end]
    assert "EUR 2.3 billion" in pdf.text[pdf.pages[1].start : pdf.pages[1].end]
    word = load_document(SAMPLES / "aldermere-tessaly-fisheries-mou.docx")
    assert "Herring | 48,000 | 55%" in word.text
    assert len(word.headings) >= 6
    html = load_document(SAMPLES / "korvath-sarn-digital-trade-statement.html")
    assert "cookie" not in html.text.lower() and "All rights reserved" not in html.text
    assert "1 January 2026" in html.text
