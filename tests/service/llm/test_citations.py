"""The citation check: invalid markers go, cited sentences are checked against their passages, and
uncited claims are flagged. The thresholds are tested with the real model (slow) on the samples."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from harness import HashingEmbedder
from ingest.embedders import Embedder
from ingest.pipeline import Ingestor
from ingest.store import StoredChunk, open_store
from service.answer.citations import SUPPORT_THRESHOLD, CitationChecker, figures_match, is_claim
from tests.conftest import SAMPLES
from tests.service.conftest import service_settings

FLOW = "The Parties shall maintain a minimum flow of 42 cubic metres per second at the Keld gauging station."
QUALITY = "The concentration of nitrates at the border shall not exceed 25 milligrams per litre."


def passage(text: str, embedder: Embedder, title: str = "Northwater Basin Treaty") -> StoredChunk:
    spans = tuple((m.start(), m.end()) for m in re.finditer(r"[^.]+\.", text))
    vectors = embedder.embed([text[a:b] for a, b in spans]).astype(np.float16)
    return StoredChunk(
        chunk_id="c", doc_id="d", version="v", seq=0, text=text, start=0, end=len(text), heading=None,
        page=None, title=title, date="2023-11-08", kind=None, url=None, sentences=spans,
        sentence_vectors=base64.b64encode(vectors.tobytes()).decode(),
    )  # fmt: skip


@pytest.fixture
def checker(fake: HashingEmbedder) -> CitationChecker:
    return CitationChecker(fake)


def test_a_quote_of_the_cited_passage_is_supported(checker: CitationChecker, fake: HashingEmbedder) -> None:
    checked = checker.check(f"{FLOW[:-1]} [1].", [passage(FLOW, fake)])
    assert (checked.unsupported, checked.found, checked.removed_markers) == ([], True, 0)


def test_the_wrong_passage_and_a_wrong_figure_are_not(
    checker: CitationChecker, fake: HashingEmbedder
) -> None:
    passages = [passage(FLOW, fake), passage(QUALITY, fake)]
    answer = (
        "The minimum flow at Keld is 42 cubic metres per second [2]. The nitrate limit is 30 milligrams [2]."
    )
    checked = checker.check(answer, passages)
    assert checked.unsupported == [0, 1]
    assert not figures_match("The limit is 30 milligrams per litre.", [passages[1]])
    assert figures_match("The limit is twenty-five, i.e. 25 milligrams.", [passages[1]])


def test_invalid_markers_are_removed_and_uncited_claims_flagged(
    checker: CitationChecker, fake: HashingEmbedder
) -> None:
    checked = checker.check(f"{FLOW[:-1]} [7]. It was signed in Port Ellery.", [passage(FLOW, fake)])
    assert checked.removed_markers == 1 and "[7]" not in checked.text
    assert [s.sources for s in checked.sentences] == [(), ()]
    assert checked.unsupported == [0, 1]


def test_a_refusal_is_no_claim_and_not_found(checker: CitationChecker, fake: HashingEmbedder) -> None:
    checked = checker.check("The documents do not contain an answer to this question.", [passage(FLOW, fake)])
    assert (checked.found, checked.unsupported) == (False, [])
    assert not is_claim("Which treaty do you mean?")
    assert is_claim("The Commission meets twice a year.")


# ------------------------------------------------------------------ thresholds, with the real model

PARAPHRASES = [  # (answer sentence, a phrase of the passage it cites)
    ("The treaty takes effect thirty days after the instruments of ratification are exchanged.",
     "shall enter into force thirty days"),
    ("The parties have to keep at least 42 cubic metres per second flowing at the Keld gauging station.",
     "minimum flow of 42 cubic"),
    ("Nitrate levels at the border may not be higher than 25 milligrams per litre.",
     "nitrates in the Northwater"),
    ("A Party that plans a dam must tell the other Party at least six months beforehand.",
     "at least six months before"),
    ("Canada will give up to CAD $420 million over five years.", "CAD $420 million"),
    ("Aldermere and Korvath will pay for 750 scholarships a year for students from the other country.",
     "750 university scholarships"),
    ("The leaders set up a Strategic Partnership Council chaired by the foreign ministers that meets yearly.",
     "Strategic Partnership Council, chaired"),
]  # fmt: skip
OFF_TOPIC = [
    ("The parties agreed to abolish tariffs on solar panels.", "shall enter into force thirty days"),
    ("The agreement sets fishing quotas for cod in the northern waters.", "minimum flow of 42 cubic"),
    (
        "The leaders discussed cooperation on space exploration and satellite launches.",
        "750 university scholarships",
    ),
    ("The treaty was signed by the foreign ministers of both countries.", "CAD $420 million"),
]
WRONG_PASSAGE = [  # true claims, citing a passage that does not state them
    ("The treaty takes effect thirty days after the instruments of ratification are exchanged.",
     "composed of three members"),
    ("Nitrate levels at the border may not be higher than 25 milligrams per litre.",
     "minimum flow of 42 cubic"),
    ("The two navies will conduct their first joint exercise in the Sea of Ostra.",
     "750 university scholarships"),
    ("The Joint Northwater Commission meets at least twice a year.", "shall enter into force thirty days"),
]  # fmt: skip


@pytest.fixture(scope="module")
def real_passages(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> list[StoredChunk]:
    settings = service_settings(tmp_path_factory.mktemp("citations") / "data")
    store = open_store(settings, real_embedder)
    Ingestor(store, real_embedder, settings).run([SAMPLES])
    return list(store.iter_chunks())


def cited(chunks: list[StoredChunk], phrase: str) -> StoredChunk:
    return next(c for c in chunks if phrase in " ".join(c.text.split()))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cases", "supported"), [(PARAPHRASES, True), (OFF_TOPIC, False), (WRONG_PASSAGE, False)],
    ids=["paraphrase-passes", "off-topic-fails", "wrong-passage-fails"],
)  # fmt: skip
def test_thresholds_with_the_real_model(
    real_embedder: Embedder, real_passages: list[StoredChunk], cases: list[tuple[str, str]], supported: bool
) -> None:
    checker = CitationChecker(real_embedder)
    for sentence, phrase in cases:
        support = checker.support(sentence, [cited(real_passages, phrase)])
        assert support.supported is supported, (sentence, support, SUPPORT_THRESHOLD)
        margin = abs(support.score - SUPPORT_THRESHOLD)
        assert margin >= 0.05 or not support.figures_match, (sentence, support)  # not a coin toss
