"""Closed vocabularies of the domain. Stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Administrative level of an office, from the top down."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    PREFECTURE = "prefecture"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def depth(self) -> int:
        return list(Level).index(self)

    @classmethod
    def from_division(cls, raw: str) -> Level:
        """Division tables say ``province``; netcensus says ``provincial``."""
        return cls(_DIVISION_LEVEL_ALIASES.get(raw, raw))

    @classmethod
    def default_mlps_level(cls, level: Level) -> int:
        """Catalog G4: national, provincial and prefecture sites default to L3, the rest L2."""
        return 3 if level.depth <= cls.PREFECTURE.depth else 2


_DIVISION_LEVEL_ALIASES = {"province": "provincial", "country": "national", "nation": "national"}


class ZoneKind(StrEnum):
    """Network zones. Internal (政务内网) and external (政务外网) must be physically isolated."""

    INTERNAL = "internal"
    EXTERNAL = "external"
    INTERNET = "internet"
    SATELLITE = "satellite"
    MANAGEMENT = "management"


class DeviceRole(StrEnum):
    CORE_SWITCH = "core-switch"
    DISTRIBUTION_SWITCH = "distribution-switch"
    ACCESS_SWITCH = "access-switch"
    ROUTER = "router"
    FIREWALL = "firewall"
    GAP = "gap"  # 网闸 / one-way import device
    WIRELESS_AP = "wireless-ap"
    WIRELESS_CONTROLLER = "wireless-controller"
    SATELLITE_STATION = "satellite-station"
    VIDEO_CONFERENCE = "video-conference"
    SERVER = "server"
    HOST = "host"
    OTHER = "other"

    @property
    def is_network_device(self) -> bool:
        return self not in {DeviceRole.SERVER, DeviceRole.HOST, DeviceRole.VIDEO_CONFERENCE}


class Platform(StrEnum):
    """netcensus platform keys; collectors/platforms maps them to each library's names."""

    CISCO_IOS = "cisco_ios"
    HUAWEI_VRP = "huawei_vrp"
    HP_COMWARE = "hp_comware"
    OTHER = "other"


class DeviceStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    DECOMMISSIONED = "decommissioned"


class LinkKind(StrEnum):
    LAN = "lan"
    WAN = "wan"
    INTERNET = "internet"
    SATELLITE = "satellite"


class LinkEvidence(StrEnum):
    LLDP = "lldp"
    CDP = "cdp"
    DECLARED = "declared"


class CredentialKind(StrEnum):
    SSH = "ssh"
    SNMP_V2C = "snmp-v2c"
    SNMP_V3 = "snmp-v3"


class ScanStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"


class Outcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class FindingState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    WAIVED = "waived"


class Verdict(StrEnum):
    """Catalog G1."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not-applicable"
    NOT_EVALUABLE = "not-evaluable"


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    SECURITY = "security"
    VIEWER = "viewer"


class Capability(StrEnum):
    """The built-in capability vocabulary of coverage (docs/coverage.md).

    Observed ones are derived from what scans saw (and may also be declared); the rest
    are declared only. A deployment adds declared keys in a target file's
    ``capabilities:`` section (stored as CapabilityDefinition rows).
    """

    LAN = "lan"
    INTERNET = "internet"
    WAN = "wan"
    INTRANET = "intranet"
    EXTRANET = "extranet"
    SATELLITE = "satellite"
    VIDEO_CONFERENCE = "video-conference"
    BACKUP_FRESH = "backup-fresh"
    MLPS_COMPLIANT = "mlps-compliant"
    WEBSITE = "website"
    HOTLINE = "hotline"
    UNIFIED_SOFTWARE = "unified-software"
    OA = "oa"
    ONLINE_APPROVAL = "online-approval"
    DR_COPY = "dr-copy"
    STAFF_TECHNICAL = "staff-technical"
    STAFF = "staff"
    STAFF_COMPUTER_LITERATE = "staff-computer-literate"
    PCS = "pcs"

    @property
    def observed(self) -> bool:
        """Whether scans can see it (then a fresh observation beats any declaration)."""
        return self in _OBSERVED_CAPABILITIES


_OBSERVED_CAPABILITIES = frozenset(
    {
        Capability.LAN,
        Capability.INTERNET,
        Capability.WAN,
        Capability.INTRANET,
        Capability.EXTRANET,
        Capability.SATELLITE,
        Capability.VIDEO_CONFERENCE,
        Capability.BACKUP_FRESH,
        Capability.MLPS_COMPLIANT,
    }
)
