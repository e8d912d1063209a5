"""The owner store on SQLite and PostgreSQL: migrations, recorded answers, feedback, the question log,
retention, and what the gaps report reads."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, update

from service.owner import (
    AnswerRecord,
    DocumentRef,
    FeedbackFilters,
    OwnerStore,
    QuestionFilters,
    current_revision,
    database_url,
    head_revision,
    migrate,
    open_owner_store,
)
from service.owner.tables import AnswerRow, FeedbackRow, QuestionRow
from service.schemas import new_answer_id, new_id
from service.settings import Settings
from tests.service.conftest import service_settings

TREATY = DocumentRef(document_id="northwater-basin-treaty", title="Northwater Basin Treaty")


def answer(
    answer_id: str, question: str = "When does the treaty enter into force?", **changes: object
) -> AnswerRecord:
    record = AnswerRecord(
        answer_id=answer_id,
        question=question,
        answer="It enters into force on 1 March [1].",
        sources=(TREATY,),
        cited=(TREATY.document_id,),
        mode="extractive",
        found=True,
        site_key=None,
        conversation_id="conv-1",
        latency_ms=42,
    )
    return replace(record, **changes)  # type: ignore[arg-type]


def test_the_schema_is_migrated_to_the_newest_revision_once(
    owner: OwnerStore, owner_settings: Settings
) -> None:
    assert current_revision(owner.engine) == head_revision() is not None
    assert {"answers", "feedback", "questions"} <= set(inspect(owner.engine).get_table_names())
    migrate(owner_settings)  # again: nothing to do
    assert current_revision(owner.engine) == head_revision()


def test_replicas_starting_together_migrate_once(owner_settings: Settings) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_owner_store(owner_settings).close()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = open_owner_store(owner_settings)
    assert current_revision(store.engine) == head_revision()
    store.close()


def test_feedback_is_stored_with_the_answer_it_rates(owner: OwnerStore) -> None:
    assert owner.record(answer("a1", site_key="pk_site"))
    first = owner.submit_feedback("a1", "down", "Wrong date")
    assert first is not None
    page = owner.feedback(FeedbackFilters(), limit=10)
    assert page.total == 1
    item = page.items[0]
    assert (item.id, item.answer_id, item.rating, item.comment) == (first, "a1", "down", "Wrong date")
    assert (item.question, item.mode, item.found, item.site_key) == (
        "When does the treaty enter into force?",
        "extractive",
        True,
        "pk_site",
    )
    assert item.sources == [TREATY]
    assert item.created_at.tzinfo is not None and abs(item.created_at - datetime.now(UTC)) < timedelta(
        minutes=1
    )


def test_a_second_rating_replaces_the_first(owner: OwnerStore) -> None:
    owner.record(answer("a1"))
    first = owner.submit_feedback("a1", "down", "Wrong")
    second = owner.submit_feedback("a1", "up", None)
    assert first == second
    page = owner.feedback(FeedbackFilters(), limit=10)
    assert page.total == 1 and (page.items[0].rating, page.items[0].comment) == ("up", None)


def test_unknown_and_expired_answers_cannot_be_rated(owner: OwnerStore) -> None:
    assert owner.submit_feedback("nope", "up", None) is None
    owner.record(
        answer("old", created_at=datetime.now(UTC) - timedelta(hours=owner.answer_retention_hours + 1))
    )
    assert owner.submit_feedback("old", "up", None) is None
    assert owner.feedback(FeedbackFilters(), limit=10).total == 0


def test_feedback_filters(owner: OwnerStore) -> None:
    owner.record(answer("a1", question="What is 100% of the quota total?", site_key="pk_one"))
    owner.record(answer("a2", question="Who signed?", site_key="pk_two"))
    owner.record(answer("a3", question="Where is it?"))
    owner.submit_feedback("a1", "down", "missing")
    owner.submit_feedback("a2", "up", None)
    owner.submit_feedback("a3", "down", "Fine PRINT")

    def ids(**filters: object) -> set[str]:
        page = owner.feedback(FeedbackFilters(**filters), limit=10)  # type: ignore[arg-type]
        assert page.total == len(page.items)
        return {item.answer_id for item in page.items}

    assert ids() == {"a1", "a2", "a3"}
    assert ids(rating="down") == {"a1", "a3"}
    assert ids(site_key="pk_two") == {"a2"}
    assert ids(text="print") == {"a3"}  # the comment, any case
    assert ids(text="100%") == {"a1"}  # % and _ are literal, not wildcards
    assert ids(text="a_total") == set()
    assert ids(since=datetime.now(UTC) + timedelta(minutes=1)) == set()
    assert ids(until=datetime.now(UTC) - timedelta(minutes=1)) == set()
    assert ids(
        since=datetime.now(UTC) - timedelta(minutes=1), until=datetime.now(UTC) + timedelta(minutes=1)
    ) == {
        "a1",
        "a2",
        "a3",
    }
    page = owner.feedback(FeedbackFilters(), limit=2, offset=2)
    assert (page.total, len(page.items)) == (3, 1)


def test_the_question_log_keeps_what_was_asked(owner: OwnerStore) -> None:
    owner.record(answer("a1", conversation_id="c1", site_key="pk_x"))
    owner.record(
        answer("a2", question="Who pays for the dredging?", found=False, cited=(), conversation_id="c2")
    )
    page = owner.questions(QuestionFilters(), limit=10)
    assert page.total == 2
    newest = page.items[0]
    assert (newest.question, newest.found, newest.documents, newest.conversation_id) == (
        "Who pays for the dredging?",
        False,
        [],
        "c2",
    )
    assert page.items[1].documents == [TREATY.document_id] and page.items[1].latency_ms == 42
    assert page.items[1].site_key == "pk_x"
    assert [i.conversation_id for i in owner.questions(QuestionFilters(conversation_id="c1"), 10).items] == [
        "c1"
    ]
    assert owner.questions(QuestionFilters(text="DREDGING"), 10).total == 1


def test_with_the_log_off_no_question_is_logged(owner_settings: Settings) -> None:
    store = open_owner_store(owner_settings.model_copy(update={"question_log": False}))
    try:
        store.record(answer("a1"))
        assert store.questions(QuestionFilters(), limit=10).total == 0
        assert store.submit_feedback("a1", "up", None) is not None  # answers are still kept for feedback
    finally:
        store.close()


def test_expired_rows_are_deleted(owner: OwnerStore) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=owner.question_log_days + 1)
    owner.record(answer("old"))
    owner.record(answer("new"))
    with owner.engine.begin() as connection:
        connection.execute(update(AnswerRow).where(AnswerRow.id == "old").values(created_at=long_ago))
        connection.execute(
            update(QuestionRow).where(QuestionRow.answer_id == "old").values(created_at=long_ago)
        )
    owner.submit_feedback("new", "down", None)
    assert owner.purge() == (1, 1, 0)
    assert owner.purge() == (0, 0, 0)
    assert owner.submit_feedback("old", "up", None) is None
    assert owner.questions(QuestionFilters(), 10).total == 1
    assert owner.feedback(FeedbackFilters(), 10).total == 1  # feedback is not the answers' retention


def test_ratings_are_kept_for_their_days_and_can_be_deleted(owner: OwnerStore) -> None:
    for answer_id in ("old", "new", "gone"):
        owner.record(answer(answer_id))
    old = owner.submit_feedback("old", "down", "a comment")
    kept = owner.submit_feedback("new", "up", None)
    gone = owner.submit_feedback("gone", "down", "please delete this")
    assert old and kept and gone
    long_ago = datetime.now(UTC) - timedelta(days=owner.feedback_days + 1)
    with owner.engine.begin() as connection:
        connection.execute(update(FeedbackRow).where(FeedbackRow.id == old).values(created_at=long_ago))
    assert owner.purge() == (0, 0, 1)
    assert owner.delete_feedback(gone) and not owner.delete_feedback(gone)
    assert [item.id for item in owner.feedback(FeedbackFilters(), 10).items] == [kept]


def test_a_failed_write_loses_only_the_record(owner: OwnerStore) -> None:
    assert owner.record(answer("same"))
    assert not owner.record(answer("same"))  # a duplicate id: refused by the database, logged, not raised


def test_the_gap_questions_are_each_answer_once(owner: OwnerStore) -> None:
    owner.record(answer("nf", question="Who dredges the harbour?", found=False))
    owner.record(answer("nf-down", question="What about fishing quotas?", found=False))
    owner.record(answer("down", question="When was it signed?"))
    owner.record(answer("fine", question="Where is Keld?"))
    owner.submit_feedback("nf-down", "down", None)
    owner.submit_feedback("down", "down", "wrong")
    owner.submit_feedback("fine", "up", None)
    items = {item.answer_id: item for item in owner.gap_questions(None, None)}
    assert set(items) == {"nf", "nf-down", "down"}
    assert (items["nf"].not_found, items["nf"].thumbs_down) == (True, False)
    assert (items["nf-down"].not_found, items["nf-down"].thumbs_down) == (True, True)
    assert (items["down"].not_found, items["down"].thumbs_down) == (False, True)
    assert owner.gap_questions(datetime.now(UTC) + timedelta(minutes=1), None) == []


@pytest.mark.parametrize("url", ["postgresql://user@127.0.0.1:1/db", "postgres://user@127.0.0.1:1/db"])
def test_a_plain_postgresql_url_uses_psycopg(url: str, tmp_path: Path) -> None:
    assert database_url(service_settings(tmp_path, database_url=url)).drivername == "postgresql+psycopg"


def test_without_a_url_the_store_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    assert database_url(service_settings(tmp_path)).database == str((tmp_path / "owner.db").resolve())


def test_ids_never_start_as_a_spreadsheet_formula(owner: OwnerStore) -> None:
    """A leading "-" made the CSV export prefix the id with "'" (one id in 64; the CSV test's flake)."""
    assert all(new_id(12)[0].isalnum() and new_answer_id()[0].isalnum() for _ in range(3000))
    owner.record(answer("rated"))
    assert str(owner.submit_feedback("rated", "up", None))[0].isalnum()
