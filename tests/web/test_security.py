"""Sessions, CSRF, rate limits, tokens, waivers and the audit trail with the real user."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.models import ApiToken, AuditEvent, Finding, User
from netcensus.web import accounts

from .conftest import BASE, csrf_token, login, make_app
from .world import PASSWORD, World

REFERER = {"Referer": f"{BASE}/"}


def test_login_sets_a_secure_httponly_samesite_cookie(web: tuple[Flask, Store, World]) -> None:
    client = web[0].test_client()
    page = client.get("/login", base_url=BASE)
    response = client.post(
        "/login",
        base_url=BASE,
        headers=REFERER,
        data={"username": "viewer-gz", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "netcensus_session" in c)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_refused_without_saying_which_part(
    web: tuple[Flask, Store, World],
) -> None:
    client = web[0].test_client()
    for username in ("viewer-gz", "nobody-at-all"):
        page = client.get("/login", base_url=BASE)
        response = client.post(
            "/login",
            base_url=BASE,
            headers=REFERER,
            data={
                "username": username,
                "password": "wrong password!",
                "csrf_token": csrf_token(page.text),
            },
        )
        assert response.status_code == 200
        assert "Wrong user name or password" in response.text or "用户名或密码错误" in response.text
        assert client.get("/", base_url=BASE).status_code == 302  # still anonymous


def test_login_without_csrf_token_is_refused(web: tuple[Flask, Store, World]) -> None:
    client = web[0].test_client()
    client.get("/login", base_url=BASE)
    response = client.post(
        "/login",
        base_url=BASE,
        headers=REFERER,
        data={"username": "viewer-gz", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert client.get("/", base_url=BASE).status_code == 302


def test_waive_without_csrf_token_is_refused(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    client = client_of("security-gz")
    response = client.post(
        f"/findings/{world.inside.finding_id}",
        base_url=BASE,
        headers=REFERER,
        data={"reason": "accepted", "until": "2099-01-01"},
    )
    assert response.status_code == 400
    with store.session() as db:
        assert db.get(Finding, world.inside.finding_id).waivers == []  # type: ignore[union-attr]


def test_logout_needs_the_csrf_token(web: tuple[Flask, Store, World]) -> None:
    client = login(web[0], "planner-gz")
    assert client.post("/logout", base_url=BASE, headers=REFERER).status_code == 400
    assert client.get("/", base_url=BASE).status_code == 200
    token = csrf_token(client.get("/", base_url=BASE).text)
    response = client.post("/logout", base_url=BASE, headers=REFERER, data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/", base_url=BASE).status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_login_never_redirects_off_site(web: tuple[Flask, Store, World], target: str) -> None:
    client = web[0].test_client()
    page = client.get(f"/login?next={target}", base_url=BASE)
    response = client.post(
        "/login",
        base_url=BASE,
        headers=REFERER,
        data={
            "username": "viewer-gz",
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.headers["Location"] == "/"


@pytest.fixture
def limited_app(tmp_path: Path) -> Iterator[Flask]:
    app, store = make_app(
        f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, LOGIN_RATE_LIMIT="3 per minute"
    )
    with store.transaction() as db:
        accounts.create_user(
            db, "alice", role="viewer", scope_code=None, password=PASSWORD, actor="t"
        )
    yield app
    store.dispose()


def test_login_attempts_are_rate_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    codes = []
    for _ in range(5):
        page = client.get("/login", base_url=BASE)
        codes.append(
            client.post(
                "/login",
                base_url=BASE,
                headers=REFERER,
                data={
                    "username": "alice",
                    "password": "guess guess guess",
                    "csrf_token": csrf_token(page.text),
                },
            ).status_code
        )
    assert codes == [200, 200, 200, 429, 429]
    page = client.get("/login", base_url=BASE)
    right = client.post(
        "/login",
        base_url=BASE,
        headers=REFERER,
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert right.status_code == 429  # even the right password waits: no oracle while limited


def test_revoked_and_expired_tokens_stop_working(web: tuple[Flask, Store, World]) -> None:
    app, store, _ = web
    client = app.test_client()
    with store.transaction() as db:
        user = db.scalar(select(User).where(User.username == "viewer-gz"))
        revoked, revoked_secret = accounts.issue_token(db, user, name="r", days=1, actor="t")
        expired, expired_secret = accounts.issue_token(db, user, name="e", days=1, actor="t")
        expired.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    for secret in (revoked_secret, expired_secret):
        assert secret not in {t.token_hash for t in [revoked, expired]}  # only hashes stored
    ok = client.get(
        "/api/v1/sites", base_url=BASE, headers={"Authorization": f"Bearer {revoked_secret}"}
    )
    assert ok.status_code == 200
    with store.transaction() as db:
        accounts.revoke_token(db, revoked.id, actor="t")
    for secret in (revoked_secret, expired_secret):
        response = client.get(
            "/api/v1/sites", base_url=BASE, headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 401
    with store.session() as db:
        stored = db.scalars(select(ApiToken.token_hash)).all()
    assert revoked_secret not in stored and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored)


def test_passwords_are_stored_as_argon2_hashes(web: tuple[Flask, Store, World]) -> None:
    with web[1].session() as db:
        hashes = db.scalars(select(User.password_hash)).all()
    assert hashes and all(h and h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def _audit_of(store: Store, finding_id: int) -> list[AuditEvent]:
    with store.session() as db:
        finding = db.get(Finding, finding_id)
        assert finding is not None
        key = f"{finding.rule_id}|{finding.subject_key}"
        return list(
            db.scalars(
                select(AuditEvent).where(
                    AuditEvent.object_key == key, AuditEvent.action == "finding.waived"
                )
            )
        )


def test_security_officer_waives_on_the_page_and_the_audit_names_the_user(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    client = client_of("security-gz")
    page = client.get(f"/findings/{world.inside.finding_id}", base_url=BASE)
    assert 'id="waive-form"' in page.text
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        f"/findings/{world.inside.finding_id}",
        base_url=BASE,
        headers=REFERER,
        data={
            "reason": "compensating ACL on the uplink",
            "until": until,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    events = _audit_of(store, world.inside.finding_id)
    with store.session() as db:
        officer = db.scalar(select(User).where(User.username == "security-gz"))
    assert [(e.actor, e.user_id) for e in events] == [("security-gz", officer.id)]  # type: ignore[union-attr]
    audit_page = client_of("admin-gz").get("/audit?action=finding.waived", base_url=BASE)
    assert "security-gz" in audit_page.text and "compensating ACL on the uplink" in audit_page.text


def test_viewer_sees_no_waive_form_and_cannot_post_one(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    client = client_of("viewer-gz")
    page = client.get(f"/findings/{world.inside.finding_id}", base_url=BASE)
    assert page.status_code == 200 and 'id="waive-form"' not in page.text
    response = client.post(
        f"/findings/{world.inside.finding_id}",
        base_url=BASE,
        headers=REFERER,
        data={"reason": "x", "until": "2099-01-01", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("username", "side", "expected"),
    [
        ("viewer-gz", "inside", 403),
        ("planner-gz", "inside", 403),
        ("security-gz", "outside", 404),
        ("security-gz", "inside", 201),
    ],
)
def test_api_waiver_follows_role_and_scope(
    web: tuple[Flask, Store, World], username: str, side: str, expected: int
) -> None:
    app, store, world = web
    finding_id = getattr(world, side).finding_id
    response = app.test_client().post(
        f"/api/v1/findings/{finding_id}/waivers",
        base_url=BASE,
        headers={"Authorization": f"Bearer {world.tokens[username]}"},
        json={"reason": "risk accepted by the bureau", "until": "2099-12-31"},
    )
    assert response.status_code == expected, response.text
    events = _audit_of(store, finding_id)
    if expected == 201:
        assert response.json["state"] == "waived"
        assert any(e.actor == username for e in events)
    else:
        assert all(e.actor != username for e in events)
