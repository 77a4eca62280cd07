"""`netcensus scans`: scan history and each device's outcome, part errors counted apart."""

from __future__ import annotations

import click

from netcensus.cli.common import console, emit, emit_json, json_option, jsonable, safe, with_store
from netcensus.inventory import queries
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Outcome

LIST_COLUMNS = ["id", "started_at", "finished_at", "status", "started_by", "scope", "results",
                "ok", "ok with errors", "failed", "skipped"]  # fmt: skip
RESULT_COLUMNS = ["target", "device", "method", "outcome", "error_code", "error", "part errors",
                  "duration_ms"]  # fmt: skip


@click.group()
def scans() -> None:
    """Scan history and per-device results."""


def _scope(scope: dict[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in scope.items() if value not in (None, []))


@scans.command("list")
@click.option("--limit", type=click.IntRange(1, queries.MAX_PER_PAGE), default=20,
              help="Show the N latest scans.")  # fmt: skip
@json_option
@with_store
def list_scans(limit: int, as_json: bool, store: Store) -> None:
    """Latest scans first, with how many devices were ok, ok with part errors, failed."""
    with store.session() as session:
        found = queries.list_scans(session, per_page=limit)
    if as_json:
        emit_json(jsonable(found.items))
        return
    rows = [
        {
            "id": s.id, "started_at": s.started_at.isoformat(timespec="seconds"),
            "finished_at": s.finished_at.isoformat(timespec="seconds") if s.finished_at else None,
            "status": s.status, "started_by": s.started_by, "scope": _scope(s.scope),
            "results": s.counts.results, "ok": s.counts.ok,
            "ok with errors": s.counts.ok_with_errors, "failed": s.counts.failed,
            "skipped": s.counts.skipped,
        }
        for s in found.items
    ]  # fmt: skip
    emit(rows, LIST_COLUMNS, as_json=False, title=f"{len(rows)} of {found.total} scans")


@scans.command("show")
@click.argument("scan_id", type=int)
@click.option("--problems", is_flag=True, help="Only results that failed or had part errors.")
@click.option("--outcome", type=click.Choice([o.value for o in Outcome]))
@json_option
@with_store
def show_scan(
    scan_id: int, problems: bool, outcome: str | None, as_json: bool, store: Store
) -> None:
    """One scan: its scope, counts and every device's result with the parts not collected."""
    with store.session() as session:
        detail = queries.get_scan(
            session,
            scan_id,
            outcome=Outcome(outcome) if outcome else None,
            with_errors=problems,
            per_page=None,
        )
    if as_json:
        emit_json(jsonable(detail))
        return
    scan, counts = detail.scan, detail.scan.counts
    console.print(
        f"scan {scan.id} ({scan.status.value}) started {scan.started_at.isoformat()} "
        f"by {safe(scan.started_by or '-')}; scope {safe(_scope(scan.scope) or 'everything')}",
        highlight=False,
    )
    console.print(
        f"ok {counts.ok}, ok with errors {counts.ok_with_errors}, failed {counts.failed}, "
        f"skipped {counts.skipped}",
        highlight=False,
    )
    rows = [
        {
            "target": r.target, "device": r.device, "method": r.method, "outcome": r.outcome,
            "error_code": r.error_code, "error": r.error if r.outcome != Outcome.OK else None,
            "part errors": "; ".join(
                ": ".join(p for p in (e.part, e.code, e.message) if p) for e in r.part_errors
            ),
            "duration_ms": r.duration_ms,
        }
        for r in detail.results.items
    ]  # fmt: skip
    emit(rows, RESULT_COLUMNS, as_json=False, title=f"{detail.results.total} result(s)")
