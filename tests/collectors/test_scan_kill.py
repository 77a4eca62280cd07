"""kill -9 in the middle of a scan loses no reconciled device; `--resume` completes the rest.

The internal zone of the lab: generated devices only, so each one answers with interfaces.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from netcensus.collectors.scan import Scope, targets_from_store
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Outcome, ScanStatus
from netcensus.inventory.models import Device, Interface, Scan, ScanResult
from tests.lab_fixture import RunningLab

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
DIVISIONS = REPO.parent / "shared" / "data" / "divisions" / "guangdong.json"


def _env(lab: RunningLab, home: Path) -> dict[str, str]:
    env = {**os.environ, **lab.env, "NETCENSUS_HOME": str(home)}
    env.pop("NETCENSUS_DATABASE_URL", None)
    return env


def _netcensus(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "netcensus.cli", *args],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _ok_devices(store: Store, scan_id: int) -> dict[str, tuple[Any, int]]:
    """Devices with an ok result in the scan: (first_seen, number of interfaces)."""
    with store.session() as session:
        rows = session.execute(
            select(Device.name, Device.first_seen, func.count(Interface.id))
            .join(ScanResult, ScanResult.device_id == Device.id)
            .outerjoin(Interface, Interface.device_id == Device.id)
            .where(ScanResult.scan_id == scan_id, ScanResult.outcome == Outcome.OK)
            .group_by(Device.name, Device.first_seen)
        )
        return {name: (first_seen, interfaces) for name, first_seen, interfaces in rows}


def test_kill_mid_scan_then_resume(lab: RunningLab, tmp_path: Path) -> None:
    env = _env(lab, tmp_path / "home")
    for args in (("db", "upgrade"), ("sites", "import-divisions", str(DIVISIONS)),
                 ("inventory", "load", str(lab.inventory_path))):  # fmt: skip
        assert _netcensus(env, *args).returncode == 0
    store = Store(f"sqlite:///{tmp_path / 'home' / 'netcensus.db'}")
    with store.session() as session:
        declared = len(targets_from_store(session, Scope(zone="internal")))

    scan = subprocess.Popen(
        [sys.executable, "-m", "netcensus.cli", "scan", "--zone", "internal", "--snmp",
         "--concurrency", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stored = 0
    # Wait (no timing is asserted) until a few devices are reconciled, then kill -9.
    deadline = time.monotonic() + 300
    while stored < 3 and scan.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        with store.session() as session:
            stored = session.scalar(
                select(func.count()).select_from(ScanResult).where(ScanResult.outcome == Outcome.OK)
            ) or 0  # fmt: skip
    scan.send_signal(signal.SIGKILL)
    assert scan.wait() == -signal.SIGKILL, "the scan ended before it could be killed"

    with store.session() as session:
        killed = session.scalars(select(Scan)).one()
        assert killed.status == ScanStatus.RUNNING  # nobody could mark it
        done_before = set(
            session.execute(
                select(ScanResult.target, ScanResult.method).where(ScanResult.scan_id == killed.id)
            ).all()
        )
    before = _ok_devices(store, killed.id)
    assert len(before) >= 3 and all(count > 0 for _, count in before.values())
    assert len(done_before) < declared  # work was left to resume

    resumed = _netcensus(env, "scan", "--resume", "--concurrency", "16", "--json")
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["scan"] == killed.id

    with store.session() as session:
        scan_row = session.get(Scan, killed.id)
        assert scan_row is not None and scan_row.status == ScanStatus.COMPLETED
        results = session.execute(
            select(ScanResult.target, ScanResult.method).where(ScanResult.scan_id == killed.id)
        ).all()
        targets = {t.name for t in targets_from_store(session, Scope(zone="internal"))}
    # Every declared device has exactly one SNMP result; those done before were not redone.
    assert sorted(results) == sorted({(name, "snmp") for name in targets})
    assert done_before <= set(results)
    after = _ok_devices(store, killed.id)
    for name, (first_seen, interfaces) in before.items():
        assert after[name][0] == first_seen and after[name][1] >= interfaces
    assert report["summary"]["results"] == len(targets)

    again = _netcensus(env, "scan", "--resume")
    assert again.returncode == 2 and "no interrupted scan" in again.stderr
    store.dispose()
