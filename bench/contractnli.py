"""An outside check nobody tuned for: ContractNLI's labelled NDAs asked through the one responder.

    .venv/bin/python -m bench.contractnli [--corpus DIR] [--contracts N] [--top-k K] [--misses] [--json]

Why it exists: issue "Answers that hold", Goals. Our own question sets were written over our own corpus;
ContractNLI (20 NDAs of its test split in `shared/corpus/contractnli/`, 17 hypotheses each, labelled
Entailment / Contradiction / NotMentioned by lawyers, with gold evidence spans) is a differently shaped
corpus with questions and evidence marked by others. Nothing in the answer model saw it.

What it does: the contracts are written as `.txt` files whose front matter sets the id `cnli-<id>`, and
ingested into a temp data dir by the normal pipeline with the configured embedder (the bundled MiniLM by
default; the ACCORDS_* environment applies, as for `accords ask`). Each hypothesis is asked as "Does the
agreement say that <hypothesis>?" through the responder `/chat`, `accords ask` and `accords eval` use,
restricted to its contract (`filters.document_id`), top_k 5, each in a new conversation. Gold spans count
characters of the contract text; they are found, in order, in the text the loader kept (normalized), so
every offset below is in the coordinates `Source.start`/`end` use. Measured:

- evidence@k: hypotheses with evidence (Entailment, Contradiction) where a listed source (even when the
  answer is a refusal, whose sources are the closest passages) overlaps a gold span. Goal >= 0.95.
- quotes gold: of the same, those whose answer has a sentence whose quote (its cited source's offsets)
  overlaps a gold span. Goal >= 0.80.
- refused (diagnostic): hypotheses labelled NotMentioned answered with found: false. A yes/no question
  about a clause the contract lacks often still has a related clause to quote, so this is no goal.

Measured (2 shared cores, MiniLM on onnxruntime, extractive answers): see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.embedders import open_embedder
from ingest.loaders import load_document
from ingest.loaders.normalize import normalize_text
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.runtime import running
from service.schemas import ChatFilters, ChatRequest, ChatResponse
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "contractnli"
CONTRACTS = "contractnli-test-subset-20.jsonl"
HYPOTHESES = "contractnli-test-subset-20-hypotheses.jsonl"
GOALS = {"evidence_at_k": 0.95, "quotes_gold": 0.80}
_MARKERS = re.compile(r"\s*\[\d+\]")
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Outcome:
    doc_id: str
    hypothesis_id: str
    label: str
    question: str
    found: bool
    evidence_hit: bool
    quotes_gold: bool
    answer: str


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_contracts(contracts: list[dict[str, Any]], folder: Path) -> None:
    """One `.txt` a contract (plain text: no Markdown heading marks to lose), its id in the front matter."""
    folder.mkdir(parents=True, exist_ok=True)
    for contract in contracts:
        doc_id = f"cnli-{contract['id']}"
        title = json.dumps(Path(contract["file_name"]).stem)  # a JSON string is a YAML string
        head = f"---\nid: {doc_id}\ntitle: {title}\nkind: contract\n---\n"
        (folder / f"{doc_id}.txt").write_text(head + contract["text"], encoding="utf-8")


def loaded_spans(contract: dict[str, Any], loaded_text: str) -> list[Span | None]:
    """Each span of the contract (they come in text order) found in the loaded text, after the previous one;
    None for a span normalizing left empty or not found (counted, never silently moved)."""
    spans: list[Span | None] = []
    cursor = 0
    for start, end in contract["spans"]:
        piece = normalize_text(contract["text"][start:end])
        found = loaded_text.find(piece, cursor) if piece else -1
        if found < 0:
            spans.append(None)
            continue
        spans.append((found, found + len(piece)))
        cursor = found + len(piece)
    return spans


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def quoted_spans(response: ChatResponse) -> list[Span]:
    """Where, in the document, each answer sentence quotes its first cited source."""
    by_id = {source.id: source for source in response.sources}
    quotes: list[Span] = []
    for sentence in response.sentences:
        source = by_id.get(sentence.sources[0]) if sentence.sources else None
        if source is None:
            continue
        if sentence.passage_start is not None and sentence.passage_end is not None:
            quotes.append((source.start + sentence.passage_start, source.start + sentence.passage_end))
            continue
        text = _MARKERS.sub("", response.answer[sentence.start : sentence.end]).strip()
        at = source.text.find(text) if text else -1
        if at >= 0:
            quotes.append((source.start + at, source.start + at + len(text)))
    return quotes


def question_for(hypothesis: str) -> str:
    return f"Does the agreement say that {hypothesis.strip().rstrip('.')}?"


async def ask_all(
    settings: Settings, items: list[tuple[dict[str, Any], list[Span]]], top_k: int
) -> list[Outcome]:
    outcomes = []
    async with running(settings) as runtime:
        runtime.view.wait_for_lexical()
        for hypothesis, gold in items:
            doc_id = f"cnli-{hypothesis['doc_id']}"
            question = question_for(hypothesis["hypothesis"])
            response = await runtime.responder.respond(
                ChatRequest(question=question, filters=ChatFilters(document_id=[doc_id]), top_k=top_k)
            )
            sources = [(source.start, source.end) for source in response.sources[:top_k]]
            quotes = quoted_spans(response) if response.found else []
            outcomes.append(
                Outcome(
                    doc_id=doc_id,
                    hypothesis_id=hypothesis["hypothesis_id"],
                    label=hypothesis["label"],
                    question=question,
                    found=response.found,
                    evidence_hit=any(overlaps(s, g) for s in sources for g in gold),
                    quotes_gold=any(overlaps(q, g) for q in quotes for g in gold),
                    answer=response.answer,
                )
            )
    return outcomes


def run(corpus: Path, contracts_limit: int | None, top_k: int, work: Path) -> dict[str, Any]:
    contracts = read_jsonl(corpus / CONTRACTS)[:contracts_limit]
    chosen = {contract["id"] for contract in contracts}
    hypotheses = [h for h in read_jsonl(corpus / HYPOTHESES) if h["doc_id"] in chosen]
    settings = Settings(data_dir=work / "data")
    folder = work / "contracts"
    write_contracts(contracts, folder)
    embedder = open_embedder(settings)
    print(f"ingesting {len(contracts)} contracts with {embedder.model_name}", file=sys.stderr)
    began = time.perf_counter()
    summary = Ingestor(open_store(settings, embedder), embedder, settings).run([folder])
    ingest_s = time.perf_counter() - began
    gold_by_doc: dict[int, list[Span | None]] = {}
    for contract in contracts:
        text = load_document(folder / f"cnli-{contract['id']}.txt").text
        gold_by_doc[contract["id"]] = loaded_spans(contract, text)
    unmapped = sum(
        1 for h in hypotheses for i in h["evidence_span_indices"] if gold_by_doc[h["doc_id"]][i] is None
    )
    items = [
        (h, [s for i in h["evidence_span_indices"] if (s := gold_by_doc[h["doc_id"]][i]) is not None])
        for h in hypotheses
    ]
    print(f"asking {len(items)} hypotheses", file=sys.stderr)
    began = time.perf_counter()
    outcomes = asyncio.run(ask_all(settings, items, top_k))
    ask_s = time.perf_counter() - began
    return report(outcomes, embedder.model_name, summary.chunks_written, ingest_s, ask_s, unmapped)


def report(
    outcomes: list[Outcome], model: str, chunks: int, ingest_s: float, ask_s: float, unmapped: int
) -> dict[str, Any]:
    with_evidence = [o for o in outcomes if o.label != "NotMentioned"]
    not_mentioned = [o for o in outcomes if o.label == "NotMentioned"]

    def share(items: list[Outcome], hit: str) -> float | None:
        return round(sum(getattr(o, hit) for o in items) / len(items), 3) if items else None

    figures = {
        "evidence_at_k": share(with_evidence, "evidence_hit"),
        "quotes_gold": share(with_evidence, "quotes_gold"),
        "found_with_evidence": share(with_evidence, "found"),
        "not_mentioned_refused": round(1 - (share(not_mentioned, "found") or 0), 3)
        if not_mentioned
        else None,
    }
    by_label = {
        label: {
            "n": len(items),
            "evidence_at_k": share(items, "evidence_hit"),
            "quotes_gold": share(items, "quotes_gold"),
        }
        for label in ("Entailment", "Contradiction")
        if (items := [o for o in with_evidence if o.label == label])
    }
    return {
        "model": model,
        "contracts": len({o.doc_id for o in outcomes}),
        "hypotheses": len(outcomes),
        "with_evidence": len(with_evidence),
        "not_mentioned": len(not_mentioned),
        "chunks": chunks,
        "unmapped_gold_spans": unmapped,
        "ingest_seconds": round(ingest_s, 1),
        "ask_ms_mean": round(1000 * ask_s / max(len(outcomes), 1), 1),
        "figures": figures,
        "by_label": by_label,
        "goals": {name: {"goal": goal, "met": (figures[name] or 0) >= goal} for name, goal in GOALS.items()},
        "misses": {
            "evidence": [asdict(o) for o in with_evidence if not o.evidence_hit],
            "quote": [asdict(o) for o in with_evidence if not o.quotes_gold],
        },
    }


def print_report(result: dict[str, Any], show_misses: bool) -> None:
    figures, misses = result["figures"], result["misses"]
    print(
        f"ContractNLI: {result['contracts']} contracts ({result['chunks']} chunks, model {result['model']}, "
        f"ingest {result['ingest_seconds']} s), {result['hypotheses']} hypotheses, "
        f"{result['ask_ms_mean']} ms per answer; gold spans not found in the loaded text: "
        f"{result['unmapped_gold_spans']}"
    )
    n = result["with_evidence"]
    for name, label, missed in (
        ("evidence_at_k", "a source covers a gold span", len(misses["evidence"])),
        ("quotes_gold", "the answer quotes a gold span", len(misses["quote"])),
    ):
        goal = result["goals"][name]
        print(
            f"  {label:34} {figures[name]:.3f}  (goal >= {goal['goal']}, "
            f"{'met' if goal['met'] else 'NOT met'}; {missed} misses of {n})"
        )
    print(f"  {'found (with evidence)':34} {figures['found_with_evidence']:.3f}")
    refused = figures["not_mentioned_refused"]
    print(
        f"  {'NotMentioned refused (diagnostic)':34} {refused if refused is None else f'{refused:.3f}'}  "
        f"(of {result['not_mentioned']})"
    )
    for label, row in result["by_label"].items():
        print(
            f"  {label:14} n={row['n']:3}  evidence {row['evidence_at_k']:.3f}  "
            f"quotes {row['quotes_gold']:.3f}"
        )
    if show_misses:
        for kind in ("evidence", "quote"):
            print(f"\n{kind} misses:")
            for miss in misses[kind]:
                print(
                    f"- {miss['doc_id']} {miss['hypothesis_id']} [{miss['label']}] found={miss['found']}: "
                    f"{miss['answer'][:200]!r}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the contractnli folder")
    parser.add_argument("--contracts", type=int, default=None, help="only the first N contracts")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    if not (options.corpus / CONTRACTS).is_file():
        print(f"no {CONTRACTS} in {options.corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="accords-cnli-") as work:
        result = run(options.corpus, options.contracts, options.top_k, Path(work))
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result, options.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
