"""Schedules in the store: claimed once, advanced before they run, fired on time by `run`."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from netcensus import scheduler
from netcensus.cli import main
from netcensus.errors import UserError
from netcensus.inventory import pollers, queries
from netcensus.inventory.db import Store
from netcensus.inventory.divisions import import_divisions
from netcensus.inventory.loader import load_inventory
from netcensus.inventory.models import AuditEvent, Scan, ScanResult
from tests.lab_fixture import RunningLab

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
DIVISIONS = Path(__file__).resolve().parents[2].parent / "shared/data/divisions/guangdong.json"


def test_a_due_schedule_is_claimed_once_and_advanced(store: Store) -> None:
    pollers.add_schedule(
        store, name="core-snmp", action="scan", interval_seconds=300, methods=["snmp"],
        actor="tester", start_at=T0,
    )  # fmt: skip
    assert pollers.claim_due(store, T0 - dt.timedelta(seconds=1)) == []
    first = pollers.claim_due(store, T0)
    assert [s.name for s in first] == ["core-snmp"]
    # A second scheduler asking at the same moment gets nothing: the run was taken.
    assert pollers.claim_due(store, T0) == []
    (row,) = _schedules(store)
    assert row.next_run_at == T0 + dt.timedelta(seconds=300) and row.last_status == "running"


def test_a_scheduler_that_was_down_runs_once_not_every_missed_run(store: Store) -> None:
    pollers.add_schedule(
        store, name="hourly", action="check", interval_seconds=3600, actor="tester", start_at=T0
    )
    late = T0 + dt.timedelta(hours=5, minutes=10)
    assert len(pollers.claim_due(store, late)) == 1
    assert pollers.claim_due(store, late + dt.timedelta(seconds=1)) == []
    (row,) = _schedules(store)
    assert row.next_run_at == late + dt.timedelta(hours=1)


def test_bad_schedules_are_refused_and_changes_audited(store: Store) -> None:
    with pytest.raises(UserError, match="unknown action 'reboot'"):
        pollers.add_schedule(store, name="x", action="reboot", interval_seconds=5, actor="t")
    with pytest.raises(UserError, match="at least one second"):
        pollers.add_schedule(store, name="x", action="scan", interval_seconds=0, actor="t")
    pollers.add_schedule(store, name="x", action="scan", interval_seconds=5, actor="alice")
    with pytest.raises(UserError, match="exists"):
        pollers.add_schedule(store, name="x", action="scan", interval_seconds=5, actor="alice")
    pollers.remove_schedule(store, "x", actor="bob")
    with pytest.raises(UserError, match="no schedule named 'x'"):
        pollers.remove_schedule(store, "x", actor="bob")
    with store.session() as session:
        events = [(e.actor, e.action) for e in session.scalars(select(AuditEvent))]
    assert events == [("alice", "schedule.add"), ("bob", "schedule.remove")]


def test_schedule_cli_round_trip(cli_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(main, ["schedule", "add", "cfg", "--action", "backup", "--every", "1h"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["schedule", "list", "--json"])
    assert '"every": 3600' in listed.output and '"action": "backup"' in listed.output
    bad = runner.invoke(main, ["schedule", "add", "y", "--action", "scan", "--every", "5 minutes"])
    assert bad.exit_code == 2 and "give a number of seconds" in bad.output
    assert runner.invoke(main, ["schedule", "remove", "cfg"]).exit_code == 0
    assert runner.invoke(main, ["schedule", "list", "--json"]).output.strip() == "[]"


@pytest.mark.lab
def test_run_mode_fires_a_scan_schedule_on_time_and_checks_after_it(
    lab: RunningLab, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    with sqlite_store.transaction() as session:
        import_divisions(session, DIVISIONS)
        load_inventory(session, [lab.inventory_path])
    interval = 4
    pollers.add_schedule(
        sqlite_store, name="int-snmp", action="scan", interval_seconds=interval,
        site_code="4405", zone="internal", methods=["snmp"], actor="tester",
    )  # fmt: skip
    stop = threading.Event()
    ran: list[str] = []
    worker = threading.Thread(
        target=scheduler.run_forever,
        kwargs={"store": sqlite_store, "stop": stop, "poll_seconds": 0.2, "on_run": ran.append},
    )
    worker.start()
    deadline = time.monotonic() + 120
    while len(ran) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    worker.join(timeout=60)
    assert len(ran) >= 2, ran
    assert all(": ok: scan " in line for line in ran), ran
    with sqlite_store.session() as session:
        scans = list(session.scalars(select(Scan).order_by(Scan.id)))
        devices = {r.target for r in session.scalars(select(ScanResult))}
        checks = session.scalars(select(AuditEvent).where(AuditEvent.actor == "scheduler")).all()
    assert len(scans) >= 2 and all(s.started_by == "scheduler" for s in scans)
    gap = (scans[1].started_at - scans[0].started_at).total_seconds()
    assert gap >= interval - 0.5, f"second run {gap:.1f}s after the first"
    expected = {
        d["name"]
        for d in lab.ground_truth["devices"]
        if d.get("site", "").startswith("4405") and d.get("zone") == "internal"
    }
    assert devices == expected
    (row,) = _schedules(sqlite_store)
    assert row.last_status == "ok"
    # The check that follows each scheduled scan opened findings in the scanned subtree.
    assert checks and all(e.action.startswith("finding.") for e in checks)


def _schedules(store: Store) -> list[queries.ScheduleRow]:
    with store.session() as session:
        return queries.list_schedules(session)
