"""In a real browser: an admin starts a scan of a lab township and watches it to the end.

Playwright drives Debian's chromium against the app served on loopback; the scan's child
process collects the running lab. The screenshot of the finished live page is kept under
``test-artifacts/browser/``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from .test_browser import _shot, browser, page  # noqa: F401 - fixtures used by name
from .test_scan_live import PASSWORD, TOWNSHIP, LabWeb, _expected, lab_web  # noqa: F401

pytestmark = [
    pytest.mark.lab,
    pytest.mark.parametrize("module_db_url", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="module")
def lab_server(lab_web: LabWeb) -> Iterator[str]:  # noqa: F811
    http = make_server("127.0.0.1", 0, lab_web.app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


def test_start_a_scan_and_watch_it_finish(page, lab_server: str, lab_web: LabWeb) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto(f"{lab_server}/login")
    page.fill("input[name=username]", "admin-shantou")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{lab_server}/")
    page.goto(f"{lab_server}/scans")
    assert page.locator("#scan-form input[name=site]").input_value() == "440514"
    page.fill("#scan-form input[name=site]", TOWNSHIP)
    page.select_option("#scan-form select[name=methods]", "both")
    page.click("#start-scan")
    page.wait_for_url(f"{lab_server}/scans/*")
    assert "扫描" in page.locator(".flash.ok").inner_text()
    expected = _expected(lab_web, TOWNSHIP)
    if page.locator("#live").count():  # the usual case: the child is still collecting
        page.wait_for_selector("#live[data-finished=true]", timeout=600_000)
        assert page.locator("#live-done").inner_text() == str(len(expected))
        assert page.locator("#live-expected").inner_text() == str(len(expected))
        assert page.locator("#live-bar").get_attribute("value") == str(len(expected))
        assert page.locator("#scan-status").inner_text() == "已完成"
        rows = page.locator("#live-results tbody tr")
        assert rows.count() == len(expected)
        shown = {
            tuple(rows.nth(i).locator("td").all_inner_texts()[:2]) for i in range(rows.count())
        }
        assert shown == set(expected)
        assert page.locator("#live-failed").inner_text() == "2"
        _shot(page, "08-scan-live-finished")
    else:  # finished before the page loaded: the stored results instead
        assert page.locator("#scan-status").inner_text() == "已完成"
        assert page.locator("table tbody tr").count() == len(expected)
        _shot(page, "08-scan-finished")
