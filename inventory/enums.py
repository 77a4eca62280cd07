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


# Other spellings of the platform keys: netmiko device types, Ansible network_os and
# ntc-templates names, vendor and OS names, and the folder names of shared config sets.
PLATFORM_ALIASES: dict[str, Platform] = {
    "ios": Platform.CISCO_IOS,
    "cisco": Platform.CISCO_IOS,
    "cisco_xe": Platform.CISCO_IOS,
    "ios-xe": Platform.CISCO_IOS,
    "ios_xe": Platform.CISCO_IOS,
    "iosxe": Platform.CISCO_IOS,
    "cisco.ios.ios": Platform.CISCO_IOS,
    "vrp": Platform.HUAWEI_VRP,
    "huawei": Platform.HUAWEI_VRP,
    "huawei_vrpv8": Platform.HUAWEI_VRP,
    "community.network.ce": Platform.HUAWEI_VRP,
    "comware": Platform.HP_COMWARE,
    "h3c": Platform.HP_COMWARE,
    "h3c_comware": Platform.HP_COMWARE,
    "hpe_comware": Platform.HP_COMWARE,
    "community.network.comware": Platform.HP_COMWARE,
}


def parse_platform(raw: str | Platform) -> Platform:
    """The platform a user means, by its key or an alias, in any case: the one parser the YAML
    inventory, the CLI and the API share.

    >>> [parse_platform(raw).value for raw in ("h3c_comware", " VRP ", "cisco_ios")]
    ['hp_comware', 'huawei_vrp', 'cisco_ios']
    >>> parse_platform("junos")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: expected one of 'cisco_ios', 'huawei_vrp', 'hp_comware' or 'other', or an alias ...
    """
    if isinstance(raw, Platform):
        return raw
    key = raw.strip().lower()
    if key in Platform._value2member_map_:
        return Platform(key)
    if key in PLATFORM_ALIASES:
        return PLATFORM_ALIASES[key]
    keys = [p.value for p in Platform]
    aliases = sorted(a for a in PLATFORM_ALIASES if "." not in a)
    raise ValueError(
        f"expected one of {', '.join(map(repr, keys[:-1]))} or {keys[-1]!r},"
        f" or an alias ({', '.join(aliases)})"
    )


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


class PlaybookStatus(StrEnum):
    """A playbook run's state: ansible-runner's final statuses, plus running."""

    RUNNING = "running"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELED = "canceled"
    ERROR = "error"  # ansible-runner could not start the run


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
