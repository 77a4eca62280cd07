"""My account and user administration in the browser: passwords, tokens, scoped admins, audit.

Every change goes through the real forms (CSRF token included) on both backends; the
audit log must name the real user and never hold a password or a token's secret.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.models import ApiToken, AuditEvent, User
from netcensus.web import accounts

from . import world as seed
from .conftest import BASE, csrf_token, login, make_app
from .world import OUTSIDE_USER, PASSWORD, World

REFERER = {"Referer": f"{BASE}/"}
SECRET = re.compile(r'<code id="secret">(nct_[A-Za-z0-9_-]+)</code>')
GENERATED = re.compile(r'<code id="password">([^<]+)</code>')


@pytest.fixture(scope="module")
def web(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, Store, World]]:
    # This module logs in far more often than the login limit allows a single address.
    app, store = make_app(
        module_db_url,
        tmp_path_factory.mktemp("home"),
        TESTING=True,
        LOGIN_RATE_LIMIT="1000 per minute",
    )
    world = seed.build(store)
    yield app, store, world
    store.dispose()


def _post(client: FlaskClient, page_url: str, url: str, **data: str) -> tuple[int, str]:
    """Submit a form the way a browser does: the CSRF token taken from the page showing it."""
    token = csrf_token(client.get(page_url, base_url=BASE).text)
    response = client.post(url, base_url=BASE, headers=REFERER, data={**data, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _user_id(store: Store, username: str) -> int:
    with store.session() as db:
        found = db.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def _add_user(store: Store, username: str, scope: str | None, role: str = "viewer") -> int:
    with store.transaction() as db:
        user = accounts.create_user(
            db, username, role=role, scope_code=scope, password=PASSWORD, actor="test"
        )
        return user.id


def _audit(store: Store, action: str, key: str) -> list[AuditEvent]:
    with store.session() as db:
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_key == key)
        ).all()
        db.expunge_all()
    return list(events)


def _whole_audit_log(store: Store) -> str:
    with store.session() as db:
        rows = db.scalars(select(AuditEvent)).all()
        return json.dumps(
            [[e.actor, e.action, e.object_kind, e.object_key, e.before, e.after] for e in rows],
            ensure_ascii=False,
        )


def _can_log_in(app: Flask, username: str, password: str) -> bool:
    client = app.test_client()
    page = client.get("/login", base_url=BASE)
    response = client.post(
        "/login",
        base_url=BASE,
        headers=REFERER,
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )
    return response.status_code == 302


def _api_status(app: Flask, secret: str) -> int:
    response = app.test_client().get(
        "/api/v1/devices", base_url=BASE, headers={"Authorization": f"Bearer {secret}"}
    )
    return response.status_code


def test_password_change_needs_the_current_password(web: tuple[Flask, Store, World]) -> None:
    app, store, _ = web
    user_id = _add_user(store, "pw-changer", "4401")
    client = login(app, "pw-changer")
    new = "a brand new passphrase"

    status, body = _post(
        client, "/account", "/account/password", current="not my password", new=new, confirm=new
    )
    assert status == 400 and "the current password is wrong" in body
    status, body = _post(
        client, "/account", "/account/password", current=PASSWORD, new="short", confirm="short"
    )
    assert status == 400 and "too short" in body
    status, body = _post(
        client, "/account", "/account/password", current=PASSWORD, new=new, confirm=new + "x"
    )
    assert status == 400 and "两次输入的新密码不一致。" in body  # (the UI is in Chinese by default)
    assert _audit(store, "user.password_changed", "pw-changer") == []
    assert _can_log_in(app, "pw-changer", PASSWORD)

    status, _ = _post(
        client, "/account", "/account/password", current=PASSWORD, new=new, confirm=new
    )
    assert status == 302
    assert _can_log_in(app, "pw-changer", new)
    assert not _can_log_in(app, "pw-changer", PASSWORD)
    [event] = _audit(store, "user.password_changed", "pw-changer")
    assert (event.user_id, event.actor) == (user_id, "pw-changer")
    log = _whole_audit_log(store)
    assert new not in log and PASSWORD not in log and "argon2" not in log


def test_token_made_in_the_browser_works_once_and_stops_when_revoked(
    web: tuple[Flask, Store, World], caplog: pytest.LogCaptureFixture
) -> None:
    app, store, _ = web
    user_id = _add_user(store, "token-maker", "4401")
    client = login(app, "token-maker")
    caplog.set_level(logging.DEBUG)

    token = csrf_token(client.get("/account", base_url=BASE).text)
    response = client.post("/account/tokens", base_url=BASE, headers=REFERER,
                           data={"name": "grafana", "days": "30", "csrf_token": token})  # fmt: skip
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    secret = SECRET.search(body).group(1)  # type: ignore[union-attr]
    assert _api_status(app, secret) == 200

    account_page = client.get("/account", base_url=BASE).text
    assert "grafana" in account_page and secret not in account_page
    with store.session() as db:
        token = db.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).one()
        token_id, stored_hash, last_used = token.id, token.token_hash, token.last_used_at
    assert secret not in stored_hash and last_used is not None
    [issued] = _audit(store, "token.issued", str(token_id))
    assert (issued.user_id, issued.actor) == (user_id, "token-maker")

    # Someone else's token is not revocable from one's own account: it reads as absent.
    other_id = _add_user(store, "token-other", "4401")
    with store.transaction() as db:
        other_token, other_secret = accounts.issue_token(
            db, db.get(User, other_id), name="theirs", days=5, actor="test"
        )
        other_token_id = other_token.id
    status, _ = _post(client, "/account", f"/account/tokens/{other_token_id}/revoke")
    assert status == 404
    assert _api_status(app, other_secret) == 200

    status, _ = _post(client, "/account", f"/account/tokens/{token_id}/revoke")
    assert status == 302
    assert _api_status(app, secret) == 401
    [revoked] = _audit(store, "token.revoked", str(token_id))
    assert revoked.user_id == user_id
    assert secret not in _whole_audit_log(store) and stored_hash not in _whole_audit_log(store)
    assert secret not in caplog.text


def test_token_form_refuses_bad_days(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    status, body = _post(
        client_of("planner-gz"), "/account", "/account/tokens", name="x", days="400"
    )
    assert status == 400 and "nct_" not in body


def test_scoped_admin_adds_users_only_inside_their_subtree(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    app, store, _ = web
    admin = client_of("admin-gz")  # limited to 4401
    for wider in ("", "44", "4405", "440507"):
        status, _ = _post(
            admin, "/users/new", "/users/new", username=f"wide{wider}", role="viewer", scope=wider
        )
        assert status == 403, wider
    with store.session() as db:
        assert db.scalar(select(User.id).where(User.username.like("wide%"))) is None

    status, body = _post(
        admin, "/users/new", "/users/new", username="lw-planner", role="planner", scope="440103"
    )
    assert status == 200 and "lw-planner" in body
    password = GENERATED.search(body).group(1)  # type: ignore[union-attr]
    assert len(password) >= accounts.MIN_PASSWORD and _can_log_in(app, "lw-planner", password)
    [created] = _audit(store, "user.created", "lw-planner")
    assert created.user_id == _user_id(store, "admin-gz")
    assert password not in _whole_audit_log(store)
    assert password not in admin.get("/users", base_url=BASE).text

    status, body = _post(
        admin, "/users/new", "/users/new", username="lw-planner", role="viewer", scope="4401"
    )
    assert status == 400 and "already exists" in body
    status, body = _post(admin, "/users/new", "/users/new",
                         username="nowhere", role="viewer", scope="440199")  # fmt: skip
    assert status == 400 and "no site with that division code" in body


def test_scoped_admin_sees_and_manages_only_their_subtree(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    app, store, world = web
    admin = client_of("admin-gz")
    listing = admin.get("/users?per_page=500", base_url=BASE).text
    assert "viewer-gz" in listing
    assert OUTSIDE_USER not in listing and "admin-all" not in listing
    national_id = _user_id(store, "admin-all")
    for user_id in (world.outside.user_id, national_id):
        assert admin.get(f"/users/{user_id}", base_url=BASE).status_code == 404
        status, _ = _post(admin, "/users", f"/users/{user_id}/disable")
        assert status == 404
    with store.transaction() as db:
        outside_token, outside_secret = accounts.issue_token(
            db, db.get(User, world.outside.user_id), name="st", days=5, actor="test"
        )
        outside_token_id = outside_token.id
    revoke_outside = f"/users/{world.outside.user_id}/tokens/{outside_token_id}/revoke"
    assert _post(admin, "/users", revoke_outside)[0] == 404
    # Nor through an inside user's URL: the token must belong to the user named.
    revoke_via_inside = f"/users/{world.inside.user_id}/tokens/{outside_token_id}/revoke"
    assert _post(admin, "/users", revoke_via_inside)[0] == 404
    assert _api_status(app, outside_secret) == 200
    assert _can_log_in(app, OUTSIDE_USER, PASSWORD)

    national = client_of("admin-all")
    assert OUTSIDE_USER in national.get("/users?per_page=500", base_url=BASE).text
    planners = national.get("/users?role=planner&under_code=4401", base_url=BASE).text
    assert "planner-gz" in planners and "viewer-gz" not in planners
    status, _ = _post(national, "/users", revoke_outside)
    assert status == 302 and _api_status(app, outside_secret) == 401


def test_admin_disables_a_user_but_not_themselves(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    app, store, _ = web
    admin = client_of("admin-gz")
    own_id = _user_id(store, "admin-gz")
    status, body = _post(admin, "/users", f"/users/{own_id}/disable")
    assert status == 400 and "your own account" in body
    assert admin.get("/users", base_url=BASE).status_code == 200  # still logged in

    victim_id = _add_user(store, "to-disable", "440103")
    with store.transaction() as db:
        _, secret = accounts.issue_token(
            db, db.get(User, victim_id), name="t", days=5, actor="test"
        )
    victim = login(app, "to-disable")
    status, _ = _post(admin, "/users", f"/users/{victim_id}/disable")
    assert status == 302
    assert not _can_log_in(app, "to-disable", PASSWORD)
    assert _api_status(app, secret) == 401
    assert victim.get("/account", base_url=BASE).status_code == 302  # its session ends too
    [event] = _audit(store, "user.disabled", "to-disable")
    assert (event.user_id, event.actor) == (own_id, "admin-gz")
    assert 'id="user-state"' in admin.get(f"/users/{victim_id}", base_url=BASE).text


@pytest.mark.parametrize("username", ["planner-gz", "security-gz", "viewer-gz"])
def test_only_admins_change_other_accounts(
    username: str,
    web: tuple[Flask, Store, World],
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    _, store, world = web
    client = client_of(username)
    target = world.inside.user_id
    for url, data in (
        ("/users/new", {"username": "sneaky", "role": "admin", "scope": "4401"}),
        (f"/users/{target}/disable", {}),
        (f"/users/{target}/tokens/1/revoke", {}),
    ):
        status, _ = _post(client, "/account", url, **data)
        assert status == 403, url
    with store.session() as db:
        assert db.scalar(select(User.id).where(User.username == "sneaky")) is None
        assert db.get(User, target).active  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/account/password", {"current": PASSWORD, "new": "x" * 12, "confirm": "x" * 12}),
        ("/account/tokens", {"name": "n", "days": "5"}),
        ("/account/tokens/1/revoke", {}),
        ("/users/new", {"username": "nocsrf", "role": "viewer", "scope": "4401"}),
        ("/users/1/disable", {}),
        ("/users/1/tokens/1/revoke", {}),
    ],
)
def test_account_forms_without_csrf_token_are_refused(
    url: str,
    data: dict[str, str],
    web: tuple[Flask, Store, World],
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    _, store, _ = web
    client = client_of("admin-all")
    before = _whole_audit_log(store)
    response = client.post(url, base_url=BASE, headers=REFERER, data=data)
    assert response.status_code == 400
    assert "nct_" not in response.get_data(as_text=True)
    assert _whole_audit_log(store) == before


def test_account_page_lists_own_tokens_only(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _ = web
    with store.transaction() as db:
        accounts.issue_token(
            db,
            db.get(User, _user_id(store, "security-gz")),
            name="only-mine",
            days=5,
            actor="test",
        )
    assert "only-mine" in client_of("security-gz").get("/account", base_url=BASE).text
    assert "only-mine" not in client_of("viewer-gz").get("/account", base_url=BASE).text
