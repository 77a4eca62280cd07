"""Hostile device-supplied strings render inert on every page, chart and graph label.

The strings enter the store the way a scan's results do (an Observation reconciled into
the store, its config stored as a version) plus a declared device and site whose names
are hostile, and a finding whose message and evidence quote them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from netcensus.collectors.observation import (
    Observation,
    ObservedInterface,
    ObservedMac,
    ObservedNeighbour,
)
from netcensus.collectors.reconcile import reconcile
from netcensus.inventory.enums import (
    DeviceRole,
    FindingState,
    Level,
    Outcome,
    Platform,
    PlaybookStatus,
    ScanStatus,
    Severity,
    ZoneKind,
)
from netcensus.inventory.liveness import runner
from netcensus.inventory.models import (
    Device,
    Finding,
    PlaybookEvent,
    PlaybookHostResult,
    PlaybookRun,
    Scan,
    ScanResult,
    Site,
    Zone,
)
from netcensus.web import accounts

from .conftest import BASE, login, make_app
from .world import PASSWORD

SCRIPT = "<script>alert('nc')</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(document.cookie)"
SVG = "<svg/onload=alert(2)>"
HOSTILE = (SCRIPT, IMG, JS_URL, SVG)
HOSTILE_DEVICE = f"sw{IMG}"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
# The app, then the ids of: a finished scan, a finding, a playbook run, a running scan.
Hostile = tuple[Flask, int, int, int, int]
OWN_SCRIPT = re.compile(r"^/static/(vendor/[a-z]+/[a-z.]+\.js|js/[a-z]+\.js)$")


class _Tags(HTMLParser):
    """Every tag and attribute of a page, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.islands: list[str] = []
        self._in_island = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if (
                name in ("href", "src", "action", "formaction")
                and value
                and (value.strip().lower().startswith(("javascript:", "data:", "vbscript:")))
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "svg", "iframe", "object", "embed"):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            if values.get("type") == "application/json":
                self._in_island = True
            elif not OWN_SCRIPT.match(values.get("src") or ""):
                self.problems.append(f"<script {values}>")

    def handle_data(self, data: str) -> None:
        if self._in_island:
            self.islands.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_island = False


