"""`accords eval --folds N` and `accords tune`: the answer model fitted on some questions and judged on
others, and the model that `accords tune` writes.

The questions are asked once with the service's own retrieval (retrieval learns nothing from them); the
answer model is then fitted on the questions of N-1 folds and answers the questions of the last, in turn,
so every question is answered by a model that never saw it nor any question about its document
(`service.answer.tuning.folds`). A follow-up's earlier turns are recorded with the documents their best
passage came from, so the folds do not depend on any fitted model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from service.answer.extractive import ExtractiveAnswerer
from service.answer.model import AnswerModel
from service.answer.tuning import Asked, fit, folds
from service.evaluation.run import Outcome, judge
from service.schemas import ChatFilters, ChatRequest

if TYPE_CHECKING:
    from service.chat import ChatEngine

MAX_FILTER_DOCUMENTS = 100  # a request's document filter holds at most this many ids


def ask_all(engine: ChatEngine, items: Sequence[dict[str, Any]], k: int) -> list[Asked]:
    """Every question retrieved as `/chat` would, its history first (see the module's note)."""
    from service.chat import Turn  # here, not at the top: `accords --help` need not import the LLM clients

    asked = []
    for item in items:
        conversation_id, turns = "eval", list[Turn]()  # kept here: the service's store is not for this
        for turn in item.get("history") or []:
            request = ChatRequest(question=turn["question"], conversation_id=conversation_id)
            prepared = engine.prepare(request, (conversation_id, list(turns)))
            best = tuple(c.chunk.doc_id for c in prepared.retrieval.candidates[:1])
            turns.append(Turn(turn["question"], "", best, bool(best)))
        request = ChatRequest(question=item["question"], conversation_id=conversation_id, top_k=k)
        asked.append(Asked(item, engine.prepare(request, (conversation_id, list(turns))).retrieval, k))
    return asked


def synthetic_refusals(engine: ChatEngine, asked: Sequence[Asked]) -> list[Asked]:
    """Each answerable question asked again of every document except those that answer it (and their other
    versions): questions the documents cannot answer, whose topic is absent, for the found model to learn
    from. The training file's own unanswerable questions are all near misses (their topic is there);
    without these, the model quoted a passage for "What is the price of tea on the moon?"."""
    catalog = engine.view.catalog
    made = []
    for question in asked:
        if not question.answerable:
            continue
        gold = {question.item["doc"], *(question.item.get("also_docs") or [])}
        gold |= {version for doc in list(gold) for version in catalog.versions.get(doc, ())}
        others = [doc for doc in catalog.documents if doc not in gold][:MAX_FILTER_DOCUMENTS]
        if not others:
            continue
        request = ChatRequest(
            question=question.item["question"], top_k=question.top_k, filters=ChatFilters(document_id=others)
        )
        item = {**question.item, "doc": None, "also_docs": [], "synthetic": True}
        made.append(Asked(item, engine.prepare(request).retrieval, question.top_k))
    return made


def fit_on(engine: ChatEngine, asked: Sequence[Asked], provenance: dict[str, Any]) -> AnswerModel:
    """The answer model fitted on these questions and their synthetic refusals."""
    return fit([*asked, *synthetic_refusals(engine, asked)], engine.view.lexical.idf, provenance)


def answer_with(model: AnswerModel, engine: ChatEngine, asked: Sequence[Asked]) -> list[Outcome]:
    answerer = ExtractiveAnswerer(model)
    idf = engine.view.lexical.idf
    outcomes = []
    for question in asked:
        began = time.perf_counter()
        answer = answerer.answer(question.retrieval, question.top_k, idf)
        seconds = time.perf_counter() - began
        sources = [(c.chunk.doc_id, c.chunk.text) for c in answer.sources]
        outcomes.append(judge(question.item, sources, answer.found, answer.text, seconds, question.top_k))
    return outcomes


def cross_validate(engine: ChatEngine, items: Sequence[dict[str, Any]], k: int, count: int) -> list[Outcome]:
    """Each question answered by the model fitted on the other folds; in the file's order."""
    asked = ask_all(engine, items, k)
    outcomes: list[Outcome | None] = [None] * len(asked)
    for held_out in folds(asked, count):
        inside = set(held_out.tolist())
        model = fit_on(engine, [a for i, a in enumerate(asked) if i not in inside], {})
        for index, outcome in zip(
            held_out, answer_with(model, engine, [asked[i] for i in held_out]), strict=True
        ):
            outcomes[int(index)] = outcome
    return [outcome for outcome in outcomes if outcome is not None]


def tune(
    engine: ChatEngine, items: Sequence[dict[str, Any]], k: int, provenance: dict[str, Any]
) -> AnswerModel:
    """The answer model fitted on every question of the file."""
    return fit_on(engine, ask_all(engine, items, k), provenance)
