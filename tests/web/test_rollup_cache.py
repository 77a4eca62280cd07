"""The dashboard's roll-ups are reused within DASHBOARD_CACHE_SECONDS, per scope, and computed
on every view with 0 (web/cache.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.enums import FindingState, Severity
from netcensus.inventory.models import Device, Finding

from . import world as seed
from .conftest import BASE, login, make_app


def open_total(app: Flask, username: str) -> tuple[int, str]:
    """The dashboard's count of open findings and its "computed at" line."""
    page = login(app, username).get("/", base_url=BASE)
    assert page.status_code == 200
    total = re.search(r'href="/findings\?states=open">(\d+)', page.text)
    computed = re.search(r'id="computed-at">([^<]+)<', page.text)
    assert total and computed, page.text
    return int(total.group(1)), computed.group(1)


def add_open_finding(store: Store, device_name: str) -> None:
    with store.transaction() as session:
        device = session.scalar(select(Device).where(Device.name == device_name))
        assert device is not None
        now = dt.datetime.now(dt.UTC)
        session.add(
            Finding(
                rule_id="NET-AUTH-02",
                pack="mlps-l3",
                subject_kind="device",
                subject_key=f"device:{device.name}",
                device=device,
                site_id=device.site_id,
                zone_kind="internal",
                severity=Severity.CRITICAL,
                mlps_level=3,
                verdict="fail",
                message="added after the first view",
                state=FindingState.OPEN,
                evidence=[],
                first_seen=now,
                last_seen=now,
            )
        )


def test_dashboard_reuses_its_rollups_within_the_window(module_db_url: str, tmp_path: Path) -> None:
    cached, store = make_app(module_db_url, tmp_path / "a", TESTING=True,
                             DASHBOARD_CACHE_SECONDS=3600)  # fmt: skip
    uncached, _ = make_app(module_db_url, tmp_path / "b", TESTING=True, DASHBOARD_CACHE_SECONDS=0)
    world = seed.build(store)
    try:
        national, national_at = open_total(cached, "admin-all")
        scoped, _ = open_total(cached, "admin-gz")  # limited to 4401: one side of the world
        assert (national, scoped) == (2, 1)

        add_open_finding(store, world.inside.device)

        # Within the window: the same figures, computed at the same time, for either scope.
        assert open_total(cached, "admin-all") == (2, national_at)
        assert open_total(cached, "admin-gz")[0] == 1
        # Without a cache every view counts the store as it is.
        assert open_total(uncached, "admin-all")[0] == 3
        assert open_total(uncached, "admin-gz")[0] == 2
    finally:
        store.dispose()
