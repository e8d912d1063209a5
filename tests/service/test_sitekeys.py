"""The site-key store (a JSON file in the data dir) and `accords keys create|list|revoke`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from service.access.origins import InvalidOrigin
from service.access.sitekeys import KeyFileError, SiteKeyStore
from service.cli import app
from tests.service.conftest import service_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "site-keys.json"


def test_create_normalizes_and_persists(path: Path) -> None:
    store = SiteKeyStore(path)
    key = store.create(["HTTPS://Example.org:443/", "https://example.org", "http://localhost:3000"], "30/min")
    assert key.key.startswith("pk_") and len(key.key) >= 20
    assert key.origins == ("https://example.org", "http://localhost:3000")
    assert (key.rate, key.active, key.kind) == ("30/minute", True, "public")
    assert SiteKeyStore(path).get(key.key) == key  # another process reads the same key
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["keys"][0]["origins"] == list(key.origins)
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []  # no temp file left
    assert store.create(["https://other.example"]).key != key.key
    assert store.allowed_origins() == {
        "https://example.org",
        "http://localhost:3000",
        "https://other.example",
    }


@pytest.mark.parametrize(
    ("origins", "rate", "error"),
    [
        ([], None, ValueError),
        (["https://a.example/path"], None, InvalidOrigin),
        (["https://a.example"], "x", ValueError),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    path: Path, origins: list[str], rate: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        SiteKeyStore(path).create(origins, rate)
    assert not path.exists()


def test_revoked_keys_are_refused_but_listed(path: Path) -> None:
    store = SiteKeyStore(path)
    keep = store.create(["https://a.example"])
    gone = store.create(["https://b.example"])
    revoked = store.revoke(gone.key)
    assert revoked is not None and revoked.revoked_at is not None and not revoked.active
    assert store.revoke(gone.key) == revoked  # idempotent: keeps the first revocation time
    assert store.revoke("pk_unknown") is None
    assert store.get(gone.key) is None and store.get(keep.key) == keep
    assert store.allowed_origins() == {"https://a.example"}
    assert [k.key for k in store.keys()] == [keep.key, gone.key]


def test_the_service_notices_changes_at_most_once_per_interval(path: Path) -> None:
    clock = Clock()
    service = SiteKeyStore(path, check_interval=1.0, clock=clock)
    assert service.allowed_origins() == frozenset()  # no file yet: no keys, CORS closed
    key = SiteKeyStore(path).create(["https://a.example"])  # `accords keys create` elsewhere
    assert service.get(key.key) is None  # checked less than a second ago
    clock.now += 1.0
    assert service.get(key.key) == key
    SiteKeyStore(path).revoke(key.key)
    clock.now += 1.0
    assert service.get(key.key) is None and service.allowed_origins() == frozenset()


def test_a_broken_file_keeps_the_last_good_keys(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    service = SiteKeyStore(path, clock=clock)
    key = SiteKeyStore(path).create(["https://a.example"])
    assert service.get(key.key) == key
    path.write_text("{ not json")
    clock.now += 5
    assert service.get(key.key) == key
    assert "cannot read the site keys" in caplog.text
    with pytest.raises(KeyFileError):
        SiteKeyStore(path).create(["https://b.example"])  # never overwrites what it cannot read
    assert path.read_text() == "{ not json"


def test_records_with_bad_origins_make_the_file_unreadable(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"keys": [{"key": "pk_x", "origins": ["ftp://a.example"]}]}))
    with pytest.raises(KeyFileError, match="http"):
        SiteKeyStore(path).keys()
    result = keys(path.parent, "list")
    assert result.exit_code == 4 and "cannot read the site keys" in result.stderr


def test_other_kinds_of_key_grant_no_chat(path: Path) -> None:
    # Room for issue 6's admin keys in the same file: they never count as site keys.
    path.parent.mkdir(parents=True)
    record = {"key": "ak_x", "kind": "admin", "origins": ["https://a.example"], "created_at": "now"}
    path.write_text(json.dumps({"version": 1, "keys": [record]}))
    store = SiteKeyStore(path)
    assert store.get("ak_x") is None and store.allowed_origins() == frozenset()


# ---------------------------------------------------------------------------- the command


def keys(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["keys", *args], obj=service_settings(data_dir), env={"COLUMNS": "300"})


def test_keys_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    created = keys(data, "create", "--origin", "https://Example.org/", "--origin", "http://localhost:8080")
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("pk_") and "\n" not in key  # KEY=$(accords keys create ...) works
    assert f'data-site-key="{key}"' in created.stderr
    limited = keys(data, "create", "--origin", "https://b.example", "--rate", "2/min", "--json")
    record = json.loads(limited.stdout)
    assert (record["origins"], record["rate"], record["active"]) == (["https://b.example"], "2/minute", True)

    listed = json.loads(keys(data, "list", "--json").stdout)
    assert [(k["key"], k["rate"]) for k in listed] == [(key, "30/minute"), (record["key"], "2/minute")]
    table = keys(data, "list").stdout
    assert key in table and "https://example.org" in table and "30/minute (default)" in table

    revoked = keys(data, "revoke", key)
    assert revoked.exit_code == 0 and key in revoked.stdout
    assert [k["key"] for k in json.loads(keys(data, "list", "--json").stdout)] == [record["key"]]
    assert len(json.loads(keys(data, "list", "--all", "--json").stdout)) == 2
    assert keys(data, "revoke", "pk_nope").exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--origin", "example.org"], "http:// or https://"),
        (["--origin", "https://example.org/widget"], "no path"),
        (["--origin", "https://example.org", "--rate", "fast"], "not a rate"),
    ],
)
def test_keys_create_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = keys(tmp_path / "data", "create", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "data" / "site-keys.json").exists()


def test_keys_create_needs_an_origin(tmp_path: Path) -> None:
    assert keys(tmp_path / "data", "create").exit_code == 2


def test_keys_file_is_private(tmp_path: Path) -> None:
    keys(tmp_path / "data", "create", "--origin", "https://a.example")
    assert os.stat(tmp_path / "data" / "site-keys.json").st_mode & 0o077 == 0
