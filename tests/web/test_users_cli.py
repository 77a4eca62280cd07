"""`netcensus users`: accounts, scopes and API tokens from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from netcensus.cli import main
from netcensus.inventory.db import Store
from netcensus.inventory.models import ApiToken, AuditEvent, User
from netcensus.settings import load_settings
from netcensus.web import accounts


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.output


def test_users_add_list_token_revoke(cli_env: Path, shared_data: Path) -> None:
    assert _run("db", "upgrade")[0] == 0
    assert _run("sites", "import-divisions", str(shared_data / "divisions/guangdong.json"))[0] == 0
    code, out = _run("users", "add", "gz-viewer", "--role", "viewer", "--scope", "4401",
                     "--password-stdin", stdin="a long enough password\n")  # fmt: skip
    assert code == 0 and "division 4401 and below" in out
    code, out = _run("users", "add", "ops", "--role", "admin", "--generate-password")
    password = out.split("password (shown once): ")[1].strip()
    assert code == 0 and len(password) >= 16
    code, out = _run("users", "add", "x", "--role", "viewer", "--scope", "9999",
                     "--generate-password")  # fmt: skip
    assert code == 2 and "--scope 9999: no site with that division code" in out
    code, out = _run("users", "add", "short", "--role", "viewer", "--password-stdin", stdin="abc\n")
    assert code == 2 and "too short" in out
    code, out = _run("users", "list", "--json")
    assert [(u["name"], u["role"], u["scope"]) for u in json.loads(out)] == [
        ("gz-viewer", "viewer", "4401"), ("ops", "admin", "(all)"),
    ]  # fmt: skip
    code, out = _run("users", "token", "gz-viewer", "--name", "grafana", "--days", "30")
    secret = out.strip().splitlines()[-1]
    assert code == 0 and secret.startswith("nct_")
    store = Store(load_settings().database_url)
    try:
        with store.transaction() as db:
            assert accounts.authenticate(db, "ops", password) is not None
            assert accounts.user_for_token(db, secret).username == "gz-viewer"  # type: ignore[union-attr]
            token_id = db.scalar(select(ApiToken.id))
        assert _run("users", "revoke-token", str(token_id))[0] == 0
        assert _run("users", "disable", "ops")[0] == 0
        with store.transaction() as db:
            assert accounts.user_for_token(db, secret) is None
            assert accounts.authenticate(db, "ops", password) is None
            actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
            assert db.scalar(select(User.active).where(User.username == "ops")) is False
    finally:
        store.dispose()
    assert actions == [
        "user.created", "user.created", "token.issued", "token.revoked", "user.disabled"
    ]  # fmt: skip
