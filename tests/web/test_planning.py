"""Planners on the web: declarations with provenance, the targets pages, the inspection reports.

Runs on the seeded two-sided world (tests/web/world.py): a hotline target over each side's
prefecture, nothing declared yet. Users of every role are limited to 4401 (Guangzhou).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.enums import Level, Role, Severity, Verdict
from netcensus.inventory.models import AuditEvent, Declaration, RuleVerdict, Site, User
from netcensus.web import accounts

from .conftest import BASE, csrf_token, login, make_app
from .world import PASSWORD, World

COUNTY = "440103"  # 荔湾区, inside the scope
OUTSIDE_COUNTY = "440507"  # 濠江区
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _declarations(store: Store, site: str, capability: str) -> list[Declaration]:
    with store.session() as db:
        return list(
            db.scalars(
                select(Declaration)
                .join(Site)
                .where(Site.code == site, Declaration.capability == capability)
            )
        )


def _post_declaration(
    client: FlaskClient, site: str, *, token: bool = True, **fields: str
) -> tuple[int, str, str]:
    """(status, body, Location) of the declaration form's POST, with the page's CSRF token."""
    data = dict(fields)
    if token:
        data["csrf_token"] = csrf_token(client.get(f"/sites/{COUNTY}", base_url=BASE).text)
    response = client.post(
        f"/sites/{site}/declarations",
        data=data,
        base_url=BASE,
        headers={"Referer": f"{BASE}/sites/{site}"},
    )
    return response.status_code, response.text, response.headers.get("Location", "")


def _capability_row(html: str, capability: str) -> str:
    found = re.search(rf'<tr[^>]*data-capability="{capability}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {capability}"
    return found.group(1)


def _target_row(html: str, level: str) -> tuple[int, int]:
    """(in scope, covered) of one level on the targets page (English UI)."""
    found = re.search(
        rf'level={level}">[^<]+</a></td><td class="num">(\d+)</td><td class="num">(\d+)</td>', html
    )
    assert found, f"no {level} row"
    return int(found.group(1)), int(found.group(2))


# --- declaring on the site page ----------------------------------------------------------------


def test_planner_declares_and_the_site_shows_it_with_provenance(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _ = web
    planner = client_of("planner-gz")
    page = planner.get(f"/sites/{COUNTY}", base_url=BASE).text
    assert 'id="declare-form"' in page and '<option value="hotline">' in page
    before = _target_row(planner.get("/targets", base_url=BASE).text, "county")

    status, _, location = _post_declaration(
        planner, COUNTY, capability="hotline", holds="yes", at="2026-11-20", note=HOSTILE
    )
    assert (status, location) == (302, f"/sites/{COUNTY}#capabilities")

    page = planner.get(f"/sites/{COUNTY}", base_url=BASE).text
    row = _capability_row(page, "hotline")
    assert "planner-gz" in row and "2026-11-20" in row and 'data-source="declared"' in row
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row and "<script>alert" not in page
    [stored] = _declarations(store, COUNTY, "hotline")
    assert (stored.value, stored.holds, stored.declared_by) == (True, True, "planner-gz")
    with store.session() as db:
        planner_id = db.scalar(select(User.id).where(User.username == "planner-gz"))
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "coverage.declare")).one()
    assert (event.user_id, event.actor) == (planner_id, "planner-gz")
    assert event.object_key == f"{COUNTY}/hotline@2026-11-20"
    audit = client_of("admin-gz").get("/audit?action=coverage.declare", base_url=BASE).text
    assert f"{COUNTY}/hotline@2026-11-20" in audit and "planner-gz" in audit
    # The county now has its hotline: one more covered office on the targets page.
    in_scope, covered = _target_row(planner.get("/targets", base_url=BASE).text, "county")
    assert (in_scope, covered) == (before[0], before[1] + 1)


def test_amounts_are_checked_per_capability(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _ = web
    planner = client_of("planner-gz")
    status, body, _ = _post_declaration(planner, COUNTY, capability="staff", amount="many")
    assert status == 400 and 'class="error"' in body
    status, body, _ = _post_declaration(planner, COUNTY, capability="website", amount="3")
    assert status == 400 and _declarations(store, COUNTY, "website") == []
    assert _declarations(store, COUNTY, "staff") == []
    status, _, _ = _post_declaration(planner, COUNTY, capability="internet", amount="100M")
    assert status == 302
    [stored] = _declarations(store, COUNTY, "internet")
    assert (stored.value, stored.holds, stored.amount) == ("100M", True, 100_000_000.0)
    status, _, _ = _post_declaration(planner, COUNTY, capability="pcs", amount="12")
    [pcs] = _declarations(store, COUNTY, "pcs")
    assert (status, pcs.value, pcs.amount) == (302, 12, 12.0)


def test_an_unknown_capability_is_refused_with_a_suggestion(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _ = web
    status, body, _ = _post_declaration(client_of("planner-gz"), COUNTY, capability="hotlin")
    assert status == 400
    assert "unknown capability &#39;hotlin&#39;; did you mean &#39;hotline&#39;?" in body
    assert "Traceback" not in body
    assert _declarations(store, COUNTY, "hotlin") == []


@pytest.mark.parametrize("username", ["viewer-gz", "security-gz"])
def test_roles_without_declare_are_refused(
    username: str, web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _ = web
    client = client_of(username)
    assert 'id="declare-form"' not in client.get(f"/sites/{COUNTY}", base_url=BASE).text
    status, _, _ = _post_declaration(client, COUNTY, capability="oa", holds="yes")
    assert status == 403 and _declarations(store, COUNTY, "oa") == []


def test_a_site_outside_the_subtree_answers_404(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _ = web
    status, body, _ = _post_declaration(
        client_of("planner-gz"), OUTSIDE_COUNTY, capability="oa", holds="yes"
    )
    assert status == 404 and "濠江区" not in body
    assert _declarations(store, OUTSIDE_COUNTY, "oa") == []


def test_a_declaration_without_csrf_token_is_refused(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _ = web
    status, _, _ = _post_declaration(
        client_of("planner-gz"), COUNTY, token=False, capability="dr-copy", holds="yes"
    )
    assert status == 400 and _declarations(store, COUNTY, "dr-copy") == []


# --- declaring through the API -----------------------------------------------------------------


def _api_declare(
    client: FlaskClient, world: World, username: str, site: str, body: object
) -> tuple[int, dict[str, object]]:
    response = client.post(
        f"/api/v1/sites/{site}/declarations",
        base_url=BASE,
        json=body,
        headers={"Authorization": f"Bearer {world.tokens[username]}"},
    )
    return response.status_code, response.get_json()


def test_api_declaration_carries_the_tokens_user(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    client = client_of(None)
    status, out = _api_declare(
        client, world, "planner-gz", COUNTY,
        {"capability": "unified-software", "value": "no", "at": "2026-11-02", "note": "survey"},
    )  # fmt: skip
    assert status == 201
    assert out == {
        "site": COUNTY, "capability": "unified-software", "value": "no", "holds": False,
        "amount": None, "declared_by": "planner-gz", "declared_at": "2026-11-02", "note": "survey",
    }  # fmt: skip
    with store.session() as db:
        event = db.scalars(
            select(AuditEvent).where(
                AuditEvent.object_key == f"{COUNTY}/unified-software@2026-11-02"
            )
        ).one()
        user = db.get(User, event.user_id)
    assert user is not None and user.username == "planner-gz"
    assert (
        _api_declare(client, world, "viewer-gz", COUNTY, {"capability": "oa", "value": True})[0]
        == 403
    )
    assert (
        _api_declare(
            client, world, "planner-gz", OUTSIDE_COUNTY, {"capability": "oa", "value": True}
        )[0]
        == 404
    )
    status, error = _api_declare(
        client, world, "admin-all", COUNTY, {"capability": "hotlin", "value": True}
    )
    assert status == 400 and "did you mean 'hotline'?" in str(error["detail"])
    status, _ = _api_declare(client, world, "admin-all", COUNTY, {"capability": "oa"})
    assert status == 400
    assert _declarations(store, COUNTY, "oa") == [] and _declarations(store, COUNTY, "hotlin") == []
    as_form = client.post(
        f"/api/v1/sites/{COUNTY}/declarations", base_url=BASE, data={"capability": "oa"},
        headers={"Authorization": f"Bearer {world.tokens['planner-gz']}"},
    )  # fmt: skip
    assert as_form.status_code == 415
    # A logged-in browser's cookie is no API credential.
    cookie = client_of("planner-gz").post(
        f"/api/v1/sites/{COUNTY}/declarations", base_url=BASE, json={"capability": "oa", "value": 1}
    )
    assert cookie.status_code == 401


# --- targets -----------------------------------------------------------------------------------


def test_target_page_lists_the_offices_that_miss_it_filtered_and_paged(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    viewer = client_of("viewer-gz")
    key = world.inside.extra["target"]
    page = viewer.get(f"/targets/{key}?level=township", base_url=BASE).text
    missing = re.search(r'<table id="missing">(.*?)</table>', page, re.S)
    assert (
        missing and world.inside.site in missing.group(1) and f">{COUNTY}<" not in missing.group(1)
    )
    paged = viewer.get(f"/targets/{key}?per_page=1&level=township", base_url=BASE).text
    assert "page 1 of 1" in paged or "第 1 页，共 1 页" in paged
    nowhere = viewer.get(f"/targets/{key}?region=nowhere", base_url=BASE).text
    assert 'id="missing"' not in nowhere and 'value="nowhere"' in nowhere
    assert viewer.get(f"/targets/{world.outside.extra['target']}", base_url=BASE).status_code == 404
    assert viewer.get(f"/targets/{key}?level=teapot", base_url=BASE).status_code == 400
    targets = viewer.get("/targets", base_url=BASE).text
    assert key in targets and world.outside.extra["target"] not in targets
    assert 'data-chart="bar"' in targets


# --- the inspection reports --------------------------------------------------------------------


class _ExternalUrls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.external += [v or "" for k, v in attrs if k in ("href", "src") and "//" in (v or "")]


def _self_contained(html: str) -> None:
    assert html.lstrip().lower().startswith("<!doctype html")
    parser = _ExternalUrls()
    parser.feed(html)
    assert parser.external == [] and "url(" not in html and "@import" not in html


def test_coverage_report_holds_the_users_subtree_only(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    viewer = client_of("viewer-gz")
    response = viewer.get("/reports/coverage.csv", base_url=BASE)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {r["target"] for r in rows} == {world.inside.extra["target"]}
    assert {r["under"] for r in rows if not r["parent"]} == {"4401"}
    html = viewer.get("/reports/coverage.html", base_url=BASE)
    assert html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    _self_contained(text)
    assert world.inside.extra["target"] in text and "濠江区" not in text
    assert (
        viewer.get(f"/reports/coverage.csv?under={OUTSIDE_COUNTY}", base_url=BASE).status_code
        == 404
    )


def test_verdict_matrix_is_for_security_officers_of_the_subtree(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    for refused in ("viewer-gz", "planner-gz"):
        assert client_of(refused).get("/reports/compliance.csv", base_url=BASE).status_code == 403
        assert "compliance.csv" not in client_of(refused).get("/reports", base_url=BASE).text
    security = client_of("security-gz")
    assert "compliance.csv" in security.get("/reports", base_url=BASE).text
    rows = list(
        csv.DictReader(
            io.StringIO(
                security.get("/reports/compliance.csv", base_url=BASE)
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    assert [(r["subject"], r["verdict"]) for r in rows] == [(world.inside.device, "fail")]
    document = json.loads(security.get("/reports/compliance.json", base_url=BASE).get_data())
    assert document["scope"] == "4401" and document["summary"]["fail"] == 1
    html = security.get("/reports/compliance.html", base_url=BASE).get_data(as_text=True)
    _self_contained(html)
    assert world.inside.device in html and world.outside.device not in html
    everything = client_of("admin-all").get("/reports/compliance.csv", base_url=BASE)
    text = everything.get_data().decode("utf-8-sig")
    assert world.inside.device in text and world.outside.device in text


def test_downloads_escape_hostile_names(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    """Last in the module: it adds a hostile county to the subtree."""
    _, store, world = web
    with store.transaction() as db:
        db.add(Site(code="440199", name=HOSTILE, level=Level.COUNTY, parent_code="4401",
                    declared=True))  # fmt: skip
        verdict = db.scalars(select(RuleVerdict)).first()
        assert verdict is not None
        db.add(RuleVerdict(
            rule_id="NET-AUTH-02", pack="mlps-l3", subject_kind="device",
            subject_key=verdict.subject_key, device_id=verdict.device_id, site_id=verdict.site_id,
            severity=Severity.HIGH, verdict=Verdict.FAIL, message=HOSTILE,
            evidence=[{"description": HOSTILE}], checked_at=verdict.checked_at,
        ))  # fmt: skip
    coverage = client_of("viewer-gz").get("/reports/coverage.html", base_url=BASE).text
    verdicts = client_of("security-gz").get("/reports/compliance.html", base_url=BASE).text
    for html in (coverage, verdicts):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert" not in html and "<img src=x" not in html
    target = client_of("viewer-gz").get(
        f"/targets/{world.inside.extra['target']}?level=county", base_url=BASE
    )
    assert "440199" in target.text and "<script>alert" not in target.text


# --- an empty store ----------------------------------------------------------------------------


def test_planning_pages_work_on_an_empty_store(db_url: str, tmp_path: Path) -> None:
    app, store = make_app(db_url, tmp_path, TESTING=True)
    try:
        with store.transaction() as db:
            accounts.create_user(db, "root", role=Role.ADMIN, scope_code=None, password=PASSWORD,
                                 actor="test")  # fmt: skip
        client = login(app, "root")
        for url in ("/targets", "/reports", "/"):
            assert client.get(url, base_url=BASE).status_code == 200, url
        assert client.get("/targets/none", base_url=BASE).status_code == 404
        report = client.get("/reports/coverage.csv", base_url=BASE).get_data().decode("utf-8-sig")
        assert report.splitlines()[0].startswith("target,title,capability")
        assert len(report.splitlines()) == 1
        _self_contained(client.get("/reports/coverage.html", base_url=BASE).get_data(as_text=True))
        matrix = json.loads(client.get("/reports/compliance.json", base_url=BASE).get_data())
        assert matrix["verdicts"] == [] and matrix["scope"] == "all sites"
        _self_contained(
            client.get("/reports/compliance.html", base_url=BASE).get_data(as_text=True)
        )
    finally:
        store.dispose()
