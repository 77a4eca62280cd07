"""Findings: filtered lists, one finding with its evidence and every waiver it had."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from netcensus.errors import NotFound

from ..enums import FindingState, Severity, Verdict
from ..models import Device, Finding, Waiver
from .common import Page, Row, in_subtree, paginate, where_all


class ActiveWaiver(Row):
    by: str
    reason: str
    until: dt.date


class FindingRow(Row):
    """A finding as the CLI prints it, the export writes it and the API serves it."""

    id: int
    rule: str
    pack: str
    severity: Severity
    state: FindingState
    verdict: str  # fail / not-evaluable
    subject_kind: str
    subject: str
    device: str | None
    site: str | None
    zone: str | None
    mlps_level: int | None
    message: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    resolved_at: dt.datetime | None
    waiver: ActiveWaiver | None  # the waiver covering it today
    evidence: list[dict[str, Any]]


class WaiverRow(Row):
    id: int
    reason: str
    created_by: str
    created_at: dt.datetime
    until: dt.date
    revoked_at: dt.datetime | None
    active: bool


class FindingDetail(Row):
    finding: FindingRow
    waivers: list[WaiverRow]  # every waiver, latest first


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _active(waiver: Waiver, today: dt.date) -> bool:
    return waiver.revoked_at is None and waiver.until >= today


def _finding_row(finding: Finding, today: dt.date) -> FindingRow:
    covering = max(
        (w for w in finding.waivers if _active(w, today)), key=lambda w: w.until, default=None
    )
    return FindingRow(
        id=finding.id,
        rule=finding.rule_id,
        pack=finding.pack,
        severity=finding.severity,
        state=finding.state,
        verdict=finding.verdict,
        subject_kind=finding.subject_kind,
        subject=finding.subject_key,
        device=finding.device.name if finding.device else None,
        site=finding.site.code if finding.site else None,
        zone=finding.zone_kind,
        mlps_level=finding.mlps_level,
        message=finding.message,
        first_seen=finding.first_seen,
        last_seen=finding.last_seen,
        resolved_at=finding.resolved_at,
        waiver=None
        if covering is None
        else ActiveWaiver(by=covering.created_by, reason=covering.reason, until=covering.until),
        evidence=list(finding.evidence or []),
    )


def _findings() -> Any:
    # What a row reads, loaded with the findings (not one query per row).
    return select(Finding).options(
        selectinload(Finding.waivers), selectinload(Finding.device), selectinload(Finding.site)
    )


def list_findings(
    session: Session,
    *,
    scope: str | None = None,
    states: Sequence[FindingState] = (FindingState.OPEN, FindingState.WAIVED),
    severity: Severity | None = None,
    pack: str | None = None,
    rule: str | None = None,
    zone: str | None = None,
    mlps_level: int | None = None,
    site: str | None = None,
    device: str | None = None,
    include_not_evaluable: bool = False,
    today: dt.date | None = None,
    page: int = 1,
    per_page: int | None = 50,
) -> Page[FindingRow]:
    """Findings by id. ``rule`` is the canonical id (NET-AUTH-01); ``site`` a subtree.

    By default failures only; ``include_not_evaluable`` adds rules that lacked data.
    """
    query = where_all(
        _findings().order_by(Finding.id),
        in_subtree(Finding.site_id, scope),
        in_subtree(Finding.site_id, site),
        Finding.state.in_(list(states)) if states else None,
        Finding.severity == severity if severity else None,
        Finding.pack == pack if pack else None,
        Finding.rule_id == rule if rule else None,
        Finding.zone_kind == zone if zone else None,
        Finding.mlps_level == mlps_level if mlps_level is not None else None,
        Finding.device_id.in_(select(Device.id).where(Device.name == device)) if device else None,
        None if include_not_evaluable else Finding.verdict == Verdict.FAIL.value,
    )
    rows, total = paginate(session, query, page, per_page)
    day = today or _today()
    return Page[FindingRow](
        items=[_finding_row(finding, day) for (finding,) in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def get_finding(
    session: Session, finding_id: int, *, scope: str | None = None, today: dt.date | None = None
) -> FindingDetail:
    """One finding with its evidence and all its waivers (revoked and expired ones too)."""
    finding = session.scalar(
        where_all(_findings().where(Finding.id == finding_id), in_subtree(Finding.site_id, scope))
    )
    if finding is None:
        raise NotFound(f"no finding with id {finding_id} (see `netcensus findings list`)")
    day = today or _today()
    waivers = sorted(finding.waivers, key=lambda w: (w.created_at, w.id), reverse=True)
    return FindingDetail(
        finding=_finding_row(finding, day),
        waivers=[
            WaiverRow(
                id=w.id,
                reason=w.reason,
                created_by=w.created_by,
                created_at=w.created_at,
                until=w.until,
                revoked_at=w.revoked_at,
                active=_active(w, day),
            )
            for w in waivers
        ],
    )


def device_findings(
    session: Session, device: Device, today: dt.date | None = None
) -> list[FindingRow]:
    """The open and waived findings of one device, most severe first."""
    found = session.scalars(
        _findings().where(
            Finding.device_id == device.id,
            Finding.state.in_([FindingState.OPEN, FindingState.WAIVED]),
        )
    )
    day = today or _today()
    rows = [_finding_row(f, day) for f in found]
    return sorted(rows, key=lambda r: (r.severity.rank, r.rule, r.id))