def _observation() -> Observation:
    return Observation(
        target="gz-core",
        address="10.44.1.1",
        method="snmp",
        started_at=T0,
        platform="cisco_ios",
        sys_name=SCRIPT,
        sys_descr=f"Cisco IOS {IMG}",
        vendor=SVG,
        model=JS_URL,
        serial="FOC123XSS",
        os_version=SCRIPT,
        interfaces=[
            ObservedInterface(
                name="GigabitEthernet0/1",
                if_index=1,
                description=IMG,
                alias=SCRIPT,
                oper_status="up",
                admin_status="up",
                mac="00:11:22:33:44:55",
            ),
            ObservedInterface(
                name="GigabitEthernet0/2",
                if_index=2,
                description=JS_URL,
                oper_status="up",
                admin_status="up",
            ),
        ],
        neighbours=[
            ObservedNeighbour(
                protocol="lldp",
                local_interface="GigabitEthernet0/1",
                remote_system_name=SCRIPT,
                remote_port=IMG,
                remote_chassis_id="00:aa:bb:cc:dd:ee",
            )
        ],
        fdb=[ObservedMac(mac="aa:bb:cc:dd:ee:01", interface="GigabitEthernet0/2", vlan=10)],
        config=(
            f"hostname gz-core\nbanner motd ^{SCRIPT}^\n"
            f"interface GigabitEthernet0/1\n description {IMG}\n!\n"
        ),
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    home = tmp_path_factory.mktemp("xss")
    app, store = make_app(f"sqlite:///{home / 'db.sqlite'}", home, TESTING=True)
    with store.transaction() as db:
        province = Site(code="44", name="广东省", level=Level.PROVINCIAL)
        town = Site(code="4401", name=f"广州{IMG}", level=Level.PREFECTURE, parent_code="44")
        db.add_all([province, town])
        zone = Zone(site=town, name=f"int{SCRIPT}", kind=ZoneKind.INTERNAL)
        other = Zone(site=town, name="ext", kind=ZoneKind.EXTERNAL)
        db.add_all(
            [
                Device(
                    name="gz-core",
                    site=town,
                    zone=zone,
                    role=DeviceRole.CORE_SWITCH,
                    platform=Platform.CISCO_IOS,
                    mgmt_address="10.44.1.1",
                ),
                Device(
                    name=HOSTILE_DEVICE,
                    site=town,
                    zone=other,
                    role=DeviceRole.FIREWALL,
                    platform=Platform.HUAWEI_VRP,
                    mgmt_address="10.44.1.2",
                ),
            ]
        )
        scan = Scan(started_at=T0, finished_at=T0, started_by=SCRIPT, status=ScanStatus.COMPLETED)
        db.add(scan)
        db.flush()
        first = reconcile(db, _observation(), scan_id=scan.id)
        later = _observation()
        later.started_at = T0 + dt.timedelta(days=1)
        later.config = (later.config or "") + f"snmp-server location {JS_URL}\n"
        reconcile(db, later, scan_id=scan.id)
        peer = Observation(
            target=HOSTILE_DEVICE,
            address="10.44.1.2",
            method="snmp",
            started_at=T0,
            sys_name="fw",
            interfaces=[ObservedInterface(name="GE0/0/1", if_index=1)],
            neighbours=[
                ObservedNeighbour(
                    protocol="lldp",
                    local_interface="GE0/0/1",
                    remote_system_name="gz-core",
                    remote_port="GigabitEthernet0/1",
                )
            ],
        )
        reconcile(db, peer, scan_id=scan.id)
        db.add(
            ScanResult(
                scan_id=scan.id,
                device_id=first.device_id,
                target=SCRIPT,
                method="snmp",
                outcome=Outcome.FAILED,
                error_code="malformed",
                error=IMG,
                finished_at=T0,
            )
        )
        device = db.scalar(select(Device).where(Device.name == "gz-core"))
        finding = Finding(
            rule_id="NET-AUTH-01",
            pack="mlps-l3",
            subject_kind="device",
            subject_key=f"device:{SCRIPT}",
            device=device,
            site=town,
            zone_kind="internal",
            severity=Severity.CRITICAL,
            mlps_level=3,
            verdict="fail",
            message=f"bad {IMG}",
            state=FindingState.OPEN,
            first_seen=T0,
            last_seen=T0,
            evidence=[{"device": SCRIPT, "interface": IMG, "line": JS_URL}],
        )
        db.add(finding)
        accounts.create_user(
            db, "root", role="admin", scope_code=None, password=PASSWORD, actor=SCRIPT
        )
        run = PlaybookRun(playbook="remediate-telnet", started_by=SCRIPT, limit=IMG,
                          status=PlaybookStatus.FAILED, extra_vars={"note": SVG})  # fmt: skip
        db.add(run)
        db.flush()
        db.add(PlaybookHostResult(run_id=run.id, device_id=first.device_id, host="gz-core",
                                  outcome=Outcome.FAILED, failed=1, error=JS_URL))  # fmt: skip
        db.add(PlaybookEvent(run_id=run.id, seq=1, event="runner_on_failed", host="gz-core",
                             task=SVG, failed=True, message=f"{IMG}\n{SCRIPT}"))  # fmt: skip
        # Driven by a live process (our parent): its page carries the live-progress script.
        live = Scan(started_at=T0, started_by=SCRIPT, status=ScanStatus.RUNNING,
                    scope={"site": "4401", "expected": 3},
                    summary={"runner": runner(os.getppid())})  # fmt: skip
        db.add(live)
        db.flush()
        db.add(ScanResult(scan_id=live.id, device_id=first.device_id, target=SCRIPT,
                          method="ssh", outcome=Outcome.FAILED, error=SVG))  # fmt: skip
        ids = (scan.id, finding.id, run.id, live.id)
    yield app, *ids
    store.dispose()


def _pages(scan_id: int, finding_id: int, run_id: int, live_id: int) -> list[str]:
    return [
        "/",
        "/sites",
        "/sites/44",
        "/sites/4401",
        "/devices",
        "/devices?search=sw",
        "/devices/gz-core",
        f"/devices/{HOSTILE_DEVICE}",
        "/endpoints",
        "/findings",
        f"/findings/{finding_id}",
        "/topology?site=44",
        "/scans",
        f"/scans/{scan_id}",
        f"/scans/{live_id}",
        "/playbook-runs",
        f"/playbook-runs/{run_id}",
        "/audit",
        "/config?device=gz-core",
        "/config-diff?device=gz-core",
        "/targets",
        "/reports",
    ]


@pytest.fixture(scope="module")
def root(hostile: Hostile) -> FlaskClient:
    return login(hostile[0], "root")


def test_every_page_renders_hostile_strings_as_text(hostile: Hostile, root: FlaskClient) -> None:
    shown: set[str] = set()
    for url in _pages(*hostile[1:]):
        response = root.get(url, base_url=BASE)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        parser = _Tags()
        parser.feed(body)
        assert parser.problems == [], url
        for raw in (SCRIPT, IMG, SVG):
            assert raw not in body, f"{url} carries {raw!r} unescaped"
        # Present, escaped: the page did show the hostile data (as text).
        shown |= {h for h in HOSTILE if str(escape(h)) in body}
    assert shown == set(HOSTILE)


def test_chart_and_graph_labels_carry_hostile_names_as_data(
    hostile: Hostile, root: FlaskClient
) -> None:
    """Labels reach Chart.js and cytoscape as JSON (drawn on a canvas as text), intact."""
    topology = root.get("/topology?site=44", base_url=BASE).get_data(as_text=True)
    parser = _Tags()
    parser.feed(topology)
    elements = json.loads(parser.islands[0])
    labels = {n["data"]["label"] for n in elements["nodes"]}
    assert HOSTILE_DEVICE in labels
    assert "</script" not in parser.islands[0] and "<img" not in parser.islands[0]
    site = root.get("/sites/44", base_url=BASE).get_data(as_text=True)
    parser = _Tags()
    parser.feed(site)
    chart = json.loads(parser.islands[0])
    assert f"广州{IMG}" in chart["labels"]


def test_api_returns_hostile_strings_verbatim_as_json(hostile: Hostile, tmp_path: Path) -> None:
    app = hostile[0]
    with app.extensions["netcensus.store"].transaction() as db:
        from netcensus.inventory.models import User

        user = db.scalar(select(User).where(User.username == "root"))
        _, token = accounts.issue_token(db, user, name="t", days=1, actor="t")
    response = app.test_client().get(
        "/api/v1/devices/gz-core", base_url=BASE, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json["identity"]["sys_descr"] == f"Cisco IOS {IMG}"


def test_live_scan_page_follows_the_scan_and_progress_is_json(
    hostile: Hostile, root: FlaskClient
) -> None:
    """A running scan's page loads the local progress script; its JSON carries strings as data."""
    live_id = hostile[4]
    page = root.get(f"/scans/{live_id}", base_url=BASE).get_data(as_text=True)
    assert 'id="live"' in page and 'src="/static/js/progress.js"' in page
    progress = root.get(f"/scans/{live_id}/progress", base_url=BASE)
    assert progress.headers["Content-Type"].startswith("application/json")
    body = progress.json
    assert (body["alive"], body["expected"], body["done"]) == (True, 3, 1)
    assert [(r["target"], r["error"]) for r in body["results"]] == [(SCRIPT, SVG)]
