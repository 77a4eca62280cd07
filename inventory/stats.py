"""Store-wide aggregates for monitoring: one grouped query per question, typed rows back.

``/metrics`` (web/metrics.py) asks these at scrape time, so each one is a single
GROUP BY over the store whose result size depends only on the label vocabularies
(levels, zones, roles, packs, severities, rule ids, poller names) and never on the number
of devices, sites or findings: a national store with 200,000 devices answers with the
same rows as a lab. Nothing here is per device or per site.

Times are compared with bound parameters computed in Python (``now - bound``), so the
same SQL serves SQLite and PostgreSQL; only the epoch conversion needed for sums of ages
and durations differs per backend (:class:`epoch_seconds`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import FunctionElement

from .enums import DeviceStatus, FindingState, Platform, ScanStatus, Verdict
from .models import ConfigVersion, Device, Finding, Scan, ScanResult, Site, Zone

# The label value for "not set" (a device without a site or zone, a scan of every zone).
NONE = "none"
ALL_ZONES = "all"


class epoch_seconds(FunctionElement[float]):  # noqa: N801 - reads as the SQL function it is
    """Seconds since 1970-01-01 UTC of a stored UTC datetime, on either backend."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # SQLite keeps datetimes as ISO text; julianday() parses it, 2440587.5 is 1970-01-01.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


def _label(value: Any) -> str:
    if value is None:
        return NONE
    return str(getattr(value, "value", value))


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- devices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceCount:
    level: str
    zone: str
    role: str
    status: str
    devices: int


def device_counts(session: Session) -> list[DeviceCount]:
    """Devices by site level, zone kind, role and status."""
    rows = session.execute(
        select(Site.level, Zone.kind, Device.role, Device.status, func.count(Device.id))
        .select_from(Device)
        .outerjoin(Site, Device.site_id == Site.id)
        .outerjoin(Zone, Device.zone_id == Zone.id)
        .group_by(Site.level, Zone.kind, Device.role, Device.status)
    )
    return [
        DeviceCount(_label(level), _label(zone), _label(role), _label(status), count)
        for level, zone, role, status, count in rows
    ]


@dataclass(frozen=True)
class DeviceHealth:
    """Active devices of one site level: how many failed their last scan, how many are old."""

    level: str
    active: int
    unreachable: int  # the last attempt failed on every method (kept data, marked stale)
    stale: int  # not seen by any scan since ``stale_after`` (or never)


def device_health(
    session: Session, now: dt.datetime, stale_after: dt.timedelta
) -> list[DeviceHealth]:
    cutoff = now - stale_after
    rows = session.execute(
        select(
            Site.level,
            func.count(Device.id),
            _count_if(Device.stale.is_(True)),
            _count_if(or_(Device.last_seen.is_(None), Device.last_seen < cutoff)),
        )
        .select_from(Device)
        .outerjoin(Site, Device.site_id == Site.id)
        .where(Device.status == DeviceStatus.ACTIVE)
        .group_by(Site.level)
    )
    return [
        DeviceHealth(_label(level), active, int(unreachable), int(stale))
        for level, active, unreachable, stale in rows
    ]


# --- findings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingCount:
    """Failing findings of one (pack, severity, MLPS level, zone kind).

    ``raised`` counts every failing (rule, subject) ever recorded, whatever its state now:
    findings are history and never deleted, so it only grows (a counter).
    """

    pack: str
    severity: str
    mlps_level: str
    zone: str
    open: int
    waived: int
    raised: int


def finding_counts(session: Session) -> list[FindingCount]:
    failing = Finding.verdict == Verdict.FAIL.value
    rows = session.execute(
        select(
            Finding.pack,
            Finding.severity,
            Finding.mlps_level,
            Finding.zone_kind,
            _count_if(and_(failing, Finding.state == FindingState.OPEN)),
            _count_if(and_(failing, Finding.state == FindingState.WAIVED)),
            _count_if(failing),
        ).group_by(Finding.pack, Finding.severity, Finding.mlps_level, Finding.zone_kind)
    )
    return [
        FindingCount(
            _label(pack),
            _label(severity),
            _label(level),
            _label(zone),
            int(open_),
            int(waived),
            int(raised),
        )  # fmt: skip
        for pack, severity, level, zone, open_, waived, raised in rows
    ]


@dataclass(frozen=True)
class BreachCount:
    """Open failing findings of one rule of a pack (e.g. isolation) at one site level."""

    level: str
    rule_id: str
    open: int


def open_findings_by_rule(session: Session, pack: str) -> list[BreachCount]:
    """Per (site level, rule) of ``pack``. Rules with only resolved findings answer 0, so a
    fixed breach shows as a series falling to zero rather than one that disappears."""
    rows = session.execute(
        select(
            Site.level,
            Finding.rule_id,
            _count_if(
                and_(Finding.state == FindingState.OPEN, Finding.verdict == Verdict.FAIL.value)
            ),
        )
        .select_from(Finding)
        .outerjoin(Site, Finding.site_id == Site.id)
        .where(Finding.pack == pack)
        .group_by(Site.level, Finding.rule_id)
    )
    return [BreachCount(_label(level), rule_id, int(count)) for level, rule_id, count in rows]


