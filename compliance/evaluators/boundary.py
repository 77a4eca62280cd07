"""Boundary (external) interfaces, catalog G5.

The store decides when it has data for the device (links of kind internet, to another zone
or an outside party, firewall zones untrust/outside). Only without store data do the config
heuristics apply: NAT outside, a public address on the interface that carries the default
route, or a firewall zone named untrust/outside. A heuristic result says so.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from netcensus.compliance.evaluators.common import Facts, Line, ParsedConfig, Section, is_private
from netcensus.inventory.enums import Platform

_INTERFACE = re.compile(r"^interface (\S+)")
_IOS_ADDRESS = re.compile(r"^ip address (\d+\.\d+\.\d+\.\d+) (\d+\.\d+\.\d+\.\d+)")
_IOS_DEFAULT = re.compile(
    r"^ip route (?:vrf \S+ )?0\.0\.0\.0 0\.0\.0\.0 (?P<first>\S+)"
    r"(?: (?P<second>\d+\.\d+\.\d+\.\d+))?"
)
_HASH_DEFAULT = re.compile(
    r"^ip route-static (?:vpn-instance \S+ )?0\.0\.0\.0 (?:0\.0\.0\.0|0) (?P<first>\S+)"
    r"(?: (?P<second>\d+\.\d+\.\d+\.\d+))?"
)
_IOS_NAT = r"^ip nat outside$"
_HASH_NAT = r"^nat outbound\b"
_UNTRUST = re.compile(r"(?i)\b(untrust|outside)\b")


@dataclass(frozen=True)
class BoundaryInterface:
    section: Section
    reason: str
    heuristic: bool

    @property
    def name(self) -> str:
        return self.section.header.text.split(maxsplit=1)[1]


def _routed_address(section: Section) -> ipaddress.IPv4Interface | None:
    line = section.first(_IOS_ADDRESS)
    if not line:
        return None
    address, mask = line.text.split()[2:4]
    return ipaddress.IPv4Interface(f"{address}/{mask}")


def _mask_or_length(raw: str) -> str:
    return raw if "." in raw else str(int(raw))


def _hash_address(section: Section) -> ipaddress.IPv4Interface | None:
    line = section.first(r"^ip address (\d+\.\d+\.\d+\.\d+) (\S+)$")
    if not line:
        return None
    address, mask = line.text.split()[2:4]
    return ipaddress.IPv4Interface(f"{address}/{_mask_or_length(mask)}")


def _default_route_targets(cfg: ParsedConfig) -> list[str]:
    pattern = _IOS_DEFAULT if cfg.platform is Platform.CISCO_IOS else _HASH_DEFAULT
    targets: list[str] = []
    for line in cfg.lines(pattern, top=True):
        match = pattern.match(line.text)
        assert match  # the line was selected by this pattern
        targets.extend(t for t in (match.group("first"), match.group("second")) if t)
    return targets


def _carries_default(
    name: str, address: ipaddress.IPv4Interface | None, targets: list[str]
) -> bool:
    for target in targets:
        if target == name:
            return True
        try:
            hop = ipaddress.ip_address(target)
        except ValueError:
            continue
        if address is not None and hop in address.network:
            return True
    return False


def _zone_members(cfg: ParsedConfig) -> set[str]:
    """Interfaces put in a firewall zone named untrust/outside (IOS ZBF, VRP, Comware)."""
    members: set[str] = set()
    zone_member = r"^zone-member security (?i:outside|untrust)\b"
    if cfg.has(zone_member):  # rare: otherwise no need to look into every interface
        for section in cfg.sections(r"^interface \S+"):
            if section.has(zone_member):
                members.add(section.name.split(maxsplit=1)[1])
    for zone in cfg.sections(r"^(firewall zone|security-zone name|zone name) \S+"):
        if _UNTRUST.search(zone.name):
            for line in zone.lines(r"^(add|import) interface (\S+)"):
                members.add(line.text.split()[2])
    return members


def boundary_interfaces(cfg: ParsedConfig, facts: Facts) -> list[BoundaryInterface]:
    """The device's boundary interfaces: from the store when it knows, else config heuristics.

    >>> cfg = ParsedConfig("interface Gi0/0\\n ip address 203.0.113.2 255.255.255.252\\n"
    ...                    " ip nat outside\\ninterface Gi0/1\\n ip address 10.0.0.1 255.0.0.0\\n"
    ...                    "ip route 0.0.0.0 0.0.0.0 203.0.113.1\\n", Platform.CISCO_IOS)
    >>> [(b.name, b.heuristic) for b in boundary_interfaces(cfg, Facts(Platform.CISCO_IOS))]
    [('Gi0/0', True)]
    """
    # Several rules ask (services, filters, uRPF, LLDP): work it out once per device.
    key = ("boundary-interfaces", facts.boundary_interfaces)
    return list(cfg.derived(key, lambda: _boundary_interfaces(cfg, facts)))


def _boundary_interfaces(cfg: ParsedConfig, facts: Facts) -> list[BoundaryInterface]:
    sections = [
        s
        for s in cfg.sections(_INTERFACE)
        if s.header.text.startswith("interface ") and len(s.header.text.split()) == 2
    ]
    if facts.boundary_interfaces is not None:
        known = {name.lower() for name in facts.boundary_interfaces}
        return [
            BoundaryInterface(s, "store: link to the Internet, another zone or outside", False)
            for s in sections
            if s.name.split()[1].lower() in known
        ]
    targets = _default_route_targets(cfg)
    zoned = _zone_members(cfg)
    nat: str | None = _IOS_NAT if cfg.platform is Platform.CISCO_IOS else _HASH_NAT
    if not cfg.has(nat):
        nat = None  # no NAT line anywhere: no need to look in every interface
    found: list[BoundaryInterface] = []
    for section in sections:
        name = section.name.split()[1]
        reason = _heuristic_reason(cfg.platform, section, name, targets, zoned, nat)
        if reason:
            found.append(BoundaryInterface(section, f"config heuristic: {reason}", True))
    return found


def _heuristic_reason(
    platform: Platform,
    section: Section,
    name: str,
    targets: list[str],
    zoned: set[str],
    nat: str | None,
) -> str | None:
    """Why a config says this interface faces outside, or None.

    ``nat`` is the platform's outside-NAT pattern, None when the config has no such line.
    """
    if nat is not None and section.has(nat):
        return "ip nat outside" if nat == _IOS_NAT else "nat outbound"
    if name in zoned:
        return "firewall zone untrust/outside"
    if not targets:
        return None  # no default route: no interface carries it
    if re.match(r"(?i)(loopback|null|vlan|vlanif|vlan-interface|tunnel)", name):
        return None
    address = _routed_address(section) if platform is Platform.CISCO_IOS else _hash_address(section)
    if address is None or is_private(str(address.ip)):
        return None
    if _carries_default(name, address, targets):
        return f"public address {address.ip} carrying the default route"
    return None


def describe(interface: BoundaryInterface) -> Line:
    """The interface header as a config line for evidence."""
    return Line(interface.section.header.number, f"{interface.section.name} ({interface.reason})")
