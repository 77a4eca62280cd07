"""`netcensus scan`, `netcensus poll` and `netcensus ingest`: collection from the command line.

`scan` collects and reconciles on this host. A zone poller runs `poll`, which writes an
observation file and never touches the central store; the central host runs `ingest`.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from netcensus.cli.common import (
    console,
    emit_json,
    err_console,
    json_option,
    jsonable,
    open_store,
    with_store,
)
from netcensus.collectors import scan as scans
from netcensus.collectors import transfer
from netcensus.compliance import coverage
from netcensus.errors import UserError
from netcensus.inventory import queries
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Outcome

concurrency_option = click.option(
    "--concurrency",
    type=click.IntRange(1, 512),
    default=16,
    show_default=True,
    help="Devices collected at once, per method.",
)
ssh_timeout_option = click.option(
    "--ssh-timeout",
    "ssh_timeout",
    type=click.FloatRange(1, 600),
    metavar="SECONDS",
    help="SSH timeout for devices with none declared (device or zone `ssh_timeout`).",
)


def _exit_now(code: int) -> None:
    """Leave without waiting for collector threads still talking to slow devices.

    Everything worth keeping is already committed (or, for a poll, left in FILE.part);
    a normal exit would first let the SSH pool work through its whole queue.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _methods(snmp: bool, ssh: bool) -> list[str]:
    """With neither --snmp nor --ssh: both."""
    chosen = [m for m, wanted in (("snmp", snmp), ("ssh", ssh)) if wanted]
    return chosen or list(scans.METHODS)


@contextmanager
def _progress(
    total: int, label: str, quiet: bool
) -> Iterator[tuple[Callable[[scans.DeviceOutcome], None], Callable[[int], None]]]:
    """A progress bar on stderr (stdout stays clean for --json).

    Yields two hooks: one per result, and one for work added on the way (discovery).
    """
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[tally]}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet or total == 0,
    )
    tally = dict.fromkeys(scans.TALLY_KEYS, 0)
    task = progress.add_task(label, total=total, tally="")

    def advance(outcome: scans.DeviceOutcome) -> None:
        tally[outcome.tally_key] += 1
        progress.update(task, advance=1, tally=_tally_text(tally, "  "))
        if outcome.outcome == Outcome.FAILED and not quiet:
            progress.console.print(
                f"[red]failed[/] {outcome.target} {outcome.method}: "
                f"{outcome.error_code}: {outcome.error}"
            )

    def more(count: int) -> None:
        progress.update(task, total=(progress.tasks[0].total or 0) + count)
        if not quiet:
            progress.console.print(f"discovered {count} undeclared neighbour(s); polling them")

    with progress:
        yield advance, more


def _tally_text(tally: dict[str, int], separator: str = ", ") -> str:
    """ "ok 60, ok with errors 3, failed 2, skipped 0": clean successes counted apart."""
    return separator.join(
        f"{key.replace('_', ' ')} {tally.get(key, 0)}" for key in scans.TALLY_KEYS
    )


def _print_summary(
    title: str,
    summary: dict[str, Any],
    failed: list[dict[str, Any]],
    partial: list[dict[str, Any]],
) -> None:
    table = Table(title=title)
    columns = {
        "devices": "devices", "ok": "ok", scans.OK_WITH_ERRORS: "ok with errors",
        "failed": "failed", "skipped": "skipped", "stale": "stale", "new": "new",
        "config_changed": "changed configs",
    }  # fmt: skip
    for label in columns.values():
        table.add_column(label, justify="right")
    table.add_row(*(str(summary.get(key, 0)) for key in columns))
    console.print(table)
    if partial:
        problems = Table(title="ok with errors")
        for column in ("device", "method", "part", "problem", "detail"):
            problems.add_column(column)
        for row in partial:
            for error in row["part_errors"]:
                # Text, not markup: device-supplied strings are never read as rich markup.
                values = (row["device"], row["method"], error["part"], error["code"],
                          error["message"])  # fmt: skip
                problems.add_row(*(Text(v) for v in values))
        console.print(problems)
    if failed:
        reasons = Table(title="failed")
        for column in ("device", "method", "reason", "detail"):
            reasons.add_column(column)
        for row in failed:
            cells = (row["device"], row["method"], row["code"] or "", row["error"] or "")
            reasons.add_row(*(Text(v) for v in cells))  # device-supplied: never markup
        console.print(reasons)


def _report(store: Store, scan_id: int, summary: dict[str, Any], as_json: bool, title: str) -> None:
    with store.session() as session:
        failed_results = queries.get_scan(session, scan_id, outcome=Outcome.FAILED, per_page=None)
        partial_results = queries.get_scan(
            session, scan_id, outcome=Outcome.OK, with_errors=True, per_page=None
        )
    failed = [
        {"device": r.target, "method": r.method, "code": r.error_code, "error": r.error}
        for r in failed_results.results.items
    ]
    partial = [
        {"device": r.target, "method": r.method, "part_errors": jsonable(r.part_errors)}
        for r in partial_results.results.items
    ]
    if as_json:
        emit_json({"scan": scan_id, "summary": summary, "failed": failed, "with_errors": partial})
    else:
        _print_summary(title, summary, failed, partial)


