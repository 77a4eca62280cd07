"""Running the schedules kept in the store: on this host (`netcensus run`) or through Celery.

A schedule's action is one of: ``scan`` (SNMP and SSH, or the methods it names),
``backup`` (SSH only: configs), ``check`` (compliance over its site subtree) and
``snapshot`` (coverage). A scan started by a schedule is followed by a compliance check of
the same subtree, so findings follow the network without anyone running `check`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from netcensus.collectors import scan as scans
from netcensus.compliance import check as compliance_check
from netcensus.compliance import coverage
from netcensus.inventory import pollers
from netcensus.inventory.db import Store
from netcensus.inventory.models import Scan

log = logging.getLogger(__name__)
ACTOR = "scheduler"


def _methods(schedule: pollers.ScheduleRow) -> list[str]:
    if schedule.action == "backup":
        return ["ssh"]
    return list(schedule.methods) or list(scans.METHODS)


def _scope(schedule: pollers.ScheduleRow) -> scans.Scope:
    return scans.Scope(site=schedule.site_code, zone=schedule.zone)


def run_job(store: Store, schedule: pollers.ScheduleRow, *, distributed: bool) -> str:
    """Run one claimed schedule; returns a one-line account of what it did."""
    if schedule.action == "check":
        report = compliance_check.run_check(store, site_code=schedule.site_code, actor=ACTOR)
        return f"checked {report.devices} device(s): {report.failures} failing"
    if schedule.action == "snapshot":
        taken = coverage.snapshot_if_targets(store)
        return "coverage snapshot taken" if taken else "no targets loaded: nothing to snapshot"
    methods = _methods(schedule)
    if distributed:
        from netcensus import distributed as celery_side

        planned = celery_side.dispatch_scan(
            store, _scope(schedule), methods, then_check=True, started_by=ACTOR
        )
        return f"scan {planned.scan_id} sent to pollers ({planned.expected} result(s) awaited)"
    with store.session() as session:
        targets = scans.targets_from_store(session, _scope(schedule))
    scan_id = scans.start_scan(
        store, _scope(schedule), methods, started_by=ACTOR, extra_scope={"then_check": True}
    )
    summary = scans.run_scan(store, scan_id, targets, methods)
    after_scan(store, scan_id)
    return f"scan {scan_id}: {summary['ok']} ok, {summary['failed']} failed"


def after_scan(store: Store, scan_id: int) -> None:
    """What follows a completed scan: the day's coverage snapshot, and the check of its subtree
    when the scan asked for it (scheduled scans do)."""
    coverage.snapshot_if_targets(store)
    with store.session() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or not (scan.scope or {}).get("then_check"):
            return
        site = (scan.scope or {}).get("site")
    compliance_check.run_check(store, site_code=site, actor=ACTOR)


def run_due(store: Store, *, distributed: bool, now: dt.datetime | None = None) -> list[str]:
    """Claim and run every schedule due now; a failing job is recorded, the others go on."""
    done = []
    for schedule in pollers.claim_due(store, now):
        try:
            message = run_job(store, schedule, distributed=distributed)
            status = "ok"
        except Exception as exc:  # noqa: BLE001 - recorded on the schedule, shown by `list`
            log.exception("schedule %s failed", schedule.name)
            message, status = f"{type(exc).__name__}: {exc}", "failed"
        pollers.record_outcome(store, schedule.id, status, message)
        done.append(f"{schedule.name}: {status}: {message}")
    return done


def run_forever(
    store: Store,
    *,
    stop: threading.Event,
    poll_seconds: float = 1.0,
    on_run: Callable[[str], None] | None = None,
) -> None:
    """The single-machine scheduler: no broker, jobs run in this process one after another."""
    while not stop.is_set():
        for line in run_due(store, distributed=False):
            if on_run is not None:
                on_run(line)
        stop.wait(poll_seconds)
