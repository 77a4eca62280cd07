"""Coverage: which declared offices have each capability, against the plans' targets.

The public API (typed results; the CLI, the web pages, the REST API and ``/metrics`` all
call these and nothing else):

``coverage_rows(session, target=None, level=None, under=None, by_child=False, as_of=None,
capability=None, min_value=None, with_missing=True) -> CoverageResult``
    One :class:`CoverageRow` per target × level × ``under`` (plus, with ``by_child``, one
    per child division: province → prefecture → county → township). ``target`` is a key
    (or None: every loaded target); ``capability`` (+ ``min_value``) asks an ad-hoc
    question instead. ``CoverageResult.as_json()`` is the stable JSON contract of
    ``netcensus coverage --json`` (docs/coverage.md).
``site_capabilities(session, site_code, as_of=None) -> SiteCapabilities``
    Every capability of one site with its value and provenance: observed (which device or
    link, when, by which scan) and declared (who, when, note), side by side, and conflicts.
``trend(session, target, level, under=None) -> list[TrendPoint]``
    The daily snapshots of one target row.
``forecast(points, threshold, deadline, today) -> Forecast``
    Pure: extends the trend (least squares) to the deadline: met / on-track / at-risk /
    missed, and the date the trend reaches the threshold.
``take_snapshot(session, as_of=None) -> int``
    Stores today's figures of every target (root and two levels of children).
``sites_missing(session, target, under=None, level=None, region=None, page=1, per_page=50)
-> Page[MissingSite]``
    The in-scope offices that do not meet one target (conflicts included), in code order.
``declare(session, site_code, capability, value, by, note=None, at=None, *, actor)``
    Appends a declaration (history: it supersedes, never erases) and its audit event; the
    one writer of declarations for the CLI (`netcensus declare`), the pages and the API.

How a site gets a capability (docs/coverage.md has the full table): *observed* evidence
is what scans saw within the freshness window (default 30 days); *declared* evidence is
the latest declaration (``holds``/``amount`` read from its value on insert) or, failing
one, a declared device or link no scan has seen yet. A fresh observation beats any
declaration: when scans saw the site (any active device answered within the window) but
nothing qualifies while the declaration says yes, the site is in **conflict** — counted
as not covered and listed.

Everything is computed in SQL, set-based: per requirement a few grouped sub-queries
(which sites have qualifying evidence) joined to the in-scope sites, then one grouped
count per target and one list of the sites not covered. No query runs per site. One
site's page reads all its capabilities' evidence rows in one statement and applies the
same rule to them (``site_capabilities``; tests/coverage/test_provenance.py checks that
both agree for every capability).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from netcensus.errors import UserError
from netcensus.inventory.capabilities import known_capabilities, unknown_capability
from netcensus.inventory.current import link_is_current
from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    Capability,
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    LinkKind,
    Severity,
    ZoneKind,
)
from netcensus.inventory.hierarchy import under as under_clause
from netcensus.inventory.models import (
    AuditEvent,
    ConfigVersion,
    CoverageSnapshot,
    Declaration,
    Device,
    Finding,
    Interface,
    Link,
    ScanResult,
    Site,
    SiteRegion,
    Target,
    Zone,
    utcnow,
)
from netcensus.inventory.queries.common import Page, check_paging

from .parameters import Parameters
from .targets import Requirement, TargetDefinition, load_definitions

FRESH_DAYS = 30
# Up to this many in-scope sites, evidence is looked up per site; above, whole tables are
# read once (cheaper than one index lookup per site when the scope is most of the store).
NARROW_SITES = 2000
TREND_DAYS = 365
CODE_LENGTHS = (2, 4, 6, 9, 12)
STATUSES = ("met", "on-track", "at-risk", "missed")
SWITCH_ROLES = (
    DeviceRole.CORE_SWITCH,
    DeviceRole.DISTRIBUTION_SWITCH,
    DeviceRole.ACCESS_SWITCH,
)
ROLE_CAPABILITIES = {
    Capability.LAN: SWITCH_ROLES,
    Capability.SATELLITE: (DeviceRole.SATELLITE_STATION,),
    Capability.VIDEO_CONFERENCE: (DeviceRole.VIDEO_CONFERENCE,),
}
BLOCKING_SEVERITIES = (Severity.CRITICAL, Severity.HIGH)
LINK_CAPABILITIES = (Capability.WAN, Capability.INTRANET, Capability.EXTRANET)
# Capabilities whose value is an amount a target's ``min`` compares with; the others say
# yes or no (a URL or a phone number, declared through the CLI, says yes too).
AMOUNT_KINDS = {
    **{c: "bandwidth" for c in (Capability.INTERNET, *LINK_CAPABILITIES)},
    **{
        c: "count"
        for c in (
            Capability.STAFF,
            Capability.STAFF_TECHNICAL,
            Capability.STAFF_COMPUTER_LITERATE,
            Capability.PCS,
        )
    },
}


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """Where the trend goes: ``status`` is one of STATUSES; ``reaches_on`` is when the
    trend line reaches the threshold (None when it never does or was reached already)."""

    status: str
    reaches_on: dt.date | None
    slope_per_year: float | None
    points: int


@dataclass(frozen=True)
class SiteRef:
    code: str
    name: str
    level: str


@dataclass
class CoverageRow:
    target: str | None
    title: str | None
    capability: str
    level: str
    under: str | None
    under_name: str | None
    in_scope: int
    covered: int
    conflicts: int
    threshold: float | None = None
    deadline: dt.date | None = None
    forecast: Forecast | None = None
    parent: str | None = None  # for a --by-child row: the ``under`` of the row it breaks down
    missing: list[SiteRef] = field(default_factory=list)  # not covered, conflicts included
    conflict_sites: list[SiteRef] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.covered / self.in_scope if self.in_scope else None

    @property
    def status(self) -> str | None:
        return self.forecast.status if self.forecast else None

    def as_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "target": self.target,
            "title": self.title,
            "capability": self.capability,
            "level": self.level,
            "under": self.under,
            "under_name": self.under_name,
            "parent": self.parent,
            "in_scope": self.in_scope,
            "covered": self.covered,
            "conflicts": self.conflicts,
            "ratio": None if ratio is None else round(ratio, 3),
            "threshold": self.threshold,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "status": self.status,
            "reaches_threshold_on": (
                self.forecast.reaches_on.isoformat()
                if self.forecast and self.forecast.reaches_on
                else None
            ),
            "missing": [s.code for s in self.missing],
            "conflict_sites": [s.code for s in self.conflict_sites],
        }


@dataclass
class CoverageResult:
    as_of: dt.datetime
    rows: list[CoverageRow]

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "rows": [r.as_json() for r in self.rows]}


@dataclass(frozen=True)
class Evidence:
    """Where a value came from: ``source`` is observed or declared."""

    source: str
    value: Any
    at: dt.datetime | dt.date | None
    detail: str  # device / link / declaration text, for people
    by: str | None = None
    note: str | None = None
    scan_id: int | None = None


@dataclass(frozen=True)
class CapabilityState:
    capability: str
    observable: bool
    covered: bool
    conflict: bool
    source: str | None  # which evidence decided: observed / declared / None
    observed: Evidence | None
    declared: Evidence | None


@dataclass(frozen=True)
class SiteCapabilities:
    site: SiteRef
    declared_office: bool
    seen_at: dt.datetime | None  # the latest answer of an active device within the window
    capabilities: list[CapabilityState]


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    in_scope: int
    covered: int
    conflicts: int

    @property
    def ratio(self) -> float | None:
        return self.covered / self.in_scope if self.in_scope else None


# --- forecast (pure) -----------------------------------------------------------------------


def forecast(
    points: Sequence[tuple[dt.date, float]], threshold: float, deadline: dt.date, today: dt.date
) -> Forecast:
    """Extend the ratio's trend (least squares over ``points``) to the deadline.

    >>> d = dt.date
    >>> history = [(d(2024, 1, 1), 0.5), (d(2024, 7, 1), 0.75)]
    >>> on_track = forecast(history, 1.0, d(2025, 12, 31), d(2024, 7, 1))
    >>> on_track.status, on_track.reaches_on, on_track.slope_per_year
    ('on-track', datetime.date(2024, 12, 30), 0.501)
    >>> forecast(history, 1.0, d(2024, 10, 1), d(2024, 7, 1)).status
    'at-risk'
    >>> forecast(history, 1.0, d(2024, 6, 30), d(2024, 7, 1)).status
    'missed'
    >>> forecast([(d(2024, 7, 1), 1.0)], 1.0, d(2025, 1, 1), d(2024, 7, 1)).status
    'met'
    """
    if not points:
        return Forecast("missed" if today > deadline else "at-risk", None, None, 0)
    points = sorted(points)
    current = points[-1][1]
    if current >= threshold:
        return Forecast("met", None, None, len(points))
    if today > deadline:
        return Forecast("missed", None, None, len(points))
    origin = points[0][0]
    xs = [(day - origin).days for day, _ in points]
    ys = [ratio for _, ratio in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    if n < 2 or spread == 0:
        return Forecast("at-risk", None, None, n)  # one day of history: no trend yet
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    per_year = round(slope * 365, 3)
    if slope <= 0:
        return Forecast("at-risk", None, per_year, n)
    intercept = mean_y - slope * mean_x
    reaches_on = origin + dt.timedelta(days=round((threshold - intercept) / slope))
    reaches_on = max(reaches_on, today)
    status = "on-track" if reaches_on <= deadline else "at-risk"
    return Forecast(status, reaches_on, per_year, n)


# --- the SQL -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    as_of: dt.datetime
    fresh_since: dt.datetime
    backup_since: dt.datetime

    @classmethod
    def at(cls, as_of: dt.datetime | None, fresh_days: int = FRESH_DAYS) -> _Clock:
        now = (as_of or utcnow()).astimezone(dt.UTC)
        backup_days = Parameters().max_backup_age_days
        return cls(now, now - dt.timedelta(days=fresh_days), now - dt.timedelta(days=backup_days))

    @property
    def day(self) -> dt.date:
        return self.as_of.date()


# Evidence without an amount, typed as the amounts are: PostgreSQL resolves a UNION's
# column types pair by pair, and two untyped NULLs before a bandwidth resolve to text.
NO_AMOUNT = cast(null(), BigInteger)


def _evidence_columns(site_id: Any, amount: Any, device_id: Any, at: Any) -> list[Any]:
    return [
        site_id.label("site_id"),
        amount.label("amount"),
        device_id.label("device_id"),
        at.label("at"),
    ]


def _device_evidence(roles: Sequence[DeviceRole], *, seen: ColumnElement[bool]) -> Select[Any]:
    return select(*_evidence_columns(Device.site_id, NO_AMOUNT, Device.id, Device.last_seen)).where(
        Device.role.in_(roles), Device.status == DeviceStatus.ACTIVE, seen
    )


def _seen(column: Any, clock: _Clock | None) -> ColumnElement[bool]:
    """Fresh (answered within the window) or, with no clock, never seen: declared only."""
    return column >= clock.fresh_since if clock else column.is_(None)


def _internet_evidence(clock: _Clock | None) -> list[Select[Any]]:
    parts = []
    for end in (Link.a_interface_id, Link.b_interface_id):
        parts.append(
            select(
                *_evidence_columns(
                    Device.site_id,
                    func.coalesce(Link.bandwidth, Interface.speed),
                    Device.id,
                    Link.last_seen,
                )
            )
            .select_from(Link)
            .join(Interface, Interface.id == end)
            .join(Device, Device.id == Interface.device_id)
            .where(Link.kind == LinkKind.INTERNET, _seen(Link.last_seen, clock), link_is_current())
        )
    zone_devices = (
        select(*_evidence_columns(Device.site_id, NO_AMOUNT, Device.id, Device.last_seen))
        .join(Zone, Zone.id == Device.zone_id)
        .where(
            Zone.kind == ZoneKind.INTERNET,
            Device.status == DeviceStatus.ACTIVE,
            _seen(Device.last_seen, clock),
        )
    )
    if clock is None:
        zone_devices = zone_devices.where(Device.managed.is_(True))
    return [*parts, zone_devices]


# The two ends of a link (interface, device, site, zone each), aliased once: an ORM alias
# proxies every column of its entity, and building these per query was most of a site
# page's time (0.45 of 0.55 s). Each union part is its own SELECT, so both reuse them.
_LINK_ENDS = (
    aliased(Interface), aliased(Interface), aliased(Device), aliased(Device),
    aliased(Site), aliased(Site),
)  # fmt: skip
_LINK_END_ZONES = (aliased(Zone), aliased(Zone))


def _parent_link_evidence(clock: _Clock | None, zone_kind: ZoneKind | None) -> list[Select[Any]]:
    """Links whose other end is a device of the parent site (in the same zone kind)."""
    parts = []
    ends = (Link.a_interface_id, Link.b_interface_id)
    here_if, there_if, here_dev, there_dev, here_site, there_site = _LINK_ENDS
    for here_end, there_end in (ends, ends[::-1]):
        query = (
            select(
                *_evidence_columns(here_dev.site_id, Link.bandwidth, here_dev.id, Link.last_seen)
            )
            .select_from(Link)
            .join(here_if, here_if.id == here_end)
            .join(here_dev, here_dev.id == here_if.device_id)
            .join(here_site, here_site.id == here_dev.site_id)
            .join(there_if, there_if.id == there_end)
            .join(there_dev, there_dev.id == there_if.device_id)
            .join(there_site, there_site.id == there_dev.site_id)
            .where(
                there_site.code == here_site.parent_code,
                _seen(Link.last_seen, clock),
                link_is_current(),  # a pulled uplink is no uplink, however recent
            )
        )
        if zone_kind is not None:
            here_zone, there_zone = _LINK_END_ZONES
            query = (
                query.join(
                    here_zone, here_zone.id == func.coalesce(here_if.zone_id, here_dev.zone_id)
                )
                .join(
                    there_zone,
                    there_zone.id == func.coalesce(there_if.zone_id, there_dev.zone_id),
                )
                .where(here_zone.kind == zone_kind, there_zone.kind == zone_kind)
            )
        parts.append(query)
    return parts


def _fresh_devices(clock: _Clock) -> Select[Any]:
    return select(*_evidence_columns(Device.site_id, NO_AMOUNT, Device.id, Device.last_seen)).where(
        Device.status == DeviceStatus.ACTIVE, Device.last_seen >= clock.fresh_since
    )


def _backup_evidence(clock: _Clock) -> Select[Any]:
    network_roles = [r for r in DeviceRole if r.is_network_device]

    def managed(device: Any) -> ColumnElement[bool]:
        return and_(
            device.managed.is_(True),
            device.status == DeviceStatus.ACTIVE,
            device.role.in_(network_roles),
        )

    # A site lacks a backup when one of its managed network devices has no confirmed copy
    # within the window. Correlated on the site (an index probe per device): a drill-down
    # reads its own sites' devices, not every device of the store.
    other = aliased(Device)
    confirmed = (
        select(ConfigVersion.id)
        .where(
            ConfigVersion.device_id == other.id, ConfigVersion.confirmed_at >= clock.backup_since
        )
        .exists()
    )
    lacking = select(other.id).where(other.site_id == Device.site_id, managed(other), ~confirmed)
    return _fresh_devices(clock).where(
        managed(Device), Device.site_id.is_not(None), ~lacking.exists()
    )


def _mlps_evidence(clock: _Clock) -> Select[Any]:
    # A site is blocked by an open finding of a blocking severity placed on it, or placed
    # on none but raised on one of its devices. Correlated on the site (index probes on
    # findings' site): a drill-down does not read every open finding of the store.
    blocking = and_(Finding.state == FindingState.OPEN, Finding.severity.in_(BLOCKING_SEVERITIES))
    on_site = select(Finding.id).where(blocking, Finding.site_id == Device.site_id)
    finding_device = aliased(Device)
    via_device = (
        select(Finding.id)
        .join(finding_device, finding_device.id == Finding.device_id)
        .where(blocking, Finding.site_id.is_(None), finding_device.site_id == Device.site_id)
    )
    return _fresh_devices(clock).where(
        Device.site_id.is_not(None), ~on_site.exists(), ~via_device.exists()
    )


def _observed(capability: Capability, clock: _Clock | None) -> list[Select[Any]]:
    """Evidence rows (site_id, amount, device_id, at) for one capability.

    With a clock: what scans saw within the window. Without: declared devices and links
    no scan has seen yet (the inventory's own declaration of the capability).
    """
    if capability in ROLE_CAPABILITIES:
        query = _device_evidence(ROLE_CAPABILITIES[capability], seen=_seen(Device.last_seen, clock))
        return [query if clock else query.where(Device.managed.is_(True))]
    if capability is Capability.INTERNET:
        return _internet_evidence(clock)
    if capability is Capability.WAN:
        return _parent_link_evidence(clock, None)
    if capability is Capability.INTRANET:
        return _parent_link_evidence(clock, ZoneKind.INTERNAL)
    if capability is Capability.EXTRANET:
        return _parent_link_evidence(clock, ZoneKind.EXTERNAL)
    if clock is None:
        return []  # backup-fresh and mlps-compliant are never declared by an inventory
    if capability is Capability.BACKUP_FRESH:
        return [_backup_evidence(clock)]
    if capability is Capability.MLPS_COMPLIANT:
        return [_mlps_evidence(clock)]
    raise AssertionError(f"no observation rule for {capability}")


def _sites_with(
    parts: list[Select[Any]], minimum: float | None, in_scope: Select[Any] | None
) -> Select[Any]:
    """The ids of in-scope sites with qualifying evidence (amount at least ``minimum``).

    The scope goes into each part, so a drill-down reads only its subtree's rows.
    """
    scoped = [p.where(_within(p.selected_columns.site_id, in_scope)) for p in parts]
    rows = (scoped[0] if len(scoped) == 1 else union_all(*scoped)).subquery()
    return select(rows.c.site_id).where(_at_least(rows.c.amount, minimum))


def _within(site_id: Any, in_scope: Select[Any] | None) -> ColumnElement[bool]:
    """Evidence of in-scope sites only, when the scope is narrow (see NARROW_SITES)."""
    return site_id.is_not(None) if in_scope is None else site_id.in_(in_scope)


def _latest_declarations(capability: str, clock: _Clock, in_scope: Select[Any] | None) -> Any:
    """Per site, its latest declaration of ``capability`` (latest day, then latest entry)."""
    return (
        select(
            Declaration.site_id,
            Declaration.holds,
            Declaration.amount,
            func.row_number()
            .over(
                partition_by=Declaration.site_id,
                order_by=(Declaration.declared_at.desc(), Declaration.id.desc()),
            )
            .label("rank"),
        )
        .where(
            Declaration.capability == capability,
            Declaration.declared_at <= clock.day,
            _within(Declaration.site_id, in_scope),
        )
        .subquery()
    )


def _at_least(amount: Any, minimum: float | None) -> ColumnElement[bool]:
    return true() if minimum is None else amount >= minimum


def _verdict(
    requirement: Requirement, clock: _Clock, in_scope: Select[Any] | None
) -> tuple[Any, Any | None]:
    """(declared_ok, observed_ok or None when scans cannot see it) of one requirement,
    as SQL conditions on ``Site.id``.

    Every condition is ``Site.id IN (uncorrelated sub-query)``: both backends compute
    each set once and probe it per site (a hashed sub-plan in PostgreSQL, an ephemeral
    index in SQLite), so the plan stays linear even before PostgreSQL has statistics
    for a freshly loaded store, when its join estimates would be off by thousands.
    """
    latest = _latest_declarations(requirement.capability, clock, in_scope)
    declared = Site.id.in_(
        select(Declaration.site_id).where(
            Declaration.capability == requirement.capability,
            Declaration.declared_at <= clock.day,
            _within(Declaration.site_id, in_scope),
        )
    )
    declared_ok = Site.id.in_(
        select(latest.c.site_id).where(
            latest.c.rank == 1,
            latest.c.holds == true(),
            _at_least(latest.c.amount, requirement.min),
        )
    )
    try:
        capability = Capability(requirement.capability)
    except ValueError:
        capability = None
    if capability is None or not capability.observed:
        return declared_ok, None
    inventory_parts = _observed(capability, None)
    if inventory_parts:
        # No declaration at all: a declared device or link no scan has seen yet counts.
        inventory_ok = Site.id.in_(_sites_with(inventory_parts, requirement.min, in_scope))
        declared_ok = or_(declared_ok, and_(~declared, inventory_ok))
    observed_ok = Site.id.in_(_sites_with(_observed(capability, clock), requirement.min, in_scope))
    return declared_ok, observed_ok


def _per_site(
    requirements: Sequence[Requirement],
    clock: _Clock,
    scope: list[ColumnElement[bool]],
    *,
    narrow: bool,
) -> Any:
    """One row per in-scope site: code, name, level, covered (0/1), conflict (0/1).

    ``narrow``: read the evidence of the in-scope sites only (index lookups per site, for
    a drill-down); otherwise each evidence set is one pass over its table (a roll-up).
    """
    in_scope = select(Site.id).where(*scope) if narrow else None
    # Scans saw the site: an active device answered within the window.
    seen = Site.id.in_(
        select(Device.site_id).where(
            Device.status == DeviceStatus.ACTIVE,
            Device.last_seen >= clock.fresh_since,
            _within(Device.site_id, in_scope),
        )
    )
    # Each set membership is evaluated once per site into a flag column (a condition
    # used twice would be a second sub-plan), then the flags are combined.
    flags: list[Any] = [_flag(seen, "seen")]
    names: list[tuple[str, str | None]] = []
    for index, requirement in enumerate(requirements):
        declared_ok, observed_ok = _verdict(requirement, clock, in_scope)
        flags.append(_flag(declared_ok, f"d{index}"))
        if observed_ok is not None:
            flags.append(_flag(observed_ok, f"o{index}"))
        names.append((f"d{index}", f"o{index}" if observed_ok is not None else None))
    inner = (
        select(Site.id, Site.code, Site.name, Site.level, *flags)
        .where(*scope)
        .cte("flags")
        .prefix_with("MATERIALIZED")
    )
    covered, conflict = [], []
    for declared_name, observed_name in names:
        declared_ok = inner.c[declared_name] == 1
        if observed_name is None:
            covered.append(declared_ok)
            continue
        observed_ok = inner.c[observed_name] == 1
        covered.append(or_(observed_ok, and_(inner.c.seen == 0, declared_ok)))
        conflict.append(and_(inner.c.seen == 1, ~observed_ok, declared_ok))
    return select(
        inner.c.id,
        inner.c.code,
        inner.c.name,
        inner.c.level,
        case((and_(*covered), 1), else_=0).label("covered"),
        case((or_(*conflict), 1), else_=0).label("conflict")
        if conflict
        else literal(0).label("conflict"),
    ).subquery("per_site")


def _flag(condition: Any, name: str) -> Any:
    return case((condition, 1), else_=0).label(name)


def _scope(
    session: Session,
    levels: Iterable[Level],
    under: str | None,
    regions: Sequence[str] = (),
) -> list[ColumnElement[bool]]:
    """The declared offices of these levels under ``under`` (and in these regions)."""
    conditions: list[ColumnElement[bool]] = [
        Site.declared.is_(True),
        Site.level.in_(list(levels)),
    ]
    if under:
        conditions.append(under_clause(under))
    if regions:
        roots = region_roots(session, regions)
        conditions.append(or_(*(under_clause(c) for c in roots)) if roots else false())
    return conditions


def region_roots(session: Session, regions: Sequence[str]) -> list[str]:
    """The codes of the subtrees these regions cover: a region tag on a prefecture covers
    everything under it, so only the topmost tagged codes are kept."""
    tagged = set(
        session.scalars(select(Site.code).join(SiteRegion).where(SiteRegion.region.in_(regions)))
    )
    return [c for c in sorted(tagged) if not any(c != o and c.startswith(o) for o in tagged)]


def _child_length(under: str | None) -> int:
    if not under:
        return CODE_LENGTHS[0]
    longer = [n for n in CODE_LENGTHS if n > len(under)]
    return longer[0] if longer else len(under)


def _narrow(target_under: str | None, asked: str | None) -> tuple[bool, str | None]:
    """(whether the two subtrees overlap, the deeper one)."""
    if not asked:
        return True, target_under
    if not target_under or asked.startswith(target_under):
        return True, asked
    if target_under.startswith(asked):
        return True, target_under
    return False, None


@dataclass(frozen=True)
class _Question:
    target: TargetDefinition | None
    requirements: tuple[Requirement, ...]
    levels: tuple[Level, ...]
    under: str | None
    regions: tuple[str, ...]


def coverage_rows(
    session: Session,
    target: str | None = None,
    level: Level | str | None = None,
    under: str | None = None,
    by_child: bool = False,
    as_of: dt.datetime | None = None,
    *,
    capability: str | None = None,
    min_value: float | None = None,
    with_missing: bool = True,
    fresh_days: int = FRESH_DAYS,
) -> CoverageResult:
    """Coverage per target × level × ``under`` (module docstring). Raises UserError for
    an unknown target, capability, level or site code."""
    clock = _Clock.at(as_of, fresh_days)
    wanted_level = Level.from_division(level) if isinstance(level, str) else level
    if under and session.scalar(select(Site.id).where(Site.code == under)) is None:
        raise UserError(f"no site with code {under!r}")
    questions = _questions(session, target, wanted_level, under, capability, min_value)
    rows: list[CoverageRow] = []
    for question in questions:
        child_len = _child_length(question.under) if by_child else 0
        rows += _answer(session, question, clock, child_len, with_missing)
    _name_unders(session, rows)
    _add_forecasts(session, rows, clock)
    return CoverageResult(clock.as_of, rows)


def _questions(
    session: Session,
    target: str | None,
    level: Level | None,
    under: str | None,
    capability: str | None,
    min_value: float | None,
) -> list[_Question]:
    if capability is not None:
        if target is not None:
            raise UserError("ask either --target or --capability, not both")
        if message := unknown_capability(capability, known_capabilities(session)):
            raise UserError(message)
        levels = (level,) if level else _levels_present(session, under)
        return [_Question(None, (Requirement(capability, min_value),), levels, under, ())]
    definitions = load_definitions(session, [target] if target else None)
    if target and not definitions:
        keys = ", ".join(d.key for d in load_definitions(session)) or "none loaded"
        raise UserError(
            f"no target {target!r} (targets: {keys}); load them with `netcensus targets load FILE`"
        )
    questions = []
    for definition in definitions:
        overlap, scope = _narrow(definition.under, under)
        levels = tuple(lv for lv in definition.levels if level is None or lv == level)
        if overlap and levels:
            questions.append(
                _Question(definition, definition.requirements, levels, scope, definition.regions)
            )
    return questions


def _levels_present(session: Session, under: str | None) -> tuple[Level, ...]:
    query = select(Site.level).where(Site.declared.is_(True)).distinct()
    if under:
        query = query.where(under_clause(under))
    present = set(session.scalars(query))
    return tuple(lv for lv in Level if lv in present)


def _answer(
    session: Session, question: _Question, clock: _Clock, child_len: int, with_missing: bool
) -> list[CoverageRow]:
    """Rows of one question: per level, and per child division (codes cut to ``child_len``
    digits) unless ``child_len`` is 0."""
    by_child = child_len > 0
    scope = _scope(session, question.levels, question.under, question.regions)
    # (level, child code or "") -> [in scope, covered, conflicts]; and the sites not covered.
    figures: dict[tuple[Level, str], list[int]] = {}
    missing: dict[tuple[Level, str], list[tuple[SiteRef, bool]]] = defaultdict(list)
    child = func.substr(Site.code, 1, child_len) if by_child else literal("")
    for lv, code, in_scope in session.execute(
        select(Site.level, child, func.count()).where(*scope).group_by(Site.level, child)
    ):
        figures[(lv, code)] = [int(in_scope), int(in_scope), 0]
    narrow = sum(f[0] for f in figures.values()) <= NARROW_SITES
    per_site = _per_site(question.requirements, clock, scope, narrow=narrow)
    if with_missing:
        # The sites not covered are listed anyway: count them rather than evaluate twice.
        for code, name, lv, conflict in session.execute(
            select(per_site.c.code, per_site.c.name, per_site.c.level, per_site.c.conflict)
            .where(per_site.c.covered == 0)
            .order_by(per_site.c.code)
        ):
            key = (lv, code[:child_len] if by_child else "")
            missing[key].append((SiteRef(code, name, lv.value), bool(conflict)))
            figures[key][1] -= 1
            figures[key][2] += int(conflict)
    else:
        child = func.substr(per_site.c.code, 1, child_len) if by_child else literal("")
        for lv, code, in_scope, covered, conflicts in session.execute(
            select(
                per_site.c.level,
                child,
                func.count(),
                func.coalesce(func.sum(per_site.c.covered), 0),
                func.coalesce(func.sum(per_site.c.conflict), 0),
            ).group_by(per_site.c.level, child)
        ):
            figures[(lv, code)] = [int(in_scope), int(covered), int(conflicts)]
    rows = []
    for lv in question.levels:
        keys = sorted(code for level, code in figures if level == lv)
        total = [sum(figures[(lv, k)][i] for k in keys) for i in range(3)]
        everything = [site for k in keys for site in missing.get((lv, k), [])]
        rows.append(_row(question, lv, question.under, None, total, everything))
        if by_child:
            for code in keys:
                if code != question.under:
                    rows.append(
                        _row(
                            question,
                            lv,
                            code,
                            question.under or "",
                            figures[(lv, code)],
                            missing.get((lv, code), []),
                        )
                    )
    return rows


def _row(
    question: _Question,
    level: Level,
    under: str | None,
    parent: str | None,
    figures: list[int],
    missing: list[tuple[SiteRef, bool]],
) -> CoverageRow:
    definition = question.target
    return CoverageRow(
        target=definition.key if definition else None,
        title=definition.title if definition else None,
        capability="+".join(r.capability for r in question.requirements),
        level=level.value,
        under=under,
        under_name=None,
        in_scope=figures[0],
        covered=figures[1],
        conflicts=figures[2],
        threshold=definition.threshold if definition else None,
        deadline=definition.deadline if definition else None,
        parent=parent,
        missing=[site for site, _ in missing],
        conflict_sites=[site for site, conflict in missing if conflict],
    )


def _name_unders(session: Session, rows: list[CoverageRow]) -> None:
    codes = {r.under for r in rows if r.under}
    names: dict[str, str] = {
        code: name
        for code, name in session.execute(select(Site.code, Site.name).where(Site.code.in_(codes)))
    }
    for row in rows:
        row.under_name = names.get(row.under) if row.under else None


def _add_forecasts(session: Session, rows: list[CoverageRow], clock: _Clock) -> None:
    """Status of target rows: the stored daily trend plus today's figure, extended."""
    # A row without in-scope offices has nothing to judge: no status.
    target_rows = [r for r in rows if r.target and r.deadline and r.threshold and r.in_scope]
    if not target_rows:
        return
    since = clock.day - dt.timedelta(days=TREND_DAYS)
    history: dict[tuple[str, str, str], list[tuple[dt.date, float]]] = defaultdict(list)
    for snap in session.scalars(
        select(CoverageSnapshot).where(
            CoverageSnapshot.target_key.in_({r.target for r in target_rows}),
            CoverageSnapshot.under.in_({r.under or "" for r in target_rows}),
            CoverageSnapshot.taken_on >= since,
            CoverageSnapshot.taken_on < clock.day,
        )
    ):
        if snap.in_scope:
            history[(snap.target_key, snap.level, snap.under)].append(
                (snap.taken_on, snap.covered / snap.in_scope)
            )
    for row in target_rows:
        points = list(history.get((str(row.target), row.level, row.under or ""), []))
        if row.ratio is not None:
            points.append((clock.day, row.ratio))
        assert row.threshold is not None and row.deadline is not None
        row.forecast = forecast(points, row.threshold, row.deadline, clock.day)


# --- history -------------------------------------------------------------------------------


def take_snapshot(session: Session, as_of: dt.datetime | None = None) -> int:
    """Store the day's figures of every target: its own scope and two levels below it.

    Returns the number of rows written. Taking it again the same day replaces that day.
    """
    clock = _Clock.at(as_of)
    rows: list[CoverageRow] = []
    for question in _questions(session, None, None, None, None, None):
        children = _child_length(question.under)
        # The scope, its children, and their children (one grouped query each).
        for child_len in (children, _child_length("0" * children)):
            rows += _answer(session, question, clock, child_len, with_missing=False)
    session.execute(delete(CoverageSnapshot).where(CoverageSnapshot.taken_on == clock.day))
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        key = (str(row.target), row.level, row.under or "")
        if key in seen:
            continue
        seen.add(key)
        session.add(
            CoverageSnapshot(
                target_key=row.target,
                level=row.level,
                under=row.under or "",
                taken_on=clock.day,
                taken_at=clock.as_of,
                in_scope=row.in_scope,
                covered=row.covered,
                conflicts=row.conflicts,
            )
        )
    session.flush()
    return len(seen)


def trend(
    session: Session, target: str, level: Level | str, under: str | None = None
) -> list[TrendPoint]:
    """Daily snapshots of one target row, oldest first (``under`` None: the target's own)."""
    definitions = load_definitions(session, [target])
    if not definitions:
        raise UserError(f"no target {target!r}")
    scope = under or definitions[0].under or ""
    level_value = Level.from_division(level).value if isinstance(level, str) else level.value
    return [
        TrendPoint(s.taken_on, s.in_scope, s.covered, s.conflicts)
        for s in session.scalars(
            select(CoverageSnapshot)
            .where(
                CoverageSnapshot.target_key == target,
                CoverageSnapshot.level == level_value,
                CoverageSnapshot.under == scope,
            )
            .order_by(CoverageSnapshot.taken_on)
        )
    ]


# --- one site ------------------------------------------------------------------------------


def site_capabilities(
    session: Session, site_code: str, as_of: dt.datetime | None = None
) -> SiteCapabilities:
    """Every capability of one site, observed and declared side by side (module docstring).

    A constant number of statements whatever the number of capabilities: the site's
    declarations, one union of every capability's evidence rows for this site, then the
    names of the devices and the scans that evidence cites. The verdicts follow from those
    rows by the rule ``_per_site`` applies in SQL (a requirement without ``min``).
    """
    clock = _Clock.at(as_of)
    site = session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise UserError(f"no site with code {site_code!r}")
    declarations = session.execute(
        select(
            Declaration.capability,
            Declaration.value,
            Declaration.holds,
            Declaration.declared_at,
            Declaration.declared_by,
            Declaration.note,
        )
        .where(Declaration.site_id == site.id)
        .order_by(Declaration.declared_at.desc(), Declaration.id.desc())
    ).all()
    latest: dict[str, Any] = {}
    for entry in declarations:
        if entry.declared_at <= clock.day:
            latest.setdefault(entry.capability, entry)
    names = known_capabilities(session)
    names += sorted({d.capability for d in declarations} - set(names))
    seen_at = session.scalar(
        select(func.max(Device.last_seen)).where(
            Device.site_id == site.id,
            Device.status == DeviceStatus.ACTIVE,
            Device.last_seen >= clock.fresh_since,
        )
    )
    observed_rows, inventory_rows = _site_evidence(session, site.id, clock)
    best = {name: max(rows, key=_strongest) for name, rows in observed_rows.items()}
    first_declared = {name: rows[0] for name, rows in inventory_rows.items()}
    cited = {row.device_id for row in (*best.values(), *first_declared.values())}
    device_names = {
        device_id: name
        for device_id, name in session.execute(
            select(Device.id, Device.name).where(Device.id.in_(cited))
        )
    }
    scans = _latest_scans(session, {row.device_id for row in best.values()})
    states = []
    for name in names:
        observable = name in Capability._value2member_map_ and Capability(name).observed
        declaration = latest.get(name)
        observed = None
        if name in best:
            row = best[name]
            device_name = device_names.get(row.device_id)
            observed = Evidence(
                source="observed",
                value=row.amount if row.amount is not None else True,
                at=row.at,
                detail=f"{_thing(name)} {device_name}" if device_name else "",
                scan_id=scans.get(row.device_id),
            )
        declared = None
        if declaration is not None:
            declared = Evidence(
                source="declared",
                value=declaration.value,
                at=declaration.declared_at,
                detail="declaration",
                by=declaration.declared_by,
                note=declaration.note,
            )
        elif name in first_declared:
            row = first_declared[name]
            device_name = device_names.get(row.device_id)
            declared = Evidence(
                source="declared",
                value=row.amount if row.amount is not None else True,
                at=None,
                detail=(
                    f"{_thing(name)} {device_name} (declared, not yet seen by a scan)"
                    if device_name
                    else ""
                ),
                by="inventory",
            )
        # As _verdict: the latest declaration decides; with none, a declared device or
        # link no scan has seen yet counts.
        declared_ok = bool(declaration.holds) if declaration is not None else name in first_declared
        if observable:
            seen, observed_ok = seen_at is not None, name in best
            covered = observed_ok or (not seen and declared_ok)
            conflict = seen and not observed_ok and declared_ok
        else:
            covered, conflict = declared_ok, False
        states.append(
            CapabilityState(
                name,
                observable,
                covered,
                conflict,
                _deciding_source(covered, observable and seen_at is not None, observed, declared),
                observed,
                declared,
            )
        )
    return SiteCapabilities(
        SiteRef(site.code, site.name, site.level.value), site.declared, seen_at, states
    )


def _strongest(row: Any) -> tuple[bool, Any, Any]:
    """Order of observed evidence: the largest amount (unknown last), then the latest."""
    return (row.amount is not None, row.amount or 0, row.at)


def _site_evidence(
    session: Session, site_id: int, clock: _Clock
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Every observed capability's evidence rows for one site, in one statement: (what
    scans saw within the window, what the inventory declares that no scan has seen yet),
    each by capability name."""
    parts: list[Select[Any]] = []
    sources: list[tuple[str, bool]] = []
    for capability in Capability:
        if not capability.observed:
            continue
        for fresh, rule in ((True, clock), (False, None)):
            for part in _observed(capability, rule):
                key = cast(literal(len(sources)), Integer).label("source")
                parts.append(part.where(part.selected_columns.site_id == site_id).add_columns(key))
                sources.append((capability.value, fresh))
    rows = union_all(*parts).subquery("evidence")
    observed: dict[str, list[Any]] = defaultdict(list)
    inventory: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(
        select(rows.c.source, rows.c.amount, rows.c.device_id, rows.c.at).order_by(rows.c.source)
    ):
        name, fresh = sources[row.source]
        (observed if fresh else inventory)[name].append(row)
    return observed, inventory


def _latest_scans(session: Session, device_ids: set[int]) -> dict[int, int]:
    """The scan that last reported each of these devices, by device id."""
    latest: dict[int, tuple[Any, int]] = {}
    for device_id, scan_id, finished_at in session.execute(
        select(ScanResult.device_id, ScanResult.scan_id, ScanResult.finished_at).where(
            ScanResult.device_id.in_(device_ids)
        )
    ):
        if device_id not in latest or finished_at > latest[device_id][0]:
            latest[device_id] = (finished_at, scan_id)
    return {device_id: scan_id for device_id, (_, scan_id) in latest.items()}


def _deciding_source(
    covered: bool, seen: bool, observed: Evidence | None, declared: Evidence | None
) -> str | None:
    """Which evidence the verdict rests on: a fresh observation (yes, or no when the site
    answered scans) beats a declaration."""
    if covered:
        return "observed" if observed else "declared"
    if seen or observed:
        return "observed"
    return "declared" if declared else None


def _thing(capability: str) -> str:
    if capability in LINK_CAPABILITIES:
        return "link to the parent site from"
    if capability == Capability.INTERNET:
        return "internet link or zone at"
    return "device"


# --- the offices a target misses ---------------------------------------------------------


@dataclass(frozen=True)
class MissingSite:
    code: str
    name: str
    level: str
    conflict: bool  # a declaration says yes, fresh scans say no


def sites_missing(
    session: Session,
    target: str,
    *,
    under: str | None = None,
    level: Level | str | None = None,
    region: str | None = None,
    page: int = 1,
    per_page: int | None = 50,
) -> Page[MissingSite]:
    """The in-scope offices that do not meet ``target`` (conflicts included), in code
    order; ``region`` keeps those tagged so or under a site tagged so."""
    check_paging(page, per_page)
    rows = coverage_rows(session, target=target, level=level, under=under).rows
    missing = sorted(
        (
            MissingSite(s.code, s.name, s.level, s in row.conflict_sites)
            for row in rows
            for s in row.missing
        ),
        key=lambda s: s.code,
    )
    if region:
        roots = region_roots(session, [region])
        missing = [s for s in missing if any(s.code.startswith(root) for root in roots)]
    start = (page - 1) * (per_page or 0)
    items = missing[start : start + per_page] if per_page else missing
    return Page[MissingSite](items=items, total=len(missing), page=page, per_page=per_page)


# --- declarations --------------------------------------------------------------------------


def amount_kind(capability: str) -> str | None:
    """ "bandwidth" or "count" for a capability measured by an amount; None for yes/no.

    >>> amount_kind("internet"), amount_kind("staff"), amount_kind("hotline")
    ('bandwidth', 'count', None)
    """
    return AMOUNT_KINDS.get(Capability(capability)) if capability in _BUILT_IN else None


_BUILT_IN = frozenset(c.value for c in Capability)


def declare(
    session: Session,
    site_code: str,
    capability: str,
    value: Any,
    by: str,
    note: str | None = None,
    at: dt.date | None = None,
    *,
    actor: str,
) -> Declaration:
    """Append a declaration of ``capability`` at ``site_code`` (as of ``at``, default today)
    and its audit event. ``actor`` is who the audit log names; a web session bound with
    ``accounts.act_as`` stamps its user's id on that event. Raises UserError for an unknown
    site or capability."""
    site = session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise UserError(
            f"no site with code {site_code!r}; import division codes with "
            "`netcensus sites import-divisions FILE` or declare it in the inventory"
        )
    if message := unknown_capability(capability, known_capabilities(session)):
        raise UserError(message)
    day = at or utcnow().date()
    declaration = Declaration(
        site=site, capability=capability, value=value, declared_by=by, declared_at=day, note=note
    )
    session.add(declaration)
    after = {"site": site_code, "capability": capability, "value": value, "by": by,
             "at": day.isoformat(), "note": note}  # fmt: skip
    session.add(
        AuditEvent(
            actor=actor,
            action="coverage.declare",
            object_kind="declaration",
            object_key=f"{site_code}/{capability}@{day.isoformat()}",
            before=None,
            after=after,
        )
    )
    session.flush()
    return declaration


def as_plain(value: Any) -> Any:
    """A result dataclass as JSON-ready data (dates as ISO text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {k: as_plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_plain(v) for v in value]
    return value


def snapshot_if_targets(store: Store) -> bool:
    """Refresh today's snapshot (after a scan changed what is observed); False without targets."""
    with store.transaction() as session:
        if session.scalar(select(Target.id).limit(1)) is None:
            return False
        take_snapshot(session)
        return True
