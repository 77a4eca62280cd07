"""The store's tables (SQLAlchemy 2, typed). Same models on SQLite and PostgreSQL.

Facts (observations, config versions, declarations, waivers, audit events) are
appended; derived rows (findings, coverage) can be rebuilt from them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .enums import (
    CredentialKind,
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    LinkKind,
    Outcome,
    Platform,
    PlaybookStatus,
    Role,
    ScanStatus,
    Severity,
    Verdict,
    ZoneKind,
)
from .schema import parse_bandwidth

# Constraint names are explicit so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: netcensus stores aware UTC times")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _enum(cls: type) -> Enum:
    """Store enum *values* as plain strings (no native PG enum: adding a member needs no DDL)."""
    return Enum(
        cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        length=32,
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Site(Base):
    """An office, identified by its official division code (44, 4401, 440103, 440103001)."""

    __tablename__ = "sites"
    # Coverage counts declared offices of one level in a code range: one index serves it.
    __table_args__ = (Index("ix_sites_declared_level_code", "declared", "level", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Hierarchy queries are range scans on this index: "under 4401" is code >= '4401' AND < '4402'.
    code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[Level] = mapped_column(_enum(Level), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    # Whether the office was declared in inventory YAML (True) or only imported from divisions.
    declared: Mapped[bool] = mapped_column(Boolean, default=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)

    zones: Mapped[list[Zone]] = relationship(back_populates="site", cascade="all, delete-orphan")
    regions: Mapped[list[SiteRegion]] = relationship(
        back_populates="site", cascade="all, delete-orphan"
    )
    devices: Mapped[list[Device]] = relationship(back_populates="site")


class SiteRegion(Base):
    """A region tag on a site (e.g. ``pearl-river-delta``), used to scope targets."""

    __tablename__ = "site_regions"
    __table_args__ = (UniqueConstraint("site_id", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(64), index=True)

    site: Mapped[Site] = relationship(back_populates="regions")


class Zone(Base):
    """A network zone of one site; ``upstream`` names the backbone it may connect to."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ZoneKind] = mapped_column(_enum(ZoneKind), index=True)
    upstream: Mapped[str | None] = mapped_column(String(64))
    prefixes: Mapped[list[Any]] = mapped_column(default=list)

    site: Mapped[Site] = relationship(back_populates="zones")


