"""Starting a scan from the web: who may, where, and every refusal writes nothing.

No scan here reaches the network: each request is refused before a child is started (the
world's devices have made-up addresses). The lab test (test_scan_live.py) runs real ones.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from netcensus.inventory.db import Store
from netcensus.inventory.enums import ScanStatus
from netcensus.inventory.liveness import runner
from netcensus.inventory.models import AuditEvent, Scan, utcnow

from .conftest import BASE, csrf_token
from .world import World

REFERER = {"Referer": f"{BASE}/scans"}


def _scans(store: Store) -> int:
    with store.session() as db:
        return db.scalar(select(func.count()).select_from(Scan)) or 0


def _audit_starts(store: Store) -> int:
    with store.session() as db:
        query = select(func.count()).where(AuditEvent.action == "scan.start")
        return db.scalar(query) or 0


def _form(client: FlaskClient, **fields: str) -> dict[str, str]:
    page = client.get("/scans", base_url=BASE)
    return {"csrf_token": csrf_token(page.text), "methods": "snmp", **fields}


def test_admin_sees_the_form_others_do_not(
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    admin = client_of("admin-gz").get("/scans", base_url=BASE).text
    assert 'id="scan-form"' in admin and 'name="csrf_token"' in admin
    assert 'value="4401"' in admin  # the site defaults to the user's own scope
    for username in ("planner-gz", "security-gz", "viewer-gz"):
        assert 'id="scan-form"' not in client_of(username).get("/scans", base_url=BASE).text


def test_start_without_csrf_token_is_refused(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    before = _scans(store)
    response = client_of("admin-gz").post(
        "/scans", base_url=BASE, headers=REFERER, data={"site": world.inside.site}
    )
    assert response.status_code == 400
    assert _scans(store) == before


@pytest.mark.parametrize("username", ["planner-gz", "security-gz", "viewer-gz"])
def test_only_admins_may_start_a_scan(
    username: str, web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    client = client_of(username)
    before = _scans(store)
    data = _form(client, site=world.inside.site)
    assert client.post("/scans", base_url=BASE, headers=REFERER, data=data).status_code == 403
    api = client_of(None).post(
        "/api/v1/scans", base_url=BASE, json={"site": world.inside.site},
        headers={"Authorization": f"Bearer {world.tokens[username]}"},
    )  # fmt: skip
    assert api.status_code == 403
    assert _scans(store) == before


def test_scoped_admin_cannot_scan_outside_their_subtree(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    client = client_of("admin-gz")
    before, audited = _scans(store), _audit_starts(store)
    data = _form(client, site=world.outside.site)
    response = client.post("/scans", base_url=BASE, headers=REFERER, data=data)
    assert response.status_code == 404
    assert world.outside.device not in response.text
    for site in (world.outside.site, "44"):  # another prefecture, or the whole province
        api = client_of(None).post(
            "/api/v1/scans", base_url=BASE, json={"site": site},
            headers={"Authorization": f"Bearer {world.tokens['admin-gz']}"},
        )  # fmt: skip
        assert api.status_code == 404
    assert (_scans(store), _audit_starts(store)) == (before, audited)


def test_a_scope_without_active_device_is_refused_with_a_message(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    client = client_of("admin-gz")
    before = _scans(store)
    data = _form(client, site=world.inside.site, zone="no-such-zone")
    response = client.post(
        "/scans", base_url=BASE, headers=REFERER, data=data, follow_redirects=True
    )
    assert response.status_code == 200
    assert "no active declared device in scope" in response.text
    assert "no-such-zone" in response.text
    assert _scans(store) == before
    api = client_of(None).post(
        "/api/v1/scans", base_url=BASE, json={"site": world.inside.site, "zone": "no-such-zone"},
        headers={"Authorization": f"Bearer {world.tokens['admin-gz']}"},
    )  # fmt: skip
    assert api.status_code == 400 and "no active declared device" in api.json["detail"]
    assert _scans(store) == before


def test_a_bad_site_code_is_a_form_error(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, _world = web
    client = client_of("admin-all")
    before = _scans(store)
    data = _form(client, site="44<script>")
    response = client.post("/scans", base_url=BASE, headers=REFERER, data=data)
    assert response.status_code == 400
    assert "<script>" not in response.text
    assert _scans(store) == before


@pytest.fixture
def running_elsewhere(web: tuple[Flask, Store, World]) -> Iterator[int]:
    """A scan of Guangzhou (4401) driven by a live process on another host."""
    store = web[1]
    with store.transaction() as db:
        scan = Scan(
            started_by="cli:other", source="scan", scope={"site": "4401"},
            status=ScanStatus.RUNNING, heartbeat_at=utcnow(),
            summary={"runner": {"host": "poller-elsewhere", "pid": 4242, "user": "x"}},
        )  # fmt: skip
        db.add(scan)
        db.flush()
        scan_id = scan.id
    yield scan_id
    with store.transaction() as db:
        stopped = db.get(Scan, scan_id)
        assert stopped is not None
        stopped.status = ScanStatus.INTERRUPTED
        stopped.heartbeat_at = utcnow() - dt.timedelta(days=1)


def test_a_second_scan_of_an_overlapping_scope_is_refused(
    running_elsewhere: int,
    web: tuple[Flask, Store, World],
    client_of: Callable[[str | None], FlaskClient],
) -> None:
    _, store, world = web
    client = client_of("admin-gz")
    before = _scans(store)
    data = _form(client, site=world.inside.site)  # 440103001 lies inside 4401
    response = client.post(
        "/scans", base_url=BASE, headers=REFERER, data=data, follow_redirects=True
    )
    assert f"scan {running_elsewhere} of an overlapping scope is still running" in response.text
    api = client_of(None).post(
        "/api/v1/scans", base_url=BASE, json={"site": world.inside.site},
        headers={"Authorization": f"Bearer {world.tokens['admin-all']}"},
    )  # fmt: skip
    assert api.status_code == 409
    assert _scans(store) == before


def test_api_start_needs_json(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    _, store, world = web
    response = client_of(None).post(
        "/api/v1/scans", base_url=BASE, data="site=4401",
        headers={"Authorization": f"Bearer {world.tokens['admin-all']}",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status_code == 415
    bad = client_of(None).post(
        "/api/v1/scans", base_url=BASE, json={"site": "4401", "methods": "telnet"},
        headers={"Authorization": f"Bearer {world.tokens['admin-all']}"},
    )  # fmt: skip
    assert bad.status_code == 400


def test_a_scan_whose_process_died_says_so_and_stops_following(
    web: tuple[Flask, Store, World], client_of: Callable[[str | None], FlaskClient]
) -> None:
    """Status "running" but its driver on this host is gone: no live view, a way to resume."""
    _, store, world = web
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its process id no longer names a live process
    with store.transaction() as db:
        scan = Scan(started_by="admin-gz", source="scan", status=ScanStatus.RUNNING,
                    scope={"site": world.inside.site, "expected": 2},
                    summary={"runner": runner(dead.pid)})  # fmt: skip
        db.add(scan)
        db.flush()
        scan_id = scan.id
    client = client_of("admin-gz")
    progress = client.get(f"/scans/{scan_id}/progress", base_url=BASE).json
    assert (progress["status"], progress["alive"], progress["expected"], progress["done"]) == (
        "running", False, 2, 0,
    )  # fmt: skip
    page = client.get(f"/scans/{scan_id}", base_url=BASE).text
    assert 'id="live"' not in page and "netcensus scan --resume" in page
    with store.transaction() as db:
        stopped = db.get(Scan, scan_id)
        assert stopped is not None
        stopped.status = ScanStatus.INTERRUPTED