@click.command()
@click.option("--site", metavar="CODE", help="Only devices of this site and the sites under it.")
@click.option("--zone", metavar="ZONE", help="Only devices in this zone (a zone name or kind).")
@click.option("--snmp", is_flag=True, help="Collect over SNMP (default: SNMP and SSH).")
@click.option("--ssh", is_flag=True, help="Collect over SSH (default: SNMP and SSH).")
@concurrency_option
@ssh_timeout_option
@click.option(
    "--discover",
    is_flag=True,
    help="Also poll undeclared LLDP/CDP neighbours inside their zone's prefixes.",
)
@click.option("--resume", is_flag=True, help="Continue the last interrupted scan, same scope.")
# The web server creates a scan's row (so its page can show progress at once) and starts
# this command in the background to run that very scan.
@click.option("--run-created", "created", type=int, hidden=True)
@click.option("--distributed", is_flag=True,
              help="Send the devices to their zones' pollers (Celery) instead of collecting "
                   "here; wait for every result.")  # fmt: skip
@json_option
@with_store
def scan(
    site: str | None,
    zone: str | None,
    snmp: bool,
    ssh: bool,
    concurrency: int,
    ssh_timeout: float | None,
    discover: bool,
    resume: bool,
    created: int | None,
    distributed: bool,
    as_json: bool,
    store: Store,
) -> None:
    """Collect the declared active devices of a scope and reconcile them into the store.

    Failed devices are results, not errors: the exit code is 0 whenever the scan ran.
    Credentials come from the environment variables their references name.
    """
    if distributed:
        if resume or discover or created is not None:
            raise UserError("--distributed goes with neither --resume nor --discover")
        _scan_distributed(store, scans.Scope(site=site, zone=zone), _methods(snmp, ssh), as_json)
        return
    if resume or created is not None:
        if site or zone or snmp or ssh or discover or (resume and created is not None):
            raise UserError(
                "--resume continues the last scan with its own scope and methods; "
                "give no --site, --zone, --snmp, --ssh or --discover with it"
            )
        resumable = (
            scans.find_resumable(store) if created is None else scans.claim_scan(store, created)
        )
        scan_id, scope, methods = resumable.scan_id, resumable.scope, list(resumable.methods)
        done, discover = set(resumable.done), resumable.discover
    else:
        scope, methods, done = scans.Scope(site=site, zone=zone), _methods(snmp, ssh), set()
    with store.session() as session:
        targets = scans.targets_from_store(session, scope)
    if not targets and not resume and created is None:
        raise UserError(f"no active declared device in scope ({scope.describe()})")
    if not resume and created is None:
        scan_id = scans.start_scan(store, scope, methods, extra_scope={"discover": discover})
    todo = sum((t.name, m) not in done for t in targets for m in methods)
    label = f"scan {scan_id}" + (" (resumed)" if resume else "")
    if not as_json:
        err_console.print(
            f"{label}: {len(targets)} devices ({scope.describe()}) by {', '.join(methods)}"
            + (f", {len(done)} results already stored" if done else "")
        )
    try:
        with _progress(todo, label, as_json) as (advance, more):
            summary = scans.run_scan(store, scan_id, targets, methods, concurrency=concurrency,
                                     skip=done, discover=discover, ssh_timeout_s=ssh_timeout,
                                     on_result=advance, on_more=more)  # fmt: skip
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: scan {scan_id} keeps every device already reconciled; "
            "`netcensus scan --resume` continues it"
        )
        _exit_now(130)
    coverage.snapshot_if_targets(store)
    _report(store, scan_id, summary, as_json, f"scan {scan_id}")


def _scan_distributed(store: Store, scope: scans.Scope, methods: list[str], as_json: bool) -> None:
    from netcensus import distributed
    from netcensus.collectors import dispatch

    planned = distributed.dispatch_scan(store, scope, methods)
    label = f"scan {planned.scan_id} (distributed)"
    if not as_json:
        err_console.print(
            f"{label}: {planned.expected} result(s) awaited from the pollers of "
            f"{len({zone for zone, _ in planned.batches})} zone(s)"
        )
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                        disable=as_json)  # fmt: skip
    try:
        with progress:
            task = progress.add_task(label, total=planned.expected)
            while True:
                done = dispatch.results_so_far(store, planned.scan_id)
                progress.update(task, completed=done)
                if done >= planned.expected and scans.scan_status(store, planned.scan_id) != (
                    scans.ScanStatus.RUNNING
                ):
                    break
                time.sleep(0.5)
    except KeyboardInterrupt:
        err_console.print(
            f"stopped waiting: the pollers go on with scan {planned.scan_id}; "
            "its results keep arriving in the store"
        )
        _exit_now(130)
    with store.session() as session:
        summary = scans.summarise(session, planned.scan_id)
    _report(store, planned.scan_id, summary, as_json, label)


