"""Ansible playbook runs: who ran what, how each host ended, and each task's result.

A scoped user sees the runs that touched a device of their subtree, and of those only
their own devices' hosts and events: a run across two prefectures shows each side its half.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcensus.errors import NotFound

from ..enums import Outcome, PlaybookStatus
from ..models import Device, PlaybookEvent, PlaybookHostResult, PlaybookRun
from .common import DEFAULT_PER_PAGE, Page, Row, paginate, site_ids_under, where_all


class PlaybookRunRow(Row):
    id: int
    playbook: str
    started_by: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: PlaybookStatus
    check_mode: bool
    limit: str | None
    hosts: int  # hosts of the run the caller may see
    failed_hosts: int


class PlaybookHostRow(Row):
    host: str
    device: str | None  # the device row's name; None when the host matches no device
    outcome: Outcome
    ok: int
    changed: int
    failed: int
    unreachable: int
    skipped: int
    error: str | None


class PlaybookEventRow(Row):
    seq: int
    at: dt.datetime
    event: str
    host: str | None
    task: str | None
    changed: bool
    failed: bool
    message: str | None


class PlaybookRunDetail(Row):
    run: PlaybookRunRow
    extra_vars: dict[str, Any]
    secret_names: list[str]  # names only: the values never reach the store
    scan_id: int | None
    rc: int | None
    hosts: list[PlaybookHostRow]
    events: Page[PlaybookEventRow]


def _visible_hosts(scope: str | None) -> Any:
    """Host results of devices in the scope (a host matching no device has no site)."""
    if scope is None:
        return None
    return PlaybookHostResult.device_id.in_(
        select(Device.id).where(Device.site_id.in_(site_ids_under(scope)))
    )


def _run_scope(scope: str | None) -> Any:
    if scope is None:
        return None
    return PlaybookRun.id.in_(where_all(select(PlaybookHostResult.run_id), _visible_hosts(scope)))


def _host_rows(session: Session, run_ids: list[int], scope: str | None) -> dict[int, list[Any]]:
    query = where_all(
        select(PlaybookHostResult, Device.name)
        .outerjoin(Device, Device.id == PlaybookHostResult.device_id)
        .where(PlaybookHostResult.run_id.in_(run_ids))
        .order_by(PlaybookHostResult.host),
        _visible_hosts(scope),
    )
    found: dict[int, list[Any]] = {run_id: [] for run_id in run_ids}
    for host, device in session.execute(query):
        found[host.run_id].append(
            PlaybookHostRow(
                host=host.host,
                device=device,
                outcome=host.outcome,
                ok=host.ok,
                changed=host.changed,
                failed=host.failed,
                unreachable=host.unreachable,
                skipped=host.skipped,
                error=host.error,
            )  # fmt: skip
        )
    return found


def _run_row(run: PlaybookRun, hosts: list[PlaybookHostRow]) -> PlaybookRunRow:
    return PlaybookRunRow(
        id=run.id, playbook=run.playbook, started_by=run.started_by, started_at=run.started_at,
        finished_at=run.finished_at, status=run.status, check_mode=run.check_mode,
        limit=run.limit, hosts=len(hosts),
        failed_hosts=sum(h.outcome == Outcome.FAILED for h in hosts),
    )  # fmt: skip


def list_playbook_runs(
    session: Session,
    *,
    scope: str | None = None,
    playbook: str | None = None,
    status: PlaybookStatus | None = None,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> Page[PlaybookRunRow]:
    """Playbook runs, latest first."""
    query = where_all(
        select(PlaybookRun).order_by(PlaybookRun.started_at.desc(), PlaybookRun.id.desc()),
        _run_scope(scope),
        PlaybookRun.playbook == playbook if playbook else None,
        PlaybookRun.status == status if status else None,
    )
    rows, total = paginate(session, query, page, per_page)
    runs = [run for (run,) in rows]
    hosts = _host_rows(session, [r.id for r in runs], scope)
    items = [_run_row(run, hosts[run.id]) for run in runs]
    return Page[PlaybookRunRow](items=items, total=total, page=page, per_page=per_page)


def get_playbook_run(
    session: Session,
    run_id: int,
    *,
    scope: str | None = None,
    failed_only: bool = False,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> PlaybookRunDetail:
    """One run: its hosts and its task events in order (``failed_only``: failed tasks)."""
    run = session.scalar(
        where_all(select(PlaybookRun).where(PlaybookRun.id == run_id), _run_scope(scope))
    )
    if run is None:
        raise NotFound(f"no playbook run with id {run_id}")
    hosts = _host_rows(session, [run.id], scope)[run.id]
    visible = None if scope is None else PlaybookEvent.host.in_([h.host for h in hosts])
    query = where_all(
        select(PlaybookEvent).where(PlaybookEvent.run_id == run_id).order_by(PlaybookEvent.seq),
        visible,
        PlaybookEvent.failed.is_(True) if failed_only else None,
    )
    rows, total = paginate(session, query, page, per_page)
    events = [
        PlaybookEventRow(
            seq=e.seq,
            at=e.at,
            event=e.event,
            host=e.host,
            task=e.task,
            changed=e.changed,
            failed=e.failed,
            message=e.message,
        )  # fmt: skip
        for (e,) in rows
    ]
    return PlaybookRunDetail(
        run=_run_row(run, hosts),
        extra_vars=dict(run.extra_vars or {}),
        secret_names=[str(n) for n in run.secret_names or []],
        scan_id=run.scan_id,
        rc=run.rc,
        hosts=hosts,
        events=Page[PlaybookEventRow](items=events, total=total, page=page, per_page=per_page),
    )
