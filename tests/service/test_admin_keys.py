"""Admin keys in the key file and `accords keys create --admin | list | revoke`: secrets shown once, stored
only as salted hashes, never accepted as site keys (nor site keys as admin keys)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from service.access import adminkeys
from service.access.sitekeys import SiteKeyStore
from service.cli import app
from tests.service.conftest import service_settings


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "site-keys.json"


def keys(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["keys", *args], obj=service_settings(data_dir), env={"COLUMNS": "300"})


def test_an_admin_key_is_stored_only_as_a_salted_hash(path: Path) -> None:
    store = SiteKeyStore(path)
    key, secret = store.create_admin("  ci deploys ")
    assert adminkeys.key_id_of(secret) == key.key and key.key.startswith("ak_")
    assert len(secret) >= len(key.key) + 1 + 43  # 32 random bytes, url-safe, after the id
    text = path.read_text()
    assert secret not in text and secret.split("_", 2)[2] not in text
    record = json.loads(text)["keys"][0]
    assert record["kind"] == "admin" and record["label"] == "ci deploys" and record["origins"] == []
    assert record["secret_hash"] == adminkeys.digest(record["salt"], secret)
    other_key, other = store.create_admin()
    assert other != secret and json.loads(path.read_text())["keys"][1]["salt"] != record["salt"]
    assert SiteKeyStore(path).admin_key(secret) == key  # another process verifies it
    assert SiteKeyStore(path).admin_key(other) == other_key


def test_only_the_exact_secret_of_an_active_admin_key_matches(path: Path) -> None:
    store = SiteKeyStore(path, check_interval=0)
    key, secret = store.create_admin()
    site = store.create(["https://a.example"])
    assert store.admin_key(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.admin_key(key.key) is None  # the id alone is not the secret
    assert store.admin_key(site.key) is None and store.get(key.key) is None
    assert store.allowed_origins() == {"https://a.example"}
    assert store.revoke(secret) is not None  # revoking by the whole secret works too
    assert store.admin_key(secret) is None


def test_a_hand_made_admin_record_without_a_hash_grants_nothing(path: Path) -> None:
    path.parent.mkdir(parents=True)
    secret = "ak_0123456789ab_" + "x" * 43
    record = {"key": "ak_0123456789ab", "kind": "admin", "origins": [], "created_at": "now"}
    path.write_text(
        json.dumps({"version": 1, "keys": [record, {**record, "salt": "zz", "secret_hash": "0"}]})
    )
    assert SiteKeyStore(path).admin_key(secret) is None


def test_public_key_records_keep_their_shape(path: Path) -> None:
    SiteKeyStore(path).create(["https://a.example"])
    record = json.loads(path.read_text())["keys"][0]
    assert set(record) == {"key", "origins", "rate", "created_at", "revoked_at", "kind"}


def test_keys_create_admin_list_and_revoke(tmp_path: Path) -> None:
    data = tmp_path / "data"
    created = keys(data, "create", "--admin", "--label", "deploy bot")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    key_id = adminkeys.key_id_of(secret)
    assert key_id is not None and "\n" not in secret  # ADMIN_KEY=$(accords keys create --admin) works
    assert "only time" in created.stderr and secret not in created.stderr
    site = keys(data, "create", "--origin", "https://a.example").stdout.strip()

    table = keys(data, "list").stdout
    assert key_id in table and "admin API (deploy bot)" in table and secret not in table
    listed = json.loads(keys(data, "list", "--json").stdout)
    assert [(k["key"], k["kind"]) for k in listed] == [(key_id, "admin"), (site, "public")]
    assert listed[0]["rate"] is None and listed[0]["label"] == "deploy bot"
    assert all("secret" not in k and "secret_hash" not in k and "salt" not in k for k in listed)
    assert secret not in json.dumps(listed)

    as_json = json.loads(keys(data, "create", "--admin", "--json").stdout)
    assert as_json["kind"] == "admin" and adminkeys.key_id_of(as_json["secret"]) == as_json["key"]

    revoked = keys(data, "revoke", key_id)
    assert revoked.exit_code == 0 and key_id in revoked.stdout
    assert SiteKeyStore(data / "site-keys.json").admin_key(secret) is None
    assert [k["key"] for k in json.loads(keys(data, "list", "--json").stdout)] == [site, as_json["key"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--admin", "--origin", "https://a.example"], "no --origin or --rate"),
        (["--admin", "--rate", "5/min"], "no --origin or --rate"),
        ([], "--origin"),
    ],
)
def test_keys_create_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = keys(tmp_path / "data", "create", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "data" / "site-keys.json").exists()
