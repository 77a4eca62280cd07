"""Who drives a scan and whether it is still alive.

Shared by the collectors (``scan --resume`` never takes over a live scan, the web refuses a
second scan of an overlapping scope) and the read side (the web's live progress stops
polling once nothing drives the scan any more).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
from typing import Any

from .enums import ScanStatus
from .models import Scan, utcnow

HEARTBEAT_SECONDS = 10.0
# A scan whose driver has not renewed its heartbeat for this long is taken as dead.
ALIVE_WITHIN = dt.timedelta(seconds=6 * HEARTBEAT_SECONDS)


def runner(pid: int | None = None) -> dict[str, Any]:
    """Who and where (this process, or its child ``pid``): recorded on a scan it drives."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        user = os.environ.get("USER", "unknown")
    return {"host": socket.gethostname(), "pid": pid or os.getpid(), "user": user}


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def still_running(scan: Scan, now: dt.datetime | None = None) -> bool:
    """Whether something other than this process still drives ``scan``, here or elsewhere.

    On the host that ran it, its process id is the definite answer (a scan killed a second
    ago is dead); elsewhere only the heartbeat it renews in the store can tell.
    """
    if scan.status != ScanStatus.RUNNING:
        return False
    runner_info = (scan.summary or {}).get("runner", {})
    me = runner()
    if runner_info.get("host") == me["host"] and runner_info.get("pid") is not None:
        pid = int(runner_info["pid"])
        return pid != me["pid"] and _process_alive(pid)
    if scan.heartbeat_at is None:
        return False
    return (now or utcnow()) - scan.heartbeat_at < ALIVE_WITHIN
