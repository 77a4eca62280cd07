"""Scans: history, per-device results and the part errors of a device's last collection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from netcensus.errors import NotFound

from ..enums import Outcome, ScanStatus
from ..liveness import still_running
from ..models import Device, Scan, ScanResult
from .common import (
    DEFAULT_PER_PAGE,
    Page,
    Row,
    code_under,
    paginate,
    site_ids_under,
    where_all,
)


class ScanCounts(Row):
    """Outcomes of the results the caller may see; "ok with errors" is apart from clean ok."""

    results: int = 0
    ok: int = 0
    ok_with_errors: int = 0
    failed: int = 0
    skipped: int = 0


class ScanRow(Row):
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    started_by: str | None
    source: str | None
    status: ScanStatus
    scope: dict[str, Any]
    counts: ScanCounts


class PartError(Row):
    """A part of a device that could not be collected while the rest was (a cut walk, …)."""

    part: str | None
    code: str | None
    message: str


class ScanResultRow(Row):
    id: int
    scan_id: int
    device: str | None  # the device row's name; None when the target was never matched
    target: str  # the name or address as scanned
    method: str
    outcome: Outcome
    error_code: str | None
    error: str | None
    part_errors: list[PartError]
    duration_ms: int | None
    new_device: bool
    config_changed: bool
    finished_at: dt.datetime


class ScanDetail(Row):
    scan: ScanRow
    results: Page[ScanResultRow]


class LastScan(Row):
    scan_id: int
    started_at: dt.datetime
    results: list[ScanResultRow]


def _with_errors() -> Any:
    # The scan writes a code for an ok result only when some part of the device failed.
    return and_(ScanResult.outcome == Outcome.OK, ScanResult.error_code.is_not(None))


def _result_scope(scope: str | None) -> Any:
    """Results of devices in the scope (a target never matched to a device has no site)."""
    if scope is None:
        return None
    return ScanResult.device_id.in_(
        select(Device.id).where(Device.site_id.in_(site_ids_under(scope)))
    )


def _counts(session: Session, scan_ids: list[int], scope: str | None) -> dict[int, ScanCounts]:
    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = where_all(
        select(
            ScanResult.scan_id,
            func.count(),
            count(and_(ScanResult.outcome == Outcome.OK, ScanResult.error_code.is_(None))),
            count(_with_errors()),
            count(ScanResult.outcome == Outcome.FAILED),
            count(ScanResult.outcome == Outcome.SKIPPED),
        )
        .where(ScanResult.scan_id.in_(scan_ids))
        .group_by(ScanResult.scan_id),
        _result_scope(scope),
    )
    return {
        scan_id: ScanCounts(
            results=results,
            ok=ok or 0,
            ok_with_errors=partial or 0,
            failed=failed or 0,
            skipped=skipped or 0,
        )  # fmt: skip
        for scan_id, results, ok, partial, failed, skipped in session.execute(query)
    }


def _scan_rows(session: Session, scans: list[Scan], scope: str | None) -> list[ScanRow]:
    counts = _counts(session, [s.id for s in scans], scope)
    return [
        ScanRow(
            id=scan.id,
            started_at=scan.started_at,
            finished_at=scan.finished_at,
            started_by=scan.started_by,
            source=scan.source,
            status=scan.status,
            scope=dict(scan.scope or {}),
            counts=counts.get(scan.id, ScanCounts()),
        )
        for scan in scans
    ]


def scans_in_scope(scope: str | None) -> Any:
    """Scans with at least one result the caller may see, or of a site in their subtree
    (a scan started a moment ago has no result yet, and its page must show it)."""
    if scope is None:
        return None
    return or_(
        Scan.id.in_(where_all(select(ScanResult.scan_id), _result_scope(scope))),
        code_under(Scan.scope["site"].as_string(), scope),
    )


def list_scans(
    session: Session,
    *,
    scope: str | None = None,
    status: ScanStatus | None = None,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> Page[ScanRow]:
    """Scans, latest first, with the outcomes of their results in the scope."""
    query = where_all(
        select(Scan).order_by(Scan.started_at.desc(), Scan.id.desc()),
        scans_in_scope(scope),
        Scan.status == status if status else None,
    )
    rows, total = paginate(session, query, page, per_page)
    items = _scan_rows(session, [scan for (scan,) in rows], scope)
    return Page[ScanRow](items=items, total=total, page=page, per_page=per_page)


def part_errors(result: ScanResult) -> list[PartError]:
    """What did not come back from an otherwise collected device.

    Stores from before ``scan_results.part_errors`` keep them in ``error`` of an ok result.
    """
    stored = getattr(result, "part_errors", None)
    if stored:
        return [
            PartError(part=e.get("part"), code=e.get("code"), message=str(e.get("message", "")))
            if isinstance(e, dict)
            else PartError(part=None, code=None, message=str(e))
            for e in stored
        ]
    if result.outcome == Outcome.OK and (result.error or result.error_code):
        return [PartError(part=None, code=result.error_code, message=result.error or "")]
    return []


def _result_rows(session: Session, query: Any, page: int, per_page: int | None) -> Any:
    rows, total = paginate(session, query, page, per_page)
    items = [
        ScanResultRow(
            id=r.id,
            scan_id=r.scan_id,
            device=device_name,
            target=r.target,
            method=r.method,
            outcome=r.outcome,
            error_code=r.error_code,
            error=r.error,
            part_errors=part_errors(r),
            duration_ms=r.duration_ms,
            new_device=r.new_device,
            config_changed=r.config_changed,
            finished_at=r.finished_at,
        )
        for r, device_name in rows
    ]
    return items, total


def get_scan(
    session: Session,
    scan_id: int,
    *,
    scope: str | None = None,
    outcome: Outcome | None = None,
    with_errors: bool = False,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
) -> ScanDetail:
    """One scan and its per-device results (``with_errors``: only failed or partial ones)."""
    scan = session.scalar(where_all(select(Scan).where(Scan.id == scan_id), scans_in_scope(scope)))
    if scan is None:
        raise NotFound(f"no scan with id {scan_id}")
    query = where_all(
        select(ScanResult, Device.name)
        .outerjoin(Device, ScanResult.device_id == Device.id)
        .where(ScanResult.scan_id == scan_id)
        .order_by(ScanResult.target, ScanResult.method),
        _result_scope(scope),
        ScanResult.outcome == outcome if outcome else None,
        ScanResult.error_code.is_not(None) if with_errors else None,
    )
    items, total = _result_rows(session, query, page, per_page)
    return ScanDetail(
        scan=_scan_rows(session, [scan], scope)[0],
        results=Page[ScanResultRow](items=items, total=total, page=page, per_page=per_page),
    )


def last_scan(session: Session, device: Device) -> LastScan | None:
    """The device's results in the latest scan that collected it (one per method)."""
    latest = session.execute(
        select(Scan.id, Scan.started_at)
        .join(ScanResult, ScanResult.scan_id == Scan.id)
        .where(ScanResult.device_id == device.id)
        .order_by(Scan.started_at.desc(), Scan.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    query = (
        select(ScanResult, Device.name)
        .outerjoin(Device, ScanResult.device_id == Device.id)
        .where(ScanResult.scan_id == latest.id, ScanResult.device_id == device.id)
        .order_by(ScanResult.method)
    )
    items, _ = _result_rows(session, query, 1, None)
    return LastScan(scan_id=latest.id, started_at=latest.started_at, results=items)


class ScanProgress(Row):
    """How far a scan is, and the results recorded after a cursor (the page appends them)."""

    scan_id: int
    status: ScanStatus
    alive: bool  # something still drives it; once false, the numbers no longer change
    expected: int | None  # results the scan will record (None: not known, an older scan)
    done: int  # results recorded so far, in the caller's scope
    counts: ScanCounts
    started_at: dt.datetime
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    results: list[ScanResultRow]  # recorded after ``after``, oldest first
    cursor: int  # pass as ``after`` next time


PROGRESS_BATCH = 500


def scan_progress(
    session: Session,
    scan_id: int,
    *,
    scope: str | None = None,
    after: int = 0,
    batch: int = PROGRESS_BATCH,
) -> ScanProgress:
    """A scan's progress for polling: counts, liveness and the results newer than ``after``.

    ``expected`` counts every device of the scan's scope; a scoped user sees the results of
    their own subtree only, so for them it is left out unless the scan lies inside it.
    ``batch`` 0: the numbers alone, no results.
    """
    scan = session.scalar(where_all(select(Scan).where(Scan.id == scan_id), scans_in_scope(scope)))
    if scan is None:
        raise NotFound(f"no scan with id {scan_id}")
    query = where_all(
        select(ScanResult, Device.name)
        .outerjoin(Device, ScanResult.device_id == Device.id)
        .where(ScanResult.scan_id == scan_id, ScanResult.id > after)
        .order_by(ScanResult.id),
        _result_scope(scope),
    )
    items, _ = _result_rows(session, query, 1, batch) if batch else ([], 0)
    counts = _counts(session, [scan_id], scope).get(scan_id, ScanCounts())
    expected = (scan.scope or {}).get("expected")
    scan_site = (scan.scope or {}).get("site") or ""
    sees_all = scope is None or scan_site.startswith(scope)
    return ScanProgress(
        scan_id=scan.id,
        status=scan.status,
        alive=still_running(scan),
        expected=int(expected) if expected is not None and sees_all else None,
        done=counts.results,
        counts=counts,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        heartbeat_at=scan.heartbeat_at,
        results=items,
        cursor=items[-1].id if items else after,
    )