# --- configuration backups -------------------------------------------------------------------


@dataclass(frozen=True)
class BackupAges:
    """Newest config backup per backed-up device of one site level, as a histogram.

    Devices in scope are active ones with a known platform (those whose config a scan
    pulls). ``le_counts[i]`` counts devices whose newest copy is at most ``bounds[i]``
    seconds old; ``never`` have no copy at all.
    """

    level: str
    devices: int
    never: int
    older_than_policy: int  # never backed up, or the newest copy is older than the policy
    bounds: tuple[float, ...]
    le_counts: tuple[int, ...]
    backed_up: int
    age_sum_seconds: float


def backup_ages(
    session: Session, now: dt.datetime, policy: dt.timedelta, bounds: Sequence[float]
) -> list[BackupAges]:
    newest = (
        select(
            ConfigVersion.device_id.label("device_id"),
            func.max(ConfigVersion.confirmed_at).label("confirmed_at"),
        )
        .group_by(ConfigVersion.device_id)
        .subquery()
    )
    confirmed = newest.c.confirmed_at
    buckets = [_count_if(confirmed >= now - dt.timedelta(seconds=b)) for b in bounds]
    rows = session.execute(
        select(
            Site.level,
            func.count(Device.id),
            _count_if(confirmed.is_(None)),
            _count_if(or_(confirmed.is_(None), confirmed < now - policy)),
            func.count(confirmed),
            func.coalesce(func.sum(epoch_seconds(confirmed)), 0.0),
            *buckets,
        )
        .select_from(Device)
        .outerjoin(Site, Device.site_id == Site.id)
        .outerjoin(newest, newest.c.device_id == Device.id)
        .where(Device.status == DeviceStatus.ACTIVE, Device.platform != Platform.OTHER)
        .group_by(Site.level)
    )
    now_epoch = now.timestamp()
    found = []
    for level, devices, never, old, backed_up, epoch_sum, *counts in rows:
        found.append(
            BackupAges(
                level=_label(level),
                devices=devices,
                never=int(never),
                older_than_policy=int(old),
                bounds=tuple(bounds),
                le_counts=tuple(int(c) for c in counts),
                backed_up=backed_up,
                age_sum_seconds=max(0.0, backed_up * now_epoch - float(epoch_sum)),
            )
        )
    return found


# --- scans -----------------------------------------------------------------------------------


def _scan_zone(scan: type[Scan] | Any = Scan) -> ColumnElement[str | None]:
    """The zone a scan was scoped to (a zone name or kind); None for a scan of every zone."""
    return scan.scope["zone"].as_string()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ScanDurations:
    """Completed scans of one zone: cumulative histogram of their wall-clock durations."""

    zone: str
    bounds: tuple[float, ...]
    le_counts: tuple[int, ...]
    count: int
    sum_seconds: float


def scan_durations(session: Session, bounds: Sequence[float]) -> list[ScanDurations]:
    zone = _scan_zone()
    duration = epoch_seconds(Scan.finished_at) - epoch_seconds(Scan.started_at)
    rows = session.execute(
        select(
            zone,
            func.count(Scan.id),
            func.coalesce(func.sum(duration), 0.0),
            *(_count_if(duration <= b) for b in bounds),
        )
        .where(Scan.status == ScanStatus.COMPLETED, Scan.finished_at.is_not(None))
        .group_by(zone)
    )
    return [
        ScanDurations(
            zone or ALL_ZONES, tuple(bounds), tuple(int(c) for c in counts), n, float(total)
        )
        for zone, n, total, *counts in rows
    ]


@dataclass(frozen=True)
class ScanOutcomeCount:
    """Results of the latest completed scan of a zone, by method and outcome."""

    zone: str
    method: str
    outcome: str
    results: int


def last_scan_outcomes(session: Session) -> list[ScanOutcomeCount]:
    zone = _scan_zone()
    earlier = aliased(Scan)
    latest = (
        select(func.max(earlier.id))
        .where(earlier.status == ScanStatus.COMPLETED)
        .group_by(_scan_zone(earlier))
    )
    rows = session.execute(
        select(zone, ScanResult.method, ScanResult.outcome, func.count(ScanResult.id))
        .join(Scan, Scan.id == ScanResult.scan_id)
        .where(Scan.id.in_(latest))
        .group_by(zone, ScanResult.method, ScanResult.outcome)
    )
    return [
        ScanOutcomeCount(zone or ALL_ZONES, method, _label(outcome), count)
        for zone, method, outcome, count in rows
    ]


@dataclass(frozen=True)
class ScanCompletion:
    """When a poller (``Scan.source``) last completed a scan of a zone."""

    zone: str
    poller: str
    finished_at: dt.datetime


def last_scan_completions(session: Session) -> list[ScanCompletion]:
    zone = _scan_zone()
    rows = session.execute(
        select(zone, Scan.source, func.max(Scan.finished_at))
        .where(Scan.status == ScanStatus.COMPLETED, Scan.finished_at.is_not(None))
        .group_by(zone, Scan.source)
    )
    return [
        ScanCompletion(zone or ALL_ZONES, source or NONE, finished)
        for zone, source, finished in rows
        if finished is not None  # the WHERE says so; the type of max() cannot
    ]
