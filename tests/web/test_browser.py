"""The journeys in a real browser: Playwright driving Debian's chromium (no browser download).

One server and one browser for the module; screenshots of each step are kept under
``test-artifacts/browser/`` (or $NETCENSUS_TEST_ARTIFACTS) for a human to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from netcensus.inventory.db import Store

from .world import PASSWORD, World

playwright_api = pytest.importorskip("playwright.sync_api")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("NETCENSUS_TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"
CHROMIUM = os.environ.get("NETCENSUS_CHROMIUM", "/usr/lib/chromium/chromium")


@pytest.fixture(scope="module")
def server(web: tuple[Flask, Store, World]) -> Iterator[str]:
    """The app on a free loopback port, over plain http as `make demo` serves it."""
    http = make_server("127.0.0.1", 0, web[0], threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: run `make system-deps`")
        pytest.skip("Debian's chromium is missing: run `make system-deps`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    opened = context.new_page()
    problems: list[str] = []
    opened.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    opened.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # Console errors include Content-Security-Policy refusals and missing local assets.
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    assert problems == []


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in(page, server: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{server}/")


pytestmark = pytest.mark.parametrize("module_db_url", ["sqlite"], indirect=True)


def test_log_in_and_drill_down_to_a_township(page, server: str) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, server, "admin-all")
    assert page.locator("h1").inner_text() == "总览"
    _shot(page, "01-dashboard")
    page.click("text=站点")
    for name in ("广东省", "广州市", "荔湾区", "沙面街道"):
        page.click(f"table >> text={name}")
        assert name in page.locator("h1").inner_text()
    assert "440103001" in page.url
    assert page.locator(".breadcrumb").inner_text().startswith("广东省")
    assert "sw-in-scope-core" in page.locator("table.devices").inner_text()
    _shot(page, "02-township")


def test_open_a_config_diff(page, server: str, web: tuple[Flask, Store, World]) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, server, "security-gz")
    page.goto(f"{server}/devices/{web[2].inside.device}")
    page.click("#compare")
    table = page.locator("#config-diff")
    table.wait_for()
    changed = table.locator("tr.replace", has_text="telnet")
    assert changed.locator("td.old").inner_text().strip() == "transport input ssh telnet"
    assert changed.locator("td.new").inner_text().strip() == "transport input ssh"
    _shot(page, "03-config-diff")


def test_waive_a_finding_and_see_it_in_the_audit_log(
    page, server: str, web: tuple[Flask, Store, World]
) -> None:  # type: ignore[no-untyped-def]
    finding = web[2].inside.finding_id
    _log_in(page, server, "security-gz")
    page.goto(f"{server}/findings/{finding}")
    page.fill("#waive-form textarea[name=reason]", "补偿措施：上联口 ACL（browser test）")
    page.fill(
        "#waive-form input[name=until]", (dt.date.today() + dt.timedelta(days=60)).isoformat()
    )
    page.click("#waive")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#finding-state").inner_text() == "已豁免"
    _shot(page, "04-waived")
    page.click("#logout")
    _log_in(page, server, "admin-gz")
    page.goto(f"{server}/audit?action=finding.waived")
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 1
    assert "security-gz" in rows.first.inner_text() and "browser test" in rows.first.inner_text()
    _shot(page, "05-audit")


def test_view_the_topology(page, server: str, web: tuple[Flask, Store, World]) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, server, "viewer-gz")
    page.goto(f"{server}/topology?site={web[2].inside.site}")
    graph = page.locator("#topology")
    graph.wait_for()
    page.wait_for_function("document.getElementById('topology').dataset.nodes !== undefined")
    assert (graph.get_attribute("data-nodes"), graph.get_attribute("data-edges")) == ("2", "1")
    assert graph.get_attribute("data-cross-zone") == "1"  # internal core ↔ external firewall
    assert page.locator("canvas").count() > 0
    _shot(page, "06-topology")


def test_switch_the_language(page, server: str) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, server, "planner-gz")
    assert page.locator("nav").inner_text().startswith("总览")
    page.click("#lang-switch")
    page.wait_for_selector("text=Dashboard")
    assert page.locator("nav").inner_text().startswith("Dashboard")
    assert page.locator("html").get_attribute("lang") == "en"
    _shot(page, "07-english")
    page.click("#lang-switch")
    page.wait_for_selector("nav >> text=总览")


def test_admin_adds_a_user_who_makes_an_api_token(page, server: str) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, server, "admin-gz")
    page.click("nav >> text=用户")
    page.click("#add-user")
    page.fill("input[name=username]", "browser-planner")
    page.select_option("select[name=role]", "planner")
    page.fill("input[name=scope]", "440103")
    page.click("#create-user")
    password = page.inner_text("#password")
    _shot(page, "accounts-user-added")
    page.click("#logout")
    page.fill("input[name=username]", "browser-planner")
    page.fill("input[name=password]", password)
    page.click("#login")
    page.wait_for_url(f"{server}/")
    page.click("nav >> text=我的账户")
    page.fill("#token-form input[name=name]", "grafana")
    page.click("#create-token")
    secret = page.inner_text("#secret")
    assert secret.startswith("nct_")
    _shot(page, "accounts-token-created")
    page.click("text=返回我的账户")
    assert "grafana" in page.inner_text("#tokens") and secret not in page.content()
    _shot(page, "accounts-my-account")


def test_declare_a_capability_and_see_coverage_change(
    page, server: str, web: tuple[Flask, Store, World]
) -> None:  # type: ignore[no-untyped-def]
    """A planner declares the county's hotline; the target's county coverage goes up by one."""
    target = web[2].inside.extra["target"]
    _log_in(page, server, "planner-gz")
    page.goto(f"{server}/targets/{target}?level=county")
    before = page.locator("#target-rows tbody tr").first.locator("td.num").nth(1).inner_text()
    page.goto(f"{server}/sites/440103")
    page.select_option("#declare-form select[name=capability]", "hotline")
    page.select_option("#declare-form select[name=holds]", "yes")
    page.fill("#declare-form textarea[name=note]", "机构编制表 2026（browser test）")
    page.click("#declare")
    page.wait_for_selector(".flash.ok")
    row = page.locator('tr[data-capability="hotline"]')
    assert row.locator("td.source").get_attribute("data-source") == "declared"
    assert "planner-gz" in row.locator("td.declared").inner_text()
    _shot(page, "08-declared")
    page.goto(f"{server}/targets")
    page.wait_for_selector("canvas[data-chart=bar]")
    _shot(page, "09-targets")
    page.goto(f"{server}/targets/{target}?level=county")
    after = page.locator("#target-rows tbody tr").first.locator("td.num").nth(1).inner_text()
    assert int(after) == int(before) + 1
