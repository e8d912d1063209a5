"""`accords db upgrade` and `accords report gaps`, on both databases; and the retention task."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

import service.owner.cli
from harness import HashingEmbedder
from service.cli import app
from service.owner import OwnerStore, current_revision, head_revision, open_owner_store, tidying
from service.owner.tables import AnswerRow
from service.settings import Settings
from tests.service.conftest import service_settings
from tests.service.owner.test_store import answer


def run(settings: Settings, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), obj=settings, env={"COLUMNS": "200"})


def test_db_upgrade_migrates_the_configured_database(owner_settings: Settings) -> None:
    result = run(owner_settings, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "schema up to date" in result.output
    store = open_owner_store(owner_settings)
    assert current_revision(store.engine) == head_revision()
    store.close()


def test_db_upgrade_says_when_the_url_is_wrong(tmp_path: Path) -> None:
    unreachable = service_settings(tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none")
    result = run(unreachable, "db", "upgrade")
    assert result.exit_code == 4 and "does not answer" in result.output
    nonsense = service_settings(tmp_path, database_url="not a url")
    assert run(nonsense, "db", "upgrade").exit_code == 2


def test_report_gaps(
    owner: OwnerStore,
    owner_settings: Settings,
    sample_data: Path,
    fake: HashingEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service.owner.cli, "open_embedder", lambda _settings: fake)
    settings = owner_settings.model_copy(update={"data_dir": sample_data})
    empty = run(settings, "report", "gaps")
    assert empty.exit_code == 0 and "No unanswered" in empty.output
    owner.record(answer("a1", question="What is the minimum flow at the Keld gauging station?", found=False))
    owner.record(answer("a2", question="What is the minimum flow at Keld in summer?", found=False))
    result = run(settings, "report", "gaps", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["questions"] == 2 and report["clusters"][0]["size"] == 2
    assert report["clusters"][0]["documents"][0]["document_id"] == "northwater-basin-treaty"
    shown = run(settings, "report", "gaps", "--since", "2000-01-01")
    assert (
        shown.exit_code == 0
        and "2 questions in 1 group," in shown.output
        and "closest documents" in shown.output
    )
    assert run(settings, "report", "gaps", "--since", "yesterday").exit_code == 2


def test_the_retention_task_purges_at_start_and_then_periodically(owner: OwnerStore) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=owner.answer_retention_hours + 1)

    def expire(answer_id: str) -> None:
        owner.record(answer(answer_id))
        with owner.engine.begin() as connection:
            connection.execute(update(AnswerRow).where(AnswerRow.id == answer_id).values(created_at=long_ago))

    async def scenario() -> None:
        expire("at-start")
        async with tidying(owner, interval=0.05):
            with owner.sessions() as session:
                assert session.get(AnswerRow, "at-start") is None
            expire("later")
            for _ in range(100):
                await asyncio.sleep(0.05)
                with owner.sessions() as session:
                    if session.get(AnswerRow, "later") is None:
                        return
            raise AssertionError("the expired answer was not deleted")

    asyncio.run(scenario())
