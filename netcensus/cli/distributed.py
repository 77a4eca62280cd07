"""`netcensus worker`, `beat`, `run`, `schedule` and `pollers`: monitoring that runs by itself."""

from __future__ import annotations

import getpass
import re
import signal
import threading

import click

from netcensus.cli.common import console, emit, json_option, printable, with_store
from netcensus.errors import UserError
from netcensus.inventory import pollers, queries
from netcensus.inventory.db import Store

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(text: str) -> int:
    """'300', '30s', '5m', '1h', '1d' -> seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not match:
        raise UserError(f"--every {text!r}: give a number of seconds or e.g. 30s, 5m, 1h, 1d")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


@click.command()
@click.option(
    "--zone", metavar="ZONE", help="Serve this zone's queue: a poller inside that network."
)
@click.option("--central", is_flag=True,
              help="Serve the central queue: results, heartbeats, schedules.")  # fmt: skip
@click.option("--name", help="This poller's name (default: host name and process id).")
def worker(zone: str | None, central: bool, name: str | None) -> None:
    """Start a Celery worker: a zone poller (--zone) or the central node (--central).

    A poller needs only the broker (NETCENSUS_BROKER_URL) and its zone's device
    credentials in its environment, no store credentials.
    """
    from netcensus import distributed

    distributed.run_worker(zone=zone, central=central, name=name)


@click.command()
def beat() -> None:
    """Start Celery beat: it ticks the central node, which runs the stored schedules."""
    from netcensus import distributed

    distributed.run_beat()


@click.command()
@with_store
def run(store: Store) -> None:
    """Run the stored schedules on this host until stopped (no broker needed)."""
    from netcensus import scheduler

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with store.session() as session:
        count = len(queries.list_schedules(session))
    console.print(f"running {count} schedule(s); Ctrl-C stops")
    scheduler.run_forever(
        store, stop=stop, on_run=lambda line: console.print(printable(line), markup=False)
    )


@click.group()
def schedule() -> None:
    """List, add and remove recurring scans, backups, checks and coverage snapshots."""


@schedule.command("list")
@json_option
@with_store
def schedule_list(as_json: bool, store: Store) -> None:
    """Every schedule, when it runs next and how its last run went."""
    with store.session() as session:
        schedules = queries.list_schedules(session)
    rows = [row.model_dump() | {"every": row.interval_seconds} for row in schedules]
    emit(rows, ("name", "action", "site_code", "zone", "methods", "every", "enabled",
                "next_run_at", "last_run_at", "last_status", "last_message"),
         as_json=as_json, title="schedules")  # fmt: skip


@schedule.command("add")
@click.argument("name")
@click.option("--action", required=True, type=click.Choice(pollers.SCHEDULE_ACTIONS))
@click.option("--every", required=True, help="Interval: seconds, or 30s, 5m, 1h, 1d.")
@click.option("--site", metavar="CODE", help="Site subtree (division code).")
@click.option("--zone", metavar="ZONE", help="Zone name or kind (scans and backups).")
@click.option("--method", "methods", multiple=True, type=click.Choice(["snmp", "ssh"]),
              help="Collection methods of a scan (default both).")  # fmt: skip
@with_store
def schedule_add(
    name: str,
    action: str,
    every: str,
    site: str | None,
    zone: str | None,
    methods: tuple[str, ...],
    store: Store,
) -> None:
    """Add a schedule; it first runs at once, then every interval."""
    row = pollers.add_schedule(
        store, name=name, action=action, interval_seconds=_seconds(every), site_code=site,
        zone=zone, methods=list(methods), actor=getpass.getuser(),
    )  # fmt: skip
    console.print(f"schedule {row.name}: {row.action} every {row.interval_seconds}s", markup=False)


@schedule.command("remove")
@click.argument("name")
@with_store
def schedule_remove(name: str, store: Store) -> None:
    """Remove a schedule."""
    pollers.remove_schedule(store, name, actor=getpass.getuser())
    console.print(f"removed schedule {name}", markup=False)


@click.command("pollers")
@json_option
@with_store
def pollers_list(as_json: bool, store: Store) -> None:
    """Zone pollers and when each was last heard from."""
    with store.session() as session:
        rows = [row.model_dump() for row in queries.list_pollers(session)]
    emit(rows, ("name", "zone", "host", "version", "started_at", "last_heartbeat",
                "silent_seconds"), as_json=as_json, title="pollers")  # fmt: skip
