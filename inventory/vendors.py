"""Who made a device and what it runs, from its sysObjectID and sysDescr: pure data.

The platform learned here decides which SSH commands are sent and which rules apply, so
it must never be a wrong one: a device is given a collectable platform only when its
sysDescr names that operating system (Cisco IOS/IOS-XE, Huawei VRP, Comware). An
enterprise number alone names the vendor, not the OS (Cisco's subtree holds IOS, NX-OS
and ASA; HP's holds Comware and ProCurve); anything else stays ``other``.

The table covers the vendors of Chinese government networks: Huawei (incl. USG
firewalls), H3C (incl. SecPath), HPE Comware and ProCurve/ArubaOS-Switch, Cisco IOS,
IOS-XE, NX-OS and ASA, Ruijie, ZTE, Maipu, Digital China (DCN), Juniper, Hillstone,
Sangfor, Topsec, Venustech, DPtech, Fortinet, Palo Alto. Enterprise numbers are IANA's
(checked against the LibreNMS recordings in shared/data/snmp); vendors whose number no
recording confirms are recognised by their sysDescr only.

>>> identify("1.3.6.1.4.1.9.12.3.1.3.1163", "Cisco NX-OS(tm) nxos.7.0.3.I7.8.bin, Software")
Identity(vendor='Cisco', platform=<Platform.OTHER: 'other'>, os_family='nxos', firewall=False)
>>> identify(".1.3.6.1.4.1.28557.1.126", "Hillstone Security Appliance SG-6000-E3965").firewall
True
>>> identify("1.3.6.1.4.1.11.2.3.7.11.84", "HP J9146A E2910al-24G-PoE Switch").platform.value
'other'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .enums import Platform

ENTERPRISE_PREFIX = "1.3.6.1.4.1."

# IANA Private Enterprise Numbers -> vendor.
ENTERPRISES: dict[int, str] = {
    9: "Cisco",
    11: "HP",
    43: "3Com",
    2011: "Huawei",
    2636: "Juniper",
    3902: "ZTE",
    4881: "Ruijie",
    5651: "Maipu",
    6339: "Digital China Networks",
    8072: "net-snmp",
    12356: "Fortinet",
    25461: "Palo Alto Networks",
    25506: "H3C",
    27514: "QTECH",
    28557: "Hillstone",
    47196: "HPE",
    52642: "FS",
}


@dataclass(frozen=True)
class Identity:
    vendor: str | None
    platform: Platform
    os_family: str | None
    firewall: bool


@dataclass(frozen=True)
class _Rule:
    """Matches when the sysObjectID is under ``oid`` (if given) and sysDescr matches
    ``descr`` (if given, case-insensitive)."""

    vendor: str
    os_family: str
    platform: Platform = Platform.OTHER
    firewall: bool = False
    oid: str | None = None
    descr: str | None = None


# First match wins: the specific (firewall, NX-OS, ProCurve) before the general.
RULES: tuple[_Rule, ...] = (
    # Cisco: one enterprise subtree, several operating systems.
    _Rule("Cisco", "nxos", descr=r"NX-OS"),
    _Rule("Cisco", "asa", firewall=True, descr=r"Adaptive Security Appliance"),
    _Rule("Cisco", "ftd", firewall=True, descr=r"Firepower Threat Defense"),
    _Rule("Cisco", "iosxr", descr=r"IOS XR"),
    _Rule("Cisco", "iosxe", Platform.CISCO_IOS, descr=r"Cisco IOS.*(IOS-?XE|IOSXE)"),
    _Rule(
        "Cisco",
        "ios",
        Platform.CISCO_IOS,
        descr=r"Cisco IOS Software|IOS \(tm\)|Cisco Internetwork Operating System",
    ),
    # Huawei: USG/Eudemon firewalls run VRP (the same CLI), the rest of VRP, YunShan OS
    # (VRP-compatible CLI) on the newest CloudEngine switches.
    _Rule(
        "Huawei",
        "vrp",
        Platform.HUAWEI_VRP,
        firewall=True,
        oid="1.3.6.1.4.1.2011",
        descr=r"\bUSG\d|Eudemon|Versatile Security Platform",
    ),
    _Rule("Huawei", "vrp", Platform.HUAWEI_VRP, descr=r"Versatile Routing Platform|\bVRP\b"),
    _Rule("Huawei", "yunshan", Platform.HUAWEI_VRP, descr=r"Huawei YunShan OS"),
    # Comware, whoever sold it (H3C, HP A-series, HPE FlexFabric, 3Com): SecPath is its
    # firewall line.
    _Rule("H3C", "comware", Platform.HP_COMWARE, firewall=True, descr=r"Comware.*SecPath|SecPath"),
    _Rule("H3C", "comware", Platform.HP_COMWARE, oid="1.3.6.1.4.1.25506", descr=r"Comware"),
    _Rule("HPE", "comware", Platform.HP_COMWARE, descr=r"\bComware\b"),
    # HP ProCurve / ArubaOS-Switch: HP's subtree, not Comware (other CLI, other rules).
    _Rule("HP", "procurve", oid="1.3.6.1.4.1.11.2.3.7.11"),
    _Rule("HP", "procurve", oid="1.3.6.1.4.1.11.2.3.7.8"),
    _Rule("HP", "procurve", descr=r"ProCurve|ArubaOS-Switch|Aruba .* Switch"),
    _Rule("Juniper", "junos", firewall=True, oid="1.3.6.1.4.1.2636", descr=r"\bsrx"),
    _Rule("Juniper", "junos", oid="1.3.6.1.4.1.2636"),
    _Rule("Ruijie", "rgos", oid="1.3.6.1.4.1.4881"),
    _Rule("Ruijie", "rgos", descr=r"Ruijie|RGOS"),
    _Rule("ZTE", "zxa10", oid="1.3.6.1.4.1.3902.1082"),
    _Rule("ZTE", "zxr10", oid="1.3.6.1.4.1.3902"),
    _Rule("Maipu", "mypoweros", oid="1.3.6.1.4.1.5651"),
    _Rule("Maipu", "mypoweros", descr=r"MyPower|Maipu"),
    _Rule("Digital China Networks", "dcn", oid="1.3.6.1.4.1.6339"),
    _Rule("QTECH", "qtech", oid="1.3.6.1.4.1.27514"),
    _Rule("Hillstone", "stoneos", firewall=True, oid="1.3.6.1.4.1.28557"),
    _Rule("Hillstone", "stoneos", firewall=True, descr=r"Hillstone|StoneOS"),
    _Rule("Fortinet", "fortios", firewall=True, oid="1.3.6.1.4.1.12356.101"),
    _Rule("Fortinet", "fortios", firewall=True, descr=r"FortiGate|FortiOS"),
    _Rule("Palo Alto Networks", "panos", firewall=True, oid="1.3.6.1.4.1.25461"),
    _Rule("Palo Alto Networks", "panos", firewall=True, descr=r"Palo Alto Networks"),
    _Rule("Sangfor", "sangfor", firewall=True, descr=r"Sangfor"),
    _Rule("Topsec", "topsec", firewall=True, descr=r"Topsec"),
    _Rule("Venustech", "venustech", firewall=True, descr=r"Venustech"),
    _Rule("DPtech", "dptech", firewall=True, descr=r"DPtech"),
    _Rule("net-snmp", "linux", oid="1.3.6.1.4.1.8072", descr=r"^Linux"),
)
_COMPILED = tuple((rule, re.compile(rule.descr, re.I) if rule.descr else None) for rule in RULES)


def normalise_oid(sys_object_id: str | None) -> str | None:
    """Dotted, no leading dot (some agents send ``.1.3.6...``).

    >>> normalise_oid(" .1.3.6.1.4.1.28557.1.126")
    '1.3.6.1.4.1.28557.1.126'
    """
    oid = (sys_object_id or "").strip().lstrip(".")
    return oid or None


def enterprise_vendor(sys_object_id: str | None) -> str | None:
    """The vendor whose enterprise number sysObjectID sits under.

    >>> enterprise_vendor("1.3.6.1.4.1.2011.2.23.291")
    'Huawei'
    >>> enterprise_vendor("1.3.6.1.4.1.99999.1") is None
    True
    """
    oid = normalise_oid(sys_object_id)
    if not oid or not oid.startswith(ENTERPRISE_PREFIX):
        return None
    number = oid[len(ENTERPRISE_PREFIX) :].split(".")[0]
    return ENTERPRISES.get(int(number)) if number.isdigit() else None


def _under(oid: str | None, prefix: str) -> bool:
    return oid is not None and (oid == prefix or oid.startswith(prefix + "."))


def identify(sys_object_id: str | None, sys_descr: str | None) -> Identity:
    """Vendor, platform, OS family and whether it is a firewall; unknown stays ``other``.

    >>> identify("1.3.6.1.4.1.9.1.2404", "Cisco Adaptive Security Appliance Version 9.12(2)")
    Identity(vendor='Cisco', platform=<Platform.OTHER: 'other'>, os_family='asa', firewall=True)
    >>> identify("1.3.6.1.4.1.25506.11.1.172", "HP Comware Platform Software").platform.value
    'hp_comware'
    >>> identify("1.3.6.1.4.1.9.1.2683", "Cisco IE3200-8T2S 17 12").platform.value
    'other'
    >>> identify(None, None)
    Identity(vendor=None, platform=<Platform.OTHER: 'other'>, os_family=None, firewall=False)
    """
    oid = normalise_oid(sys_object_id)
    descr = sys_descr or ""
    by_number = enterprise_vendor(oid)
    for rule, pattern in _COMPILED:
        if rule.oid is not None and not _under(oid, rule.oid):
            continue
        if pattern is not None and not pattern.search(descr):
            continue
        # A sysDescr pattern never overrides another vendor's own subtree, except for
        # Comware, which HP, HPE and 3Com sell under their own numbers.
        foreign = rule.oid is None and by_number not in (None, rule.vendor)
        if foreign and rule.os_family != "comware":
            continue
        return Identity(by_number or rule.vendor, rule.platform, rule.os_family, rule.firewall)
    return Identity(by_number, Platform.OTHER, None, False)


def is_firewall_os(sys_object_id: str | None, sys_descr: str | None) -> bool:
    """Whether what the device says about itself shows a firewall OS (catalog G6)."""
    return identify(sys_object_id, sys_descr).firewall
