"""An admin starts a scan of a lab county from the web and follows it to the end.

The real chain: the page's form (CSRF), the scan row and audit event written in the request,
a detached `netcensus scan --run-created` child collecting the running lab with the
credentials of the server's environment, and the progress endpoint polled until nothing
drives the scan. What it reports must be what the lab holds, fault for fault.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from ruamel.yaml import YAML
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.enums import Role
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import AuditEvent, Scan, User
from netcensus.lab.faults import V3_CREDENTIAL_FAULTS
from netcensus.web import accounts
from tests.lab_fixture import RunningLab

from .conftest import BASE, csrf_token, login, make_app

pytestmark = pytest.mark.lab

DIVISIONS = Path(__file__).resolve().parents[3] / "shared" / "data" / "divisions" / "guangdong.json"
PASSWORD = "correct horse battery staple"
COUNTY = "440514"  # the scoped admin's subtree in the small lab (seed 1)
TOWNSHIP = "440514101"  # three devices (one refuses SSH, one has a too-short SNMPv3 key)
# and a carrier's CPE declared without an address
FAULT_RESULTS = {  # planted fault -> the (method, error code) the scan must report
    "ssh-refused": ("ssh", "refused"),
    **{kind: ("snmp", "auth") for kind in V3_CREDENTIAL_FAULTS},
}


@dataclass
class LabWeb:
    app: Flask
    store: Store
    token: str
    truth: dict[str, Any]  # the lab's ground truth
    inventory: dict[str, Any]  # what the lab declares (loaded into the store)


@pytest.fixture(scope="module")
def lab_web(
    lab: RunningLab, module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabWeb]:
    app, store = make_app(module_db_url, tmp_path_factory.mktemp("home"), TESTING=True)
    with store.transaction() as db:
        import_divisions(db, DIVISIONS)
        load_inventory(db, [lab.inventory_path])
        admin = accounts.create_user(db, "admin-shantou", role=Role.ADMIN, scope_code=COUNTY,
                                     password=PASSWORD, actor="test")  # fmt: skip
        _, token = accounts.issue_token(db, admin, name="test", days=1, actor="test")
    with pytest.MonkeyPatch.context() as env:
        for name, value in lab.env.items():  # the server's environment names the secrets
            env.setenv(name, value)
        inventory = YAML(typ="safe").load(lab.inventory_path.read_text())
        yield LabWeb(app, store, token, lab.ground_truth, inventory)
    store.dispose()


def _expected(
    lab: LabWeb, site: str, methods: tuple[str, ...] = ("snmp", "ssh")
) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(device, method) -> (outcome, error code) for every device the lab declares at ``site``.

    A device declared without an address (a carrier's CPE) is skipped; a planted fault fails
    its method with its own reason; every other device answers.
    """
    faults = {
        (name, FAULT_RESULTS[f["kind"]][0]): FAULT_RESULTS[f["kind"]][1]
        for f in lab.truth["faults"]
        if f["kind"] in FAULT_RESULTS
        for name in f["devices"]
    }
    expected: dict[tuple[str, str], tuple[str, str | None]] = {}
    for device in lab.inventory["devices"]:
        if device["site"] != site:
            continue
        for method in methods:
            pair = (device["name"], method)
            if not device.get("mgmt_address"):
                expected[pair] = ("skipped", "skipped")
            else:
                expected[pair] = ("failed", faults[pair]) if pair in faults else ("ok", None)
    return expected


def _follow(get: Any, url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll ``url`` as the page's script does until nothing drives the scan; every result."""
    results: list[dict[str, Any]] = []
    cursor, deadline = 0, time.monotonic() + 600
    while time.monotonic() < deadline:
        progress = get(f"{url}?after={cursor}")
        results.extend(progress["results"])
        cursor = progress["cursor"]
        if not progress["alive"] and not progress["results"]:
            return progress, results
        time.sleep(0.5)
    raise AssertionError(f"the scan behind {url} was still running after 10 minutes")


def test_admin_starts_a_scan_on_the_page_and_follows_it_to_the_end(lab_web: LabWeb) -> None:
    client: FlaskClient = login(lab_web.app, "admin-shantou", PASSWORD)
    form = client.get("/scans", base_url=BASE)
    response = client.post(
        "/scans", base_url=BASE, headers={"Referer": f"{BASE}/scans"},
        data={"csrf_token": csrf_token(form.text), "site": TOWNSHIP, "methods": "both"},
    )  # fmt: skip
    assert response.status_code == 302
    scan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    expected = _expected(lab_web, TOWNSHIP)
    assert len(expected) == 8  # three lab devices and a carrier's CPE, by both methods

    def get(url: str) -> dict[str, Any]:
        answer = client.get(url, base_url=BASE)
        assert answer.status_code == 200
        return answer.json  # type: ignore[no-any-return]

    progress, results = _follow(get, f"/scans/{scan_id}/progress")
    assert (progress["status"], progress["expected"], progress["done"]) == (
        "completed", len(expected), len(expected),
    )  # fmt: skip
    reported = {(r["target"], r["method"]): (r["outcome"], r["error_code"]) for r in results}
    assert reported == expected
    counts = progress["counts"]
    assert (counts["failed"], counts["skipped"], counts["ok"] + counts["ok_with_errors"]) == (
        2, 2, 4,
    )  # fmt: skip
    # The finished page shows the stored results instead of following the scan.
    page = client.get(f"/scans/{scan_id}", base_url=BASE).text
    assert 'id="live"' not in page and "s440514101-ext-fw1" in page
    with lab_web.store.session() as db:
        scan = db.get(Scan, scan_id)
        assert scan is not None and scan.started_by == "admin-shantou"
        assert scan.scope["site"] == TOWNSHIP and scan.scope["methods"] == ["snmp", "ssh"]
        user_id = db.scalar(select(User.id).where(User.username == "admin-shantou"))
        event = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "scan.start",
                                     AuditEvent.object_key == str(scan_id))
        ).one()  # fmt: skip
        assert (event.user_id, event.actor) == (user_id, "admin-shantou")
        assert event.after["expected"] == len(expected)


def test_api_starts_a_scan_and_reports_progress_to_the_end(lab_web: LabWeb) -> None:
    client = lab_web.app.test_client()
    auth = {"Authorization": f"Bearer {lab_web.token}"}
    started = client.post(
        "/api/v1/scans", base_url=BASE, headers=auth, json={"site": TOWNSHIP, "methods": "snmp"}
    )
    assert started.status_code == 202, started.text
    body = started.json
    assert body["expected"] == 4 and body["progress"].endswith(f"/scans/{body['scan_id']}/progress")

    def get(url: str) -> dict[str, Any]:
        answer = client.get(url, base_url=BASE, headers=auth)
        assert answer.status_code == 200
        return answer.json  # type: ignore[no-any-return]

    progress, results = _follow(get, body["progress"])
    expected = _expected(lab_web, TOWNSHIP, ("snmp",))
    assert (progress["status"], progress["done"]) == ("completed", 4)
    assert {(r["target"], r["method"]): (r["outcome"], r["error_code"]) for r in results} == (
        expected
    )
    # The scoped admin's audit log shows the start, by them.
    audit = get("/api/v1/audit?action=scan.start&object_kind=scan")["items"]
    started_here = [e for e in audit if e["object_key"] == str(body["scan_id"])]
    assert [e["actor"] for e in started_here] == ["admin-shantou"]
    # The scoped admin's own site only: the rest of Shantou answers as if it did not exist.
    outside = client.post("/api/v1/scans", base_url=BASE, headers=auth, json={"site": "4405"})
    assert outside.status_code == 404
