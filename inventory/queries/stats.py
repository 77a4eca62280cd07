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

from ..enums import FindingState, ScanStatus, Verdict
from ..models import ConfigVersion, CoverageSnapshot, Device, Finding, Scan, Site, Target, Zone

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


# --- devices, their collection and their config backups --------------------------------------


@dataclass(frozen=True)
class DeviceGroup:
    """Devices sharing site level, zone kind, role, status and platform.

    One pass over the devices answers three questions: how many there are, how many
    collection cannot reach, and how old their newest config backup is. ``le_counts[i]``
    counts devices whose newest copy is at most ``bounds[i]`` seconds old.
    """

    level: str
    zone: str
    role: str
    status: str
    platform: str
    devices: int
    unreachable: int  # the last attempt failed on every method (kept data, marked stale)
    stale: int  # not seen by any scan since ``stale_after`` (or never)
    never_backed_up: int
    backup_older_than_policy: int  # never backed up, or the newest copy is older
    backed_up: int
    backup_age_sum_seconds: float
    bounds: tuple[float, ...]
    le_counts: tuple[int, ...]


def device_groups(
    session: Session,
    now: dt.datetime,
    *,
    stale_after: dt.timedelta,
    backup_policy: dt.timedelta,
    bounds: Sequence[float],
) -> list[DeviceGroup]:
    newest = (
        select(
            ConfigVersion.device_id.label("device_id"),
            func.max(ConfigVersion.confirmed_at).label("confirmed_at"),
        )
        .group_by(ConfigVersion.device_id)
        .subquery()
    )
    confirmed = newest.c.confirmed_at
    keys = (Site.level, Zone.kind, Device.role, Device.status, Device.platform)
    rows = session.execute(
        select(
            *keys,
            func.count(Device.id),
            _count_if(Device.stale.is_(True)),
            _count_if(or_(Device.last_seen.is_(None), Device.last_seen < now - stale_after)),
            _count_if(confirmed.is_(None)),
            _count_if(or_(confirmed.is_(None), confirmed < now - backup_policy)),
            func.count(confirmed),
            func.coalesce(func.sum(epoch_seconds(confirmed)), 0.0),
            *(_count_if(confirmed >= now - dt.timedelta(seconds=b)) for b in bounds),
        )
        .select_from(Device)
        .outerjoin(Site, Device.site_id == Site.id)
        .outerjoin(Zone, Device.zone_id == Zone.id)
        .outerjoin(newest, newest.c.device_id == Device.id)
        .group_by(*keys)
    )
    now_epoch = now.timestamp()
    return [
        DeviceGroup(
            level=_label(level),
            zone=_label(zone),
            role=_label(role),
            status=_label(status),
            platform=_label(platform),
            devices=devices,
            unreachable=int(unreachable),
            stale=int(stale),
            never_backed_up=int(never),
            backup_older_than_policy=int(old),
            backed_up=backed_up,
            backup_age_sum_seconds=max(0.0, backed_up * now_epoch - float(epoch_sum)),
            bounds=tuple(bounds),
            le_counts=tuple(int(c) for c in counts),
        )
        for level, zone, role, status, platform, devices, unreachable, stale, never, old,
        backed_up, epoch_sum, *counts in rows
    ]  # fmt: skip


# --- findings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingGroup:
    """Failing findings of one (pack, severity, MLPS level, zone kind[, rule]).

    ``rule_id`` is set only for the pack whose rules are asked for one by one (isolation:
    a handful of rules); other packs are summed over their rules. ``raised`` counts every
    failing (rule, subject) ever recorded whatever its state now: findings are history,
    never deleted, so it only grows (a counter).
    """

    pack: str
    severity: str
    mlps_level: str
    zone: str
    rule_id: str | None
    open: int
    waived: int
    raised: int


def finding_groups(session: Session, *, by_rule_in_pack: str) -> list[FindingGroup]:
    """One pass over the findings, rule by rule only within ``by_rule_in_pack``."""
    failing = Finding.verdict == Verdict.FAIL.value
    rule = case((Finding.pack == by_rule_in_pack, Finding.rule_id), else_=None)
    keys = (Finding.pack, Finding.severity, Finding.mlps_level, Finding.zone_kind, rule)
    rows = session.execute(
        select(
            *keys,
            _count_if(and_(failing, Finding.state == FindingState.OPEN)),
            _count_if(and_(failing, Finding.state == FindingState.WAIVED)),
            _count_if(failing),
        ).group_by(*keys)
    )
    return [
        FindingGroup(
            _label(pack),
            _label(severity),
            _label(level),
            _label(zone),
            rule_id,
            int(open_),
            int(waived),
            int(raised),
        )  # fmt: skip
        for pack, severity, level, zone, rule_id, open_, waived, raised in rows
    ]


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
class LatestScan:
    """The latest completed scan of a zone: its (device, method) results by outcome.

    Read from the counts ``finish_scan`` stores in the scan's summary, so the answer costs
    one row per zone whatever the number of devices scanned.
    """

    zone: str
    ok: int
    failed: int
    skipped: int


def latest_scans(session: Session) -> list[LatestScan]:
    earlier = aliased(Scan)
    latest = (
        select(func.max(earlier.id))
        .where(earlier.status == ScanStatus.COMPLETED)
        .group_by(_scan_zone(earlier))
    )
    counts = [Scan.summary[key].as_integer() for key in ("ok", "failed", "skipped")]
    rows = session.execute(select(_scan_zone(), *counts).where(Scan.id.in_(latest)))
    return [
        LatestScan(zone or ALL_ZONES, ok or 0, failed or 0, skipped or 0)
        for zone, ok, failed, skipped in rows
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


@dataclass(frozen=True)
class TargetCoverage:
    """A target's coverage at one level of its own scope, from its latest daily snapshot."""

    target: str
    level: str
    in_scope: int
    covered: int
    threshold: float
    deadline: dt.date

    @property
    def ratio(self) -> float:
        return self.covered / self.in_scope if self.in_scope else 1.0


def target_coverage(session: Session) -> list[TargetCoverage]:
    """Each target × level as its latest snapshot saw it (snapshots are taken after every
    scan and daily), so a scrape never recomputes a national roll-up."""
    latest = (
        select(CoverageSnapshot.target_key, func.max(CoverageSnapshot.taken_on).label("day"))
        .group_by(CoverageSnapshot.target_key)
        .subquery()
    )
    rows = session.execute(
        select(
            Target.key,
            CoverageSnapshot.level,
            CoverageSnapshot.in_scope,
            CoverageSnapshot.covered,
            Target.threshold,
            Target.deadline,
        )  # fmt: skip
        .join(latest, latest.c.target_key == Target.key)
        .join(
            CoverageSnapshot,
            and_(
                CoverageSnapshot.target_key == Target.key,
                CoverageSnapshot.taken_on == latest.c.day,
                CoverageSnapshot.under == func.coalesce(Target.root_code, ""),
            ),
        )
        .order_by(Target.key, CoverageSnapshot.level)
    )
    return [TargetCoverage(*row) for row in rows]