@click.command()
@click.option("--zone", required=True, metavar="ZONE",
              help="The zone this poller serves (a zone name or kind), one kind only.")  # fmt: skip
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Observation file to write (JSON lines with a checksum).")  # fmt: skip
@click.option("--inventory", "inventory", multiple=True,
              type=click.Path(path_type=Path, exists=True),
              help="Inventory YAML file or directory to take targets from (no store needed). "
                   "Without it, targets are read from the store, read-only.")  # fmt: skip
@click.option("--site", metavar="CODE", help="Only devices of this site and the sites under it.")
@click.option("--snmp", is_flag=True, help="Collect over SNMP (default: SNMP and SSH).")
@click.option("--ssh", is_flag=True, help="Collect over SSH (default: SNMP and SSH).")
@concurrency_option
@ssh_timeout_option
@json_option
def poll(
    zone: str,
    out: Path,
    inventory: Sequence[Path],
    site: str | None,
    snmp: bool,
    ssh: bool,
    concurrency: int,
    ssh_timeout: float | None,
    as_json: bool,
) -> None:
    """Collect one zone and write the observations to a file for `netcensus ingest`.

    Never writes to a store. Set NETCENSUS_POLLER_KEY (the same secret as on the central
    host) to sign the file, so that even a deliberate edit is detected.
    """
    scope = scans.Scope(site=site, zone=zone)
    methods = _methods(snmp, ssh)
    if inventory:
        targets = scans.targets_from_inventory([str(p) for p in inventory], scope)
    else:
        store = open_store()
        try:
            with store.session() as session:
                targets = scans.targets_from_store(session, scope)
        finally:
            store.dispose()
    zone_kind = scans.require_one_zone_kind(targets, zone)
    key = transfer.poller_key()
    me = scans.runner()
    poller = {"host": socket.gethostname(), "user": me["user"], "zone": zone,
              "zone_kind": zone_kind.value}  # fmt: skip
    header_scope = {"site": site, "zone": zone, "methods": methods,
                    "inventory": [str(p) for p in inventory] or "store"}  # fmt: skip
    tally = dict.fromkeys(scans.TALLY_KEYS, 0)
    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: folder {out.parent} does not exist")
    if not as_json:
        err_console.print(f"poll zone {zone} ({zone_kind.value}): {len(targets)} devices "
                          f"by {', '.join(methods)} -> {out}")  # fmt: skip
    try:
        with (
            transfer.ObservationWriter(out, poller=poller, scope=header_scope, key=key) as writer,
            _progress(len(targets) * len(methods), f"poll {zone}", as_json) as (advance, _more),
        ):
            for item in scans.collect(
                targets, methods, concurrency=concurrency, ssh_timeout_s=ssh_timeout
            ):
                if isinstance(item, scans.Skipped):
                    outcome = scans.DeviceOutcome(item.target, item.method, Outcome.SKIPPED,
                                                  "skipped", item.reason)  # fmt: skip
                else:
                    writer.write(item)
                    outcome = scans.DeviceOutcome(
                        item.target, item.method, Outcome.OK if item.ok else Outcome.FAILED,
                        item.error_code, item.error, part_errors=scans.part_errors(item),
                    )  # fmt: skip
                tally[outcome.tally_key] += 1
                advance(outcome)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: no file written (partial lines left in {out}.part)")
        _exit_now(130)
    result = {"file": str(out), "observations": writer.count, "signed": key is not None, **tally}
    if as_json:
        emit_json(result)
        return
    console.print(
        f"wrote {writer.count} observations to {out} "
        f"({'signed with NETCENSUS_POLLER_KEY' if key else 'checksum only, not signed'}): "
        f"{_tally_text(tally)}"
    )


@click.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@with_store
def ingest(path: Path, as_json: bool, store: Store) -> None:
    """Reconcile a poller's observation file into the store.

    The whole file is verified first (checksum, and the HMAC signature when
    NETCENSUS_POLLER_KEY is set here); a damaged, truncated or altered file is refused
    and nothing from it is stored.
    """
    key = transfer.poller_key()
    verified = transfer.read_observation_file(path, key)
    if verified.signature_checked:
        check = "checksum and signature verified"
    elif verified.signed:
        check = "checksum verified; signed, but NETCENSUS_POLLER_KEY is not set here to check it"
    else:
        check = "checksum verified; not signed"
    poller = verified.header.get("poller") or {}
    if not as_json:
        err_console.print(
            f"{path}: {len(verified.observations)} observations from "
            f"{poller.get('user')}@{poller.get('host')} zone {poller.get('zone')} ({check})"
        )
    try:
        with _progress(len(verified.observations), f"ingest {path.name}", as_json) as (advance, _):
            done = transfer.ingest(store, verified, on_result=advance)
    except KeyboardInterrupt:
        err_console.print("interrupted: ingest the same file again to continue")
        sys.exit(130)
    _report(store, done.scan_id, done.summary, as_json, f"ingest {path.name} (scan {done.scan_id})")
