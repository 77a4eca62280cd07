"""What the pages show: local assets only, the config diff, filters and pages in the URL, zh/en."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from netcensus.inventory.db import Store
from netcensus.web.pages import side_by_side

from .conftest import BASE, csrf_token
from .world import World

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("href", "src", "action", "formaction")]


def _pages(world: World) -> list[str]:
    s = world.inside
    return [
        "/login",
        "/",
        "/sites",
        f"/sites/{s.site}",
        "/devices",
        f"/devices/{s.device}",
        "/endpoints",
        f"/config?device={s.device}",
        f"/config-diff?device={s.device}",
        "/findings",
        f"/findings/{s.finding_id}",
        f"/topology?site={s.site}",
        "/scans",
        f"/scans/{s.scan_id}",
        "/audit",
        "/targets",
        f"/targets/{s.extra['target']}",
        "/reports",
        "/no-such-page",
    ]


def test_no_page_references_an_external_url(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    client = client_of("admin-all")
    for url in _pages(world):
        body = client.get(url, base_url=BASE).get_data(as_text=True)
        parser = _Links()
        parser.feed(body)
        external = [u for u in parser.urls if not u.startswith("/") or u.startswith("//")]
        assert external == [], url
        assert not re.search(r"https?://", body), url
        assert "url(" not in body, url
    for css in STATIC.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text()), css


def test_vendored_assets_are_served_with_their_licenses(
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    for asset in ("vendor/chartjs/chart.umd.min.js", "vendor/cytoscape/cytoscape.min.js"):
        assert client_of(None).get(f"/static/{asset}", base_url=BASE).status_code == 200
    assert "MIT" in (STATIC / "vendor/chartjs/LICENSE.md").read_text()
    assert "Permission is hereby granted" in (STATIC / "vendor/cytoscape/LICENSE").read_text()


def test_side_by_side_pairs_changed_lines_and_keeps_the_rest() -> None:
    rows = side_by_side("a\nb\nc\n", "a\nB\nc\nd\n")
    assert [(r.kind, r.old_no, r.old, r.new_no, r.new) for r in rows] == [
        ("equal", 1, "a", 1, "a"),
        ("replace", 2, "b", 2, "B"),
        ("equal", 3, "c", 3, "c"),
        ("insert", None, "", 4, "d"),
    ]


def test_side_by_side_numbers_lines_as_evidence_does() -> None:
    """A form feed in a description is not a line break: line 3 stays line 3."""
    rows = side_by_side(
        "description a\x0cb\nx\nhostname r1\n", "description a\x0cb\ny\nhostname r1\n"
    )
    assert [(r.old_no, r.old) for r in rows][-1] == (3, "hostname r1")


def test_config_diff_page_shows_both_versions_side_by_side(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    body = (
        client_of("security-gz")
        .get(f"/config-diff?device={world.inside.device}&v1=1&v2=2", base_url=BASE)
        .get_data(as_text=True)
    )
    changed = re.findall(r'<tr class="replace">(.*?)</tr>', body, re.S)
    cells = [re.findall(r'<td class="(old|new)">(.*?)</td>', row) for row in changed]
    assert [("old", " transport input ssh telnet"), ("new", " transport input ssh")] in cells


def test_filters_and_page_live_in_a_shareable_url(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    client = client_of("admin-all")
    both = client.get("/devices?per_page=1", base_url=BASE).get_data(as_text=True)
    assert "page 1 of 4" in both or "第 1 页，共 4 页" in both
    next_link = re.search(r'href="([^"]+)" rel="next"', both)
    assert next_link and "per_page=1" in next_link.group(1) and "page=2" in next_link.group(1)
    second = client.get(next_link.group(1).replace("&amp;", "&"), base_url=BASE).get_data(
        as_text=True
    )
    assert second != both
    filtered = client.get("/devices?role=firewall&site=440507", base_url=BASE).get_data(
        as_text=True
    )
    assert "fw-out-of-scope-edge" in filtered and "sw-out-of-scope-core" not in filtered
    assert client.get("/devices?role=teapot", base_url=BASE).status_code == 400


def test_language_switch_between_chinese_and_english(web: tuple[Flask, Store, World]) -> None:
    client = web[0].test_client()
    login_page = client.get("/login", base_url=BASE).get_data(as_text=True)
    assert 'lang="zh-CN"' in login_page and "登录" in login_page
    response = client.post(
        "/language",
        base_url=BASE,
        headers={"Referer": f"{BASE}/login"},
        data={"lang": "en", "next": "/login", "csrf_token": csrf_token(login_page)},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    english = client.get("/login", base_url=BASE).get_data(as_text=True)
    assert 'lang="en"' in english and "Log in" in english and "登录" not in english


def test_every_ui_string_has_a_chinese_translation() -> None:
    """Chinese is the default language: a string added in English only fails here."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    web_dir = STATIC.parent
    with (web_dir / "translations/zh/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = {m[2] for m in extract_from_dir(str(web_dir), method_map, keywords=keywords)}
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_findings_export_carries_the_evidence_of_the_users_subtree(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    response = client_of("security-gz").get("/findings/export.csv?severity=high", base_url=BASE)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert world.inside.device in text and world.outside.device not in text
    exported = client_of("security-gz").get("/findings/export.json", base_url=BASE).json
    assert [f["evidence"] for f in exported] == [
        [{"device": world.inside.device, "line": "transport input ssh telnet"}]
    ]


def test_an_endpoint_no_longer_reported_is_shown_as_history(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, _, world = web
    client = client_of("admin-all")
    for url in (f"/endpoints?device={world.inside.device}", f"/devices/{world.inside.device}"):
        body = client.get(url, base_url=BASE).get_data(as_text=True)
        rows = re.findall(r"<tr( class=\"[^\"]*\")?><td>(aa:bb:cc:00:[0-9a-f:]+)</td>", body)
        classes = {mac: cls for cls, mac in rows}
        unplugged = next(mac for mac in classes if mac.startswith("aa:bb:cc:00:99"))
        plugged = next(mac for mac in classes if not mac.startswith("aa:bb:cc:00:99"))
        assert "history" in classes[unplugged] and "history" not in classes[plugged]
