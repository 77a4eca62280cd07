"""Every route × every role × an object inside and outside the user's subtree, and anonymous.

Expected outcomes come from the permission matrix (netcensus.web.permissions.MATRIX); the
action each route needs is written here independently, so a route that asks the guard for
a weaker action than it should fails too. Allowed and in scope: 200 with the data.
Allowed but out of scope: 404 (or an empty list), never the other side's data. Not allowed:
403 and no data. Anonymous: the login page (pages) or 401 (API).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from netcensus.inventory.db import Store
from netcensus.inventory.enums import Role
from netcensus.web.permissions import MATRIX, Action

from .conftest import BASE
from .world import OUTSIDE_USER, Side, World

# endpoint -> (action, URL for one side's object, whether the URL names one object)
ROUTES: dict[str, tuple[Action, Callable[[Side], str], bool]] = {
    "pages.dashboard": (Action.VIEW, lambda s: "/", False),
    "pages.hierarchy": (Action.VIEW, lambda s: "/sites", False),
    "pages.site": (Action.VIEW, lambda s: f"/sites/{s.site}", True),
    "pages.devices": (Action.VIEW, lambda s: f"/devices?site={s.site}", False),
    "pages.device": (Action.VIEW, lambda s: f"/devices/{s.device}", True),
    "pages.endpoints": (Action.VIEW, lambda s: f"/endpoints?device={s.device}", False),
    "pages.config_text": (Action.VIEW_CONFIG, lambda s: f"/config?device={s.device}", True),
    "pages.config_diff": (Action.VIEW_CONFIG, lambda s: f"/config-diff?device={s.device}", True),
    "pages.findings": (Action.VIEW, lambda s: f"/findings?site={s.site}", False),
    "pages.findings_export": (Action.VIEW, lambda s: f"/findings/export.csv?site={s.site}", False),
    "pages.finding": (Action.VIEW, lambda s: f"/findings/{s.finding_id}", True),
    "pages.topology": (Action.VIEW, lambda s: f"/topology?site={s.site}", True),
    "pages.scans": (Action.VIEW, lambda s: "/scans", False),
    "pages.scan": (Action.VIEW, lambda s: f"/scans/{s.scan_id}", True),
    "pages.scan_progress": (Action.VIEW, lambda s: f"/scans/{s.scan_id}/progress", True),
    "pages.playbook_runs": (Action.VIEW_PLAYBOOKS, lambda s: "/playbook-runs", False),
    "pages.playbook_run": (
        Action.VIEW_PLAYBOOKS,
        lambda s: f"/playbook-runs/{s.playbook_run_id}",
        True,
    ),
    "pages.audit": (Action.VIEW_AUDIT, lambda s: "/audit", False),
    "pages.targets": (Action.VIEW, lambda s: "/targets", False),
    "pages.target": (Action.VIEW, lambda s: f"/targets/{s.extra['target']}", True),
    "pages.reports": (Action.VIEW, lambda s: f"/reports?under={s.site}", True),
    "pages.report_coverage": (
        Action.VIEW,
        lambda s: f"/reports/coverage.html?under={s.site}",
        True,
    ),
    "pages.report_compliance": (
        Action.VIEW_VERDICTS,
        lambda s: f"/reports/compliance.csv?under={s.site}",
        True,
    ),
    "api.sites": (Action.VIEW, lambda s: f"/api/v1/sites?under_code={s.site}", False),
    "api.site": (Action.VIEW, lambda s: f"/api/v1/sites/{s.site}", True),
    "api.devices": (Action.VIEW, lambda s: f"/api/v1/devices?site={s.site}", False),
    "api.device": (Action.VIEW, lambda s: f"/api/v1/devices/{s.device}", True),
    "api.interfaces": (Action.VIEW, lambda s: f"/api/v1/interfaces?device={s.device}", False),
    "api.links": (Action.VIEW, lambda s: f"/api/v1/links?device={s.device}", False),
    "api.topology": (Action.VIEW, lambda s: f"/api/v1/topology?site={s.site}", True),
    "api.endpoints": (Action.VIEW, lambda s: f"/api/v1/endpoints?device={s.device}", False),
    "api.configs": (Action.VIEW_CONFIG, lambda s: f"/api/v1/configs?device={s.device}", True),
    "api.config_text": (
        Action.VIEW_CONFIG,
        lambda s: f"/api/v1/configs/text?device={s.device}",
        True,
    ),
    "api.config_diff": (
        Action.VIEW_CONFIG,
        lambda s: f"/api/v1/configs/diff?device={s.device}",
        True,
    ),
    "api.scans": (Action.VIEW, lambda s: "/api/v1/scans", False),
    "api.scan": (Action.VIEW, lambda s: f"/api/v1/scans/{s.scan_id}", True),
    "api.scan_progress": (Action.VIEW, lambda s: f"/api/v1/scans/{s.scan_id}/progress", True),
    "api.playbook_runs": (Action.VIEW_PLAYBOOKS, lambda s: "/api/v1/playbook-runs", False),
    "api.playbook_run": (
        Action.VIEW_PLAYBOOKS,
        lambda s: f"/api/v1/playbook-runs/{s.playbook_run_id}",
        True,
    ),
    "api.findings": (Action.VIEW, lambda s: f"/api/v1/findings?site={s.site}", False),
    "api.finding": (Action.VIEW, lambda s: f"/api/v1/findings/{s.finding_id}", True),
    "api.audit": (Action.VIEW_AUDIT, lambda s: "/api/v1/audit", False),
    "api.waivers": (Action.VIEW, lambda s: "/api/v1/waivers", False),
    "api.coverage": (Action.VIEW, lambda s: f"/api/v1/coverage?under={s.site}", True),
    "api.targets": (Action.VIEW, lambda s: "/api/v1/targets", False),
    "api.findings_summary": (Action.VIEW, lambda s: "/api/v1/findings/summary", False),
    "accounts.my_account": (Action.OWN_ACCOUNT, lambda s: "/account", False),
    "accounts.users": (Action.MANAGE_USERS, lambda s: "/users", False),
    "accounts.new_user": (Action.MANAGE_USERS, lambda s: "/users/new", False),
    "accounts.user": (Action.MANAGE_USERS, lambda s: f"/users/{s.user_id}", True),
}
# Changes are tested with their own data: waivers (test_waive.py), declarations
# (test_planning.py), account changes (test_accounts.py), scans (test_scan_start.py).
ELSEWHERE = {
    "api.waive_finding", "api.declare", "pages.site_declare", "api.start_scan",
    "pages.start_scan", "accounts.change_password", "accounts.create_token",
    "accounts.revoke_own_token", "accounts.disable_user", "accounts.revoke_token",
}  # fmt: skip
PUBLIC = {"static", "auth.login", "auth.logout", "auth.language", "api.openapi_document"}
# Object routes whose answer does not repeat the device's name (a list of config versions).
NAMELESS = {
    "api.configs", "api.site", "api.scans", "api.coverage", "accounts.user",
    "pages.target", "pages.reports", "pages.report_coverage",
}  # fmt: skip
SCOPED_USERS = [f"{role.value}-gz" for role in Role]
# What only the outside side's objects show: its device, its scan's link.
OUTSIDE_MARKERS = ("sw-out-of-scope", "fw-out-of-scope", "濠江区", OUTSIDE_USER)


def _markers(world: World) -> tuple[str, ...]:
    return (
        *OUTSIDE_MARKERS,
        f'/scans/{world.outside.scan_id}"',
        f'"scan_id": {world.outside.scan_id}',
        f'/playbook-runs/{world.outside.playbook_run_id}"',
    )


def test_every_route_has_a_permission_entry(web: tuple[Flask, Store, World]) -> None:
    app = web[0]
    missing, wrong = [], []
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint in PUBLIC
            or rule.endpoint in ELSEWHERE
            or rule.endpoint.startswith("metrics")
        ):
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "required_action", "none")
        if rule.endpoint not in ROUTES:
            missing.append(rule.endpoint)
        elif declared != ROUTES[rule.endpoint][0]:
            wrong.append((rule.endpoint, declared, ROUTES[rule.endpoint][0]))
    assert missing == [] and wrong == []


def _get(client: FlaskClient, url: str, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(
        url, base_url=BASE, headers=headers, follow_redirects=url.startswith("/sites")
    )
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
@pytest.mark.parametrize("username", SCOPED_USERS)
def test_route_role_scope(
    endpoint: str,
    username: str,
    web: tuple[Flask, Store, World],
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    app, _, world = web
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not installed in this build")
    action, url_of, names_object = ROUTES[endpoint]
    role = Role(username.split("-")[0])
    is_api = endpoint.startswith("api.")
    client = client_of(None) if is_api else client_of(username)
    token = world.tokens[username] if is_api else None
    inside_status, inside_body = _get(client, url_of(world.inside), token)
    outside_status, outside_body = _get(client, url_of(world.outside), token)
    # A 404 may repeat what the user asked for ("no device named …"), nothing more.
    outside_url = url_of(world.outside)
    leaked = [
        m
        for m in _markers(world)
        if m in inside_body or (m in outside_body and m not in outside_url)
    ]
    assert leaked == [], f"{username} saw outside data on {endpoint}"
    if role not in MATRIX[action]:
        assert (inside_status, outside_status) == (403, 403)
        # (The refusal page repeats the URL asked for, so look for data the URL does not name.)
        assert world.inside.peer not in inside_body and "transport input" not in inside_body
        return
    assert inside_status == 200
    lists_devices = endpoint.endswith(("devices", "endpoints", "findings", "interfaces", "links"))
    if (names_object or lists_devices) and endpoint not in NAMELESS:
        assert world.inside.device in inside_body
    assert outside_status in ((404,) if names_object else (200, 404))


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_national_admin_sees_both_sides(
    endpoint: str, web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    app, _, world = web
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not installed in this build")
    _, url_of, names_object = ROUTES[endpoint]
    is_api = endpoint.startswith("api.")
    client = client_of(None) if is_api else client_of("admin-all")
    token = world.tokens["admin-all"] if is_api else None
    for side in (world.inside, world.outside):
        status, body = _get(client, url_of(side), token)
        assert status == 200
        if names_object and endpoint not in NAMELESS:
            assert side.device in body


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous_gets_nothing(
    endpoint: str, web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    app, _, world = web
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not installed in this build")
    url = ROUTES[endpoint][1](world.inside)
    response = client_of(None).get(url, base_url=BASE)
    if endpoint.startswith("api."):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    body = response.get_data(as_text=True)  # (a redirect repeats the URL: look for other data)
    assert world.inside.peer not in body and "transport input" not in body


def test_api_refuses_the_session_cookie(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    """A logged-in browser is no API client: cross-site requests must not ride on its cookie."""
    response = client_of("admin-gz").get("/api/v1/devices", base_url=BASE)
    assert response.status_code == 401


@pytest.mark.parametrize("token", ["", "nct_not-a-real-token", "Bearer", "x" * 500])
def test_api_refuses_bad_tokens(token: str, client_of: Callable[[str | None], FlaskClient]) -> None:
    response = client_of(None).get(
        "/api/v1/devices", base_url=BASE, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_docs_security_md_shows_the_matrix() -> None:
    """docs/security.md's table is the matrix: a change to one without the other fails."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    documented = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`"):
            roles = [
                r
                for r, mark in zip(
                    ("admin", "planner", "security", "viewer"), cells[2:], strict=True
                )
                if mark
            ]
            documented[Action(cells[0].strip("`"))] = frozenset(Role(r) for r in roles)
    assert documented == MATRIX
