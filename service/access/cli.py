"""`accords keys create|list|revoke`: the site keys that let other websites embed the chat widget, and
(`create --admin`) the secret keys of the admin API.

Why a command rather than an HTTP admin API: creating a key opens the chat to another origin, so it is
done by whoever can write the data dir, and a running service picks the change up by itself. `create`
prints only the key on stdout (`KEY=$(accords keys create ...)` works) and the embed snippet on stderr.
An admin key's secret is printed that once and stored only as a salted hash; `list` shows its id.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from service.access.sitekeys import KeyFileError, SiteKey, SiteKeyStore
from service.shared import key_records

if TYPE_CHECKING:  # the settings parse rates with this package's syntax: no import back at run time
    from service.settings import Settings

keys_app = typer.Typer(
    help="Site keys for the embeddable widget: which origins may embed the chat, at what rate.",
    no_args_is_help=True,
)
EXIT_NO_KEY, EXIT_USAGE, EXIT_KEY_FILE = 1, 2, 4


def _store(ctx: typer.Context) -> tuple[SiteKeyStore, Settings]:
    """The keys where the service keeps them: Redis with ACCORDS_REDIS_URL, else the data dir's file."""
    settings = cast("Settings", ctx.obj)  # `accords`'s callback puts the settings in the context
    records = key_records(settings.redis_url, settings.site_keys_path)
    return SiteKeyStore(settings.site_keys_path, records=records), settings


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _record(key: SiteKey, default_rate: str) -> dict[str, object]:
    """What `list` and `create --json` show: never an admin key's secret or hash."""
    return {
        "key": key.key,
        "kind": key.kind,
        "origins": list(key.origins),
        "rate": (key.rate or default_rate) if key.kind == "public" else None,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
        "active": key.active,
        **({"label": key.label} if key.kind == "admin" else {}),
    }


@keys_app.command("create")
def create(
    ctx: typer.Context,
    origin: Annotated[
        list[str] | None, typer.Option("--origin", help="Origin allowed to use the key (repeatable).")
    ] = None,
    rate: Annotated[
        str | None, typer.Option(help="Requests per period, e.g. 30/min (default: ACCORDS_SITE_KEY_RATE).")
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="Create a secret key for the admin API instead (shown once).")
    ] = False,
    label: Annotated[str | None, typer.Option(help="Admin keys: a note on who uses the key.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key record as JSON.")] = False,
) -> None:
    """Create a public site key for these origins (or, with --admin, an admin key) and print it."""
    store, settings = _store(ctx)
    if admin:
        if origin or rate:
            raise _fail("an admin key takes no --origin or --rate", EXIT_USAGE)
        _create_admin(store, settings, label, as_json)
        return
    if not origin:
        raise _fail("give at least one --origin (or --admin for an admin key)", EXIT_USAGE)
    try:
        key = store.create(origin, rate)
    except KeyFileError as error:
        raise _fail(str(error), EXIT_KEY_FILE) from None
    except ValueError as error:
        raise _fail(str(error), EXIT_USAGE) from None
    if as_json:
        typer.echo(json.dumps(_record(key, settings.site_key_rate), indent=2))
        return
    typer.echo(key.key)
    typer.echo(f"origins: {', '.join(key.origins)}; rate: {key.rate or settings.site_key_rate}", err=True)
    typer.echo("Embed it with:", err=True)
    typer.echo(
        f'<script src="https://YOUR-ACCORDS-HOST/widget.js" data-site-key="{key.key}" async></script>',
        err=True,
    )


def _create_admin(store: SiteKeyStore, settings: Settings, label: str | None, as_json: bool) -> None:
    try:
        key, secret = store.create_admin(label)
    except KeyFileError as error:
        raise _fail(str(error), EXIT_KEY_FILE) from None
    if as_json:
        typer.echo(json.dumps({**_record(key, settings.site_key_rate), "secret": secret}, indent=2))
        return
    typer.echo(secret)
    typer.echo(f"admin key {key.key}: this is the only time its secret is shown; store it now.", err=True)
    typer.echo("Use it as: curl -H 'Authorization: Bearer <the key>' .../admin/...", err=True)


@keys_app.command("list")
def list_keys(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """List the site keys with their origins and rates."""
    store, settings = _store(ctx)
    try:
        keys = [key for key in store.keys() if show_all or key.active]
    except KeyFileError as error:
        raise _fail(str(error), EXIT_KEY_FILE) from None
    if as_json:
        typer.echo(json.dumps([_record(key, settings.site_key_rate) for key in keys], indent=2))
        return
    if not keys:
        Console(stderr=True).print("no site keys (create one with `accords keys create --origin URL`)")
        return
    table = Table("key", "origins", "rate", "created", "status", box=None)
    for key in keys:
        rate = key.rate or f"{settings.site_key_rate} (default)"
        origins = "\n".join(key.origins)
        if key.kind == "admin":  # the id only: the secret was shown once, at creation
            rate, origins = "-", "admin API" + (f" ({key.label})" if key.label else "")
        status = "active" if key.active else f"revoked {key.revoked_at}"
        table.add_row(key.key, origins, rate, key.created_at, status)
    Console(width=200).print(table, highlight=False)


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The key to revoke (pk_..., or an admin key's ak_... id).")],
) -> None:
    """Revoke a site key (refused within a second) or an admin key (refused at once)."""
    store, _ = _store(ctx)
    try:
        revoked = store.revoke(key)
    except KeyFileError as error:
        raise _fail(str(error), EXIT_KEY_FILE) from None
    if revoked is None:
        raise _fail(f"no site key {key!r}", EXIT_NO_KEY)
    typer.echo(f"revoked {revoked.key} ({revoked.revoked_at})")
