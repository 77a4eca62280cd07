"""Roll-ups for the web dashboard and the API's waiver and target lists.

Added by the web branch (the read side had no grouped findings count, backup freshness,
waiver list or target list); same conventions as the rest of the layer: typed rows,
``scope`` on every query, pages with totals.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..enums import DeviceStatus, FindingState, Severity, Verdict
from ..models import ConfigVersion, Device, Finding, Site, Target, Waiver
from .common import Page, Row, in_subtree, paginate, where_all


class FindingCount(Row):
    severity: Severity
    zone: str | None
    count: int


class FindingsSummary(Row):
    """Open findings (failures) of a subtree, by severity and zone, and waived ones."""

    open_by_severity_zone: list[FindingCount]
    open_total: int
    waived_total: int


def findings_summary(session: Session, *, scope: str | None = None) -> FindingsSummary:
    counted = session.execute(
        where_all(
            select(Finding.state, Finding.severity, Finding.zone_kind, func.count())
            .where(Finding.verdict == Verdict.FAIL.value)
            .where(Finding.state.in_([FindingState.OPEN, FindingState.WAIVED]))
            .group_by(Finding.state, Finding.severity, Finding.zone_kind),
            in_subtree(Finding.site_id, scope),
        )
    ).all()
    open_rows = [
        FindingCount(severity=Severity(sev), zone=zone, count=n)
        for state, sev, zone, n in counted
        if FindingState(state) is FindingState.OPEN
    ]
    open_rows.sort(key=lambda r: (r.severity.rank, r.zone or ""))
    return FindingsSummary(
        open_by_severity_zone=open_rows,
        open_total=sum(r.count for r in open_rows),
        waived_total=sum(
            n for state, *_, n in counted if FindingState(state) is FindingState.WAIVED
        ),
    )


class StaleBackup(Row):
    device: str
    site_code: str | None
    last_confirmed: dt.datetime | None  # None: never backed up


class BackupFreshness(Row):
    """Active, declared devices whose config backup is older than the window (or missing)."""

    older_than_days: int
    stale: int
    never: int
    devices: list[StaleBackup]  # the stalest first, at most ``limit``


def backup_freshness(
    session: Session, *, scope: str | None = None, older_than_days: int = 7, limit: int = 20,
    now: dt.datetime | None = None,
) -> BackupFreshness:  # fmt: skip
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=older_than_days)
    latest = (
        select(ConfigVersion.device_id, func.max(ConfigVersion.confirmed_at).label("confirmed"))
        .group_by(ConfigVersion.device_id)
        .subquery()
    )
    query = where_all(
        select(Device.name, Site.code, latest.c.confirmed)
        .outerjoin(latest, latest.c.device_id == Device.id)
        .outerjoin(Site, Site.id == Device.site_id)
        .where(Device.status == DeviceStatus.ACTIVE, Device.managed.is_(True))
        .where(Device.ssh_credential_id.is_not(None))  # only devices netcensus backs up
        .where(or_(latest.c.confirmed.is_(None), latest.c.confirmed < cutoff))
        .order_by(latest.c.confirmed.is_not(None), latest.c.confirmed, Device.name),
        in_subtree(Device.site_id, scope),
    )
    rows = session.execute(query).all()
    return BackupFreshness(
        older_than_days=older_than_days,
        stale=sum(1 for r in rows if r[2] is not None),
        never=sum(1 for r in rows if r[2] is None),
        devices=[StaleBackup(device=n, site_code=c, last_confirmed=t) for n, c, t in rows[:limit]],
    )


class WaiverListRow(Row):
    id: int
    finding_id: int
    rule: str
    device: str | None
    site: str | None
    reason: str
    created_by: str
    created_at: dt.datetime
    until: dt.date
    revoked_at: dt.datetime | None
    active: bool


def list_waivers(
    session: Session, *, scope: str | None = None, active: bool | None = None,
    today: dt.date | None = None, page: int = 1, per_page: int | None = 50,
) -> Page[WaiverListRow]:  # fmt: skip
    """Waivers, latest first; ``active``: only those covering their finding today (or not)."""
    day = today or dt.datetime.now(dt.UTC).date()
    valid = (Waiver.revoked_at.is_(None)) & (Waiver.until >= day)
    query = where_all(
        select(Waiver, Finding.rule_id, Device.name, Site.code)
        .join(Finding, Finding.id == Waiver.finding_id)
        .outerjoin(Device, Device.id == Finding.device_id)
        .outerjoin(Site, Site.id == Finding.site_id)
        .order_by(Waiver.created_at.desc(), Waiver.id.desc()),
        in_subtree(Finding.site_id, scope),
        None if active is None else (valid if active else ~valid),
    )
    rows, total = paginate(session, query, page, per_page)
    items = [
        WaiverListRow(
            id=w.id,
            finding_id=w.finding_id,
            rule=rule,
            device=device,
            site=code,
            reason=w.reason,
            created_by=w.created_by,
            created_at=w.created_at,
            until=w.until,
            revoked_at=w.revoked_at,
            active=w.revoked_at is None and w.until >= day,
        )  # fmt: skip
        for w, rule, device, code in rows
    ]
    return Page[WaiverListRow](items=items, total=total, page=page, per_page=per_page)


class TargetRow(Row):
    key: str
    title: str
    capability: str
    levels: list[str]
    regions: list[str]
    root_code: str | None
    min_value: float | None
    threshold: float
    deadline: dt.date
    source: str | None


def list_targets(session: Session, *, scope: str | None = None) -> list[TargetRow]:
    """The loaded targets that bear on the scope: national ones, and those whose root is an
    ancestor of the scope or lies inside it."""
    rows: list[Any] = list(session.scalars(select(Target).order_by(Target.deadline, Target.key)))
    return [
        TargetRow(
            key=t.key,
            title=t.title,
            capability=t.capability,
            levels=list(t.levels or []),
            regions=list(t.regions or []),
            root_code=t.root_code,
            min_value=t.min_value,
            threshold=t.threshold,
            deadline=t.deadline,
            source=t.source,
        )  # fmt: skip
        for t in rows
        if scope is None
        or t.root_code is None
        or scope.startswith(t.root_code)
        or t.root_code.startswith(scope)
    ]
