"""Scans started from the web: the row and its audit event now, the collection in a child.

A web request must not wait for a scan (minutes for a prefecture). The server creates the
scan's row first, so its page shows progress at once, then starts ``netcensus scan`` in a
process of its own to run that very scan (``--run-created``), with the server's store and
environment: credentials come from the variables the references name, as for the CLI.
A child that dies leaves a scan nothing drives; ``netcensus scan --resume`` continues it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.enums import ScanStatus
from netcensus.inventory.models import AuditEvent

from .scan import Scope, create_scan, finish_scan, hand_over, running_overlap, targets_from_store

AUDIT_ACTION = "scan.start"


class ScanBusy(UserError):
    """A scan of an overlapping scope is still running: two would poll the same devices."""

    def __init__(self, scan_id: int):
        super().__init__(
            f"scan {scan_id} of an overlapping scope is still running; "
            "wait for it to finish before starting another"
        )
        self.scan_id = scan_id


@dataclass(frozen=True)
class Planned:
    scan_id: int
    expected: int  # (device, method) results the scan will record


def plan_scan(
    session: Session, scope: Scope, methods: Sequence[str], *, started_by: str
) -> Planned:
    """Create the scan's row and its audit event in the caller's transaction.

    Refused (UserError, nothing written) when the scope has no active declared device or a
    scan of an overlapping scope is still running.
    """
    targets = targets_from_store(session, scope)
    if not targets:
        raise UserError(f"no active declared device in scope ({scope.describe()})")
    busy = running_overlap(session, scope)
    if busy is not None:
        raise ScanBusy(busy)
    expected = len(targets) * len(methods)
    scan_id = create_scan(session, scope, methods, started_by=started_by,
                          extra_scope={"expected": expected, "discover": False})  # fmt: skip
    session.add(
        AuditEvent(
            actor=started_by,
            action=AUDIT_ACTION,
            object_kind="scan",
            object_key=str(scan_id),
            before=None,
            after={**asdict(scope), "methods": list(methods), "expected": expected},
        )
    )
    return Planned(scan_id, expected)


def launch(store: Store, scan_id: int, *, home: Path) -> int:
    """Run the created scan in a detached child process; its process id.

    The child writes its report to ``home/scan-logs/<id>.log``. It is reaped by a thread
    here, so a finished child never lingers as a zombie that looks alive.
    """
    logs = home / "scan-logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NETCENSUS_DATABASE_URL": store.url, "NETCENSUS_HOME": str(home)}
    command = [sys.executable, "-m", "netcensus.cli", "scan", "--run-created", str(scan_id),
               "--json"]  # fmt: skip
    try:
        with (logs / f"{scan_id}.log").open("ab") as log:
            child = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # the server's Ctrl-C or restart does not stop it
            )  # fmt: skip
    except OSError:
        finish_scan(store, scan_id, ScanStatus.INTERRUPTED)
        raise
    threading.Thread(target=child.wait, daemon=True, name=f"scan-{scan_id}-reaper").start()
    hand_over(store, scan_id, child.pid)
    return child.pid