class Credential(Base):
    """A reference to secrets held elsewhere (environment variables). Never the secret."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[CredentialKind] = mapped_column(_enum(CredentialKind))
    username: Mapped[str | None] = mapped_column(String(64))
    # Names of environment variables: password/community, enable secret, v3 auth/priv keys.
    secret_env: Mapped[str | None] = mapped_column(String(128))
    enable_env: Mapped[str | None] = mapped_column(String(128))
    auth_protocol: Mapped[str | None] = mapped_column(String(16))
    priv_protocol: Mapped[str | None] = mapped_column(String(16))
    priv_env: Mapped[str | None] = mapped_column(String(128))


class Device(Base):
    __tablename__ = "devices"
    # Covering indexes (migration 0009): a subtree's device KPIs are read from the first
    # without touching the table; coverage's "seen by a scan" set from the second.
    __table_args__ = (
        Index("ix_devices_site_status_stale_managed", "site_id", "status", "stale", "managed"),
        Index("ix_devices_status_last_seen_site", "status", "last_seen", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    role: Mapped[DeviceRole] = mapped_column(_enum(DeviceRole), default=DeviceRole.OTHER)
    platform: Mapped[Platform] = mapped_column(_enum(Platform), default=Platform.OTHER)
    vendor: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(128), index=True)
    chassis_mac: Mapped[str | None] = mapped_column(String(17), index=True)
    os_version: Mapped[str | None] = mapped_column(String(256))
    sys_object_id: Mapped[str | None] = mapped_column(String(128))
    sys_name: Mapped[str | None] = mapped_column(String(256))
    sys_descr: Mapped[str | None] = mapped_column(Text)
    sys_location: Mapped[str | None] = mapped_column(String(256))
    sys_contact: Mapped[str | None] = mapped_column(String(256))
    uptime_seconds: Mapped[int | None] = mapped_column(BigInteger)  # at last_seen
    mgmt_address: Mapped[str | None] = mapped_column(String(64), index=True)
    snmp_port: Mapped[int] = mapped_column(Integer, default=161)
    ssh_port: Mapped[int] = mapped_column(Integer, default=22)
    ssh_credential_id: Mapped[int | None] = mapped_column(ForeignKey("credentials.id"))
    snmp_credential_id: Mapped[int | None] = mapped_column(ForeignKey("credentials.id"))
    # MLPS level of the information system the device serves; None = site default (catalog G4).
    mlps_level: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[DeviceStatus] = mapped_column(_enum(DeviceStatus), default=DeviceStatus.ACTIVE)
    # Declared in inventory (True) or discovered answering without a declaration (False).
    managed: Mapped[bool] = mapped_column(Boolean, default=True)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_seen: Mapped[dt.datetime | None]
    last_seen: Mapped[dt.datetime | None]
    last_attempt: Mapped[dt.datetime | None]
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    # When a collection last read the device's whole table of that kind without an error:
    # a sighting or link it reported before and no longer reports is then gone (history
    # stays, see inventory/current.py). A failed collection moves none of them.
    neighbours_confirmed_at: Mapped[dt.datetime | None]  # LLDP and CDP both
    fdb_confirmed_at: Mapped[dt.datetime | None]
    arp_confirmed_at: Mapped[dt.datetime | None]

    site: Mapped[Site | None] = relationship(back_populates="devices")
    zone: Mapped[Zone | None] = relationship()
    ssh_credential: Mapped[Credential | None] = relationship(foreign_keys=[ssh_credential_id])
    snmp_credential: Mapped[Credential | None] = relationship(foreign_keys=[snmp_credential_id])
    interfaces: Mapped[list[Interface]] = relationship(
        back_populates="device", cascade="all, delete-orphan"
    )


class Interface(Base):
    __tablename__ = "interfaces"
    # Identified by ifIndex within a device when it is known: two interfaces may share a
    # name (two `lo0` on one real switch), so the name is indexed, not unique.
    __table_args__ = (Index("ix_interfaces_device_id_name", "device_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    if_index: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(256))
    alias: Mapped[str | None] = mapped_column(String(256))
    if_type: Mapped[int | None] = mapped_column(Integer)
    speed: Mapped[int | None] = mapped_column(BigInteger)  # bits per second
    mtu: Mapped[int | None] = mapped_column(Integer)
    admin_status: Mapped[str | None] = mapped_column(String(16))
    oper_status: Mapped[str | None] = mapped_column(String(16))
    mac: Mapped[str | None] = mapped_column(String(17), index=True)
    addresses: Mapped[list[Any]] = mapped_column(default=list)
    vlans: Mapped[list[Any]] = mapped_column(default=list)
    mode: Mapped[str | None] = mapped_column(String(16))  # access / trunk / routed
    # Set when an interface belongs to a zone other than its device's (the ISO-01 breach).
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
    first_seen: Mapped[dt.datetime | None]
    last_seen: Mapped[dt.datetime | None]

    device: Mapped[Device] = relationship(back_populates="interfaces")
    zone: Mapped[Zone | None] = relationship()


class Link(Base):
    """A physical link. The far end is a known interface or, if one-sided, a named neighbour."""

    __tablename__ = "links"

    id: Mapped[int] = mapped_column(primary_key=True)
    a_interface_id: Mapped[int] = mapped_column(
        ForeignKey("interfaces.id", ondelete="CASCADE"), index=True
    )
    b_interface_id: Mapped[int | None] = mapped_column(
        ForeignKey("interfaces.id", ondelete="CASCADE"), index=True
    )
    remote_chassis_id: Mapped[str | None] = mapped_column(String(128))
    remote_system_name: Mapped[str | None] = mapped_column(String(256))
    remote_port: Mapped[str | None] = mapped_column(String(128))
    remote_capabilities: Mapped[list[Any]] = mapped_column(default=list)
    remote_platform: Mapped[str | None] = mapped_column(String(256))
    kind: Mapped[LinkKind] = mapped_column(_enum(LinkKind), default=LinkKind.LAN)
    bandwidth: Mapped[int | None] = mapped_column(BigInteger)  # bits per second
    circuit_id: Mapped[str | None] = mapped_column(String(128))
    evidence: Mapped[list[Any]] = mapped_column(default=list)  # LinkEvidence values
    first_seen: Mapped[dt.datetime | None]
    last_seen: Mapped[dt.datetime | None]
    # When each end last reported the link itself (its LLDP/CDP table): an end that never
    # reports it (LLDP transmit-only) neither keeps it nor removes it.
    a_reported_at: Mapped[dt.datetime | None]
    b_reported_at: Mapped[dt.datetime | None]

    a_interface: Mapped[Interface] = relationship(foreign_keys=[a_interface_id])
    b_interface: Mapped[Interface | None] = relationship(foreign_keys=[b_interface_id])


class Endpoint(Base):
    """One sighting place of a MAC (and its IP): switch, port, VLAN, first and last seen."""

    __tablename__ = "endpoints"
    __table_args__ = (
        UniqueConstraint("mac", "device_id", "interface_id", "vlan"),
        Index("ix_endpoints_ip", "ip"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mac: Mapped[str] = mapped_column(String(17), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    # Every IP the MAC answers for (a host with aliases, a VM host): ``ip`` is the first.
    ips: Mapped[list[Any]] = mapped_column(default=list)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    interface_id: Mapped[int | None] = mapped_column(
        ForeignKey("interfaces.id", ondelete="CASCADE"), index=True
    )
    vlan: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]

    device: Mapped[Device] = relationship()
    interface: Mapped[Interface | None] = relationship()


class ConfigBlob(Base):
    """Content-addressed, compressed config text: identical configs are stored once."""

    __tablename__ = "config_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    compressed: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)


class ConfigVersion(Base):
    """A change of a device's running configuration (secrets redacted before hashing)."""

    __tablename__ = "config_versions"
    __table_args__ = (Index("ix_config_versions_device_collected", "device_id", "collected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(ForeignKey("config_blobs.sha256"))
    collected_at: Mapped[dt.datetime]
    # The last time the same content was seen again: a backup is fresh without a new version.
    confirmed_at: Mapped[dt.datetime]
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"))

    device: Mapped[Device] = relationship()
    blob: Mapped[ConfigBlob] = relationship()


class Scan(Base):
    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    started_by: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(128))  # "scan", or the poller that sent it
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[ScanStatus] = mapped_column(_enum(ScanStatus), default=ScanStatus.RUNNING)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Renewed while whoever drives the scan is alive: "is it still running" is decided from the
    # store, so it holds across machines (a process id only means something on its own host).
    heartbeat_at: Mapped[dt.datetime | None]

    results: Mapped[list[ScanResult]] = relationship(
        back_populates="scan", cascade="all, delete-orphan"
    )


class ScanResult(Base):
    __tablename__ = "scan_results"
    __table_args__ = (UniqueConstraint("scan_id", "target", "method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(128))  # device name or address as scanned
    method: Mapped[str] = mapped_column(String(16))  # snmp / ssh / ansible
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    new_device: Mapped[bool] = mapped_column(Boolean, default=False)
    config_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Parts that failed while the device was collected ({part, code, message} each): an
    # "ok" result with part errors is "ok with errors".
    part_errors: Mapped[list[Any]] = mapped_column(default=list)
    finished_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The zone poller that collected it (None: collected by the host that ran the scan).
    poller: Mapped[str | None] = mapped_column(String(128))

    scan: Mapped[Scan] = relationship(back_populates="results")


def read_declared_value(value: Any) -> tuple[bool, float | None]:
    """What a declared value asserts: whether the capability is there, and its amount.

    ``true``, a positive number, a URL or a phone number assert it; ``false``, ``0``,
    ``no`` or nothing retract it. Numbers and bandwidths (``100M``) give the amount that
    a target's ``min`` is compared with.

    >>> read_declared_value("12349"), read_declared_value("100M"), read_declared_value("no")
    ((True, 12349.0), (True, 100000000.0), (False, None))
    >>> read_declared_value(3), read_declared_value(False), read_declared_value("http://mz.gd.gov.cn")
    ((True, 3.0), (False, None), (True, None))
    """
    if value is None or isinstance(value, bool):
        return bool(value), None
    if isinstance(value, int | float):
        return value > 0, float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _DECLARED_NO:
            return False, None
        try:
            amount = float(parse_bandwidth(text))  # type: ignore[arg-type]
        except ValueError:
            return True, None
        return amount > 0, amount
    return bool(value), None


_DECLARED_NO = {"", "no", "false", "none", "n", "0", "否", "无", "没有"}


def _declared_holds(context: Any) -> bool:
    return read_declared_value(context.get_current_parameters()["value"])[0]


def _declared_amount(context: Any) -> float | None:
    return read_declared_value(context.get_current_parameters()["value"])[1]


class Declaration(Base):
    """A fact no collector can see (hotline, website, staff count), with who and when."""

    __tablename__ = "declarations"
    __table_args__ = (
        Index("ix_declarations_site_capability", "site_id", "capability"),
        # Coverage picks the latest declaration per site for one capability.
        Index("ix_declarations_capability_site_at", "capability", "site_id", "declared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    capability: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # The reading of ``value`` (read_declared_value), kept so coverage can count in SQL.
    # Filled on insert by whichever writer adds the row (inventory load, `declare`, the API).
    holds: Mapped[bool] = mapped_column(Boolean, default=_declared_holds)
    amount: Mapped[float | None] = mapped_column(Float, default=_declared_amount)

    site: Mapped[Site] = relationship()


class Target(Base):
    """A plan's target: capability, scope (levels, regions), threshold and deadline."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    capability: Mapped[str] = mapped_column(String(64))
    levels: Mapped[list[Any]] = mapped_column(default=list)
    regions: Mapped[list[Any]] = mapped_column(default=list)
    root_code: Mapped[str | None] = mapped_column(String(12))
    min_value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float, default=1.0)
    deadline: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    # For "all of" targets (the "five ones"): [{"capability": ..., "min": ...}, ...];
    # empty when the target is the single ``capability`` with ``min_value``.
    all_of: Mapped[list[Any]] = mapped_column(default=list)
    loaded_from: Mapped[str | None] = mapped_column(String(512))  # file:line of the definition


class Finding(Base):
    """A (rule, subject) result that is not a pass; rebuilt by each check, keyed for reruns."""

    __tablename__ = "findings"
    # Covering indexes (migration 0009): open failures of a subtree by severity (site KPIs,
    # coverage's MLPS evidence; also a findings list's count by skip-scan on SQLite) and the
    # grouped counts of /metrics and the dashboard. An index led by verdict and state made
    # SQLite's planner read every open failure for one county's KPIs: not added.
    __table_args__ = (
        UniqueConstraint("rule_id", "subject_key"),
        Index("ix_findings_site_state_verdict_severity", "site_id", "state", "verdict", "severity"),
        Index(
            "ix_findings_pack_severity_level_zone_rule_state_verdict",
            "pack",
            "severity",
            "mlps_level",
            "zone_kind",
            "rule_id",
            "state",
            "verdict",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(32), index=True)
    pack: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(16))  # device / link / endpoint / site / zone
    subject_key: Mapped[str] = mapped_column(String(256))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    zone_kind: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[Severity] = mapped_column(_enum(Severity), index=True)
    mlps_level: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))  # fail / not-evaluable
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[FindingState] = mapped_column(
        _enum(FindingState), default=FindingState.OPEN, index=True
    )
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]

    device: Mapped[Device | None] = relationship()
    site: Mapped[Site | None] = relationship()
    waivers: Mapped[list[Waiver]] = relationship(back_populates="finding")


class Waiver(Base):
    """An accepted risk: who, why, until when. Expiry reopens the finding."""

    __tablename__ = "waivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    until: Mapped[dt.date] = mapped_column(Date)
    revoked_at: Mapped[dt.datetime | None]

    finding: Mapped[Finding] = relationship(back_populates="waivers")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.VIEWER)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The division subtree the user sees and changes; None = the whole country.
    scope_code: Mapped[str | None] = mapped_column(String(12))
    last_login_at: Mapped[dt.datetime | None]


class AuditEvent(Base):
    """Every change: who, what, when, before and after. Append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    # The account that made the change (None for the CLI's and the scheduler's own changes).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_key: Mapped[str] = mapped_column(String(256))
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)


class Poller(Base):
    """A zone poller (Celery worker) as it last reported itself; it needs no store credentials."""

    __tablename__ = "pollers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    zone: Mapped[str] = mapped_column(String(64), index=True)  # a zone name or zone kind
    host: Mapped[str | None] = mapped_column(String(128))
    version: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime | None]
    last_heartbeat: Mapped[dt.datetime]


class Schedule(Base):
    """A recurring job: scan, backup, check or coverage snapshot of a scope, every N seconds."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    action: Mapped[str] = mapped_column(String(16))  # scan / backup / check / snapshot
    site_code: Mapped[str | None] = mapped_column(String(12))
    zone: Mapped[str | None] = mapped_column(String(64))
    methods: Mapped[list[Any]] = mapped_column(default=list)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Advanced before the job runs, so a crash or a broker restart neither loses nor repeats it.
    next_run_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_run_at: Mapped[dt.datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_message: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))


class RuleVerdict(Base):
    """The last check's verdict of one rule on one subject: pass, fail, not applicable or not
    evaluable, with its evidence (the assessor's verdict matrix). Derived: each check replaces
    the rows of the packs and subtree it judged."""

    __tablename__ = "rule_verdicts"
    __table_args__ = (UniqueConstraint("rule_id", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(32))
    pack: Mapped[str] = mapped_column(String(64), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # device / link / endpoint / site
    subject_key: Mapped[str] = mapped_column(String(256))
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), index=True
    )
    zone_kind: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[Severity] = mapped_column(_enum(Severity))
    mlps_level: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict), index=True)
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    checked_at: Mapped[dt.datetime]

    device: Mapped[Device | None] = relationship()
    site: Mapped[Site | None] = relationship()


class PlaybookRun(Base):
    """One ansible-runner run of a playbook: who, when, what it targeted, how it ended.

    Its private data dir (under NETCENSUS_HOME) keeps the inventory snapshot and
    ansible-runner's artifacts (``artifacts/<id>``: stdout, job events) for inspection.
    Playbooks that collect (backup, facts) reconcile through a Scan, linked here.
    """

    __tablename__ = "playbook_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook: Mapped[str] = mapped_column(String(128), index=True)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[PlaybookStatus] = mapped_column(
        _enum(PlaybookStatus), default=PlaybookStatus.RUNNING
    )
    check_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    diff: Mapped[bool] = mapped_column(Boolean, default=False)
    limit: Mapped[str | None] = mapped_column(String(256))
    extra_vars: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Names of the secrets handed to the run (their values never reach the store).
    secret_names: Mapped[list[Any]] = mapped_column(default=list)
    private_data_dir: Mapped[str | None] = mapped_column(String(512))
    rc: Mapped[int | None] = mapped_column(Integer)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)

    hosts: Mapped[list[PlaybookHostResult]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="PlaybookHostResult.host"
    )


class PlaybookHostResult(Base):
    """A host's tally in one run (Ansible's play recap) and its first error."""

    __tablename__ = "playbook_host_results"
    __table_args__ = (UniqueConstraint("run_id", "host"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("playbook_runs.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    host: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome))
    ok: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    run: Mapped[PlaybookRun] = relationship(back_populates="hosts")


class PlaybookEvent(Base):
    """One task result of a run, as ansible-runner reported it (full data in the artifacts)."""

    __tablename__ = "playbook_events"
    __table_args__ = (Index("ix_playbook_events_run_seq", "run_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # ansible-runner's event counter
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(64))
    host: Mapped[str | None] = mapped_column(String(128))
    task: Mapped[str | None] = mapped_column(String(256))
    changed: Mapped[bool] = mapped_column(Boolean, default=False)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str | None] = mapped_column(Text)


class CapabilityDefinition(Base):
    """A declared capability a deployment adds to the built-in vocabulary (from target files)."""

    __tablename__ = "capability_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    loaded_from: Mapped[str | None] = mapped_column(String(512))


class CoverageSnapshot(Base):
    """One day's coverage of one target at one level in one division subtree (the trend).

    Derived: rebuilt by `netcensus coverage snapshot`; one row per day and key, so taking
    a snapshot twice a day keeps the later figures. ``under`` is "" for the whole store.
    """

    __tablename__ = "coverage_snapshots"
    __table_args__ = (
        UniqueConstraint("target_key", "level", "under", "taken_on"),
        Index("ix_coverage_snapshots_taken_on", "taken_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_key: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(32))
    under: Mapped[str] = mapped_column(String(12))
    taken_on: Mapped[dt.date] = mapped_column(Date)
    taken_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    in_scope: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    conflicts: Mapped[int] = mapped_column(Integer)


class ApiToken(Base):
    """A user's bearer token for the REST API: only its SHA-256 is kept; revocable, expiring."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # Tokens are 256 random bits, so a plain SHA-256 cannot be brute-forced (unlike passwords).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class Vlan(Base):
    """A VLAN a device defines (Q-BRIDGE over SNMP, `show vlan brief` / `display vlan`)."""

    __tablename__ = "vlans"
    __table_args__ = (UniqueConstraint("device_id", "vid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    vid: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(128))
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]

    device: Mapped[Device] = relationship()
