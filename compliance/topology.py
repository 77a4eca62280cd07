"""The store's topology as plain rows: zones, devices, zoned ports, links and MAC sightings.

Loaded once per check with column queries (no ORM objects), so a national store fits in
memory; the isolation predicates (``isolation.py``) build their graph from it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from netcensus.inventory.current import link_is_current, sighting_is_current
from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    LinkKind,
    Severity,
    Verdict,
    ZoneKind,
)
from netcensus.inventory.macs import mac_to_int
from netcensus.inventory.mlps import device_mlps_level
from netcensus.inventory.models import Device, Endpoint, Interface, Link, Site, Zone

from .results import Evidence

NEUTRAL, INT, EXT = 0, 1, 2
SIDE_NAME = {INT: "internal", EXT: "external", NEUTRAL: "other"}
# The Internet sits on the external side: the external network reaches it through its
# own gateways, and anything internal that touches it is a breach.
SIDE_OF_KIND = {ZoneKind.INTERNAL: INT, ZoneKind.EXTERNAL: EXT, ZoneKind.INTERNET: EXT}
# Catalog NET-ISO-04 exclusions: VRRP (v4, v6) and HSRP (v1, v2) virtual MACs.
_VIRTUAL_MAC_PREFIXES = ("00:00:5e:00:01:", "00:00:5e:00:02:", "00:00:0c:07:ac:", "00:00:0c:9f:f")
_MULTICAST_SECOND_DIGIT = list("13579bdf")  # the I/G bit of the first octet
_NOT_HOST_CAPABILITIES = {"bridge", "router", "wlanaccesspoint", "repeater", "docsiscabledevice"}
WIRELESS_IFTYPE = 71  # IF-MIB ieee80211


def side_of(kind: ZoneKind | str | None) -> int:
    return SIDE_OF_KIND.get(ZoneKind(kind), NEUTRAL) if kind else NEUTRAL


def mac_node(mac: str) -> int | None:
    """The graph node of a MAC: a negative int, so it never collides with device nodes.

    >>> mac_node("00:00:00:00:00:01"), mac_node("0000.0000.0001")
    (-2, -2)
    >>> mac_node("not-a-mac") is None
    True
    """
    number = mac_to_int(mac)
    return None if number is None else -(number + 1)


def node_side(node: Any) -> int:
    return node & 3 if isinstance(node, int) and node >= 0 else NEUTRAL


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def is_host(capabilities: Iterable[str]) -> bool:
    """An LLDP/CDP neighbour that is an end host: a station and nothing that forwards."""
    caps = {str(c).lower() for c in capabilities}
    return "station" in caps and not caps & _NOT_HOST_CAPABILITIES


@dataclass(frozen=True)
class TopologyRule:
    """A pack rule of ``kind: topology``: which predicate decides it, and how it is reported."""

    rule_id: str
    pack: str
    predicate: str
    severity: Severity
    min_level: int | None = None  # a subject below this MLPS level is "not applicable"


@dataclass
class Breach:
    """One place where a predicate fails, with the evidence that shows it."""

    subject_kind: str
    subject_key: str
    message: str
    device_id: int | None
    evidence: list[Evidence] = field(default_factory=list)
    zone_kind: str = ZoneKind.INTERNAL.value  # the side a security officer files it under
    verdict: Verdict = Verdict.FAIL  # not-evaluable when a register the store lacks decides


@dataclass(slots=True)
class DeviceRow:
    name: str
    site_id: int | None
    zone_id: int | None
    role: DeviceRole
    mlps_level: int | None


@dataclass(slots=True)
class ZoneRow:
    site_id: int
    name: str
    kind: ZoneKind
    upstream: str | None
    prefixes: list[Any]


@dataclass(slots=True)
class PortRow:
    id: int
    device_id: int
    name: str
    zone_id: int | None
    mode: str | None


@dataclass(slots=True)
class LinkRow:
    id: int
    kind: LinkKind
    a: PortRow
    b: PortRow | None
    remote_chassis_id: str | None
    remote_system_name: str | None
    remote_port: str | None
    remote_capabilities: list[str]
    remote_platform: str | None
    circuit_id: str | None
    evidence: list[str]
    last_seen: dt.datetime | None


def host_sighting_filters() -> list[ColumnElement[bool]]:
    """Where a MAC sighting says "this host is plugged in here" (catalog NET-ISO-04 exclusions).

    Trunk ports, device MACs, virtual-router and multicast MACs are dropped here in SQL; ports
    with an LLDP/CDP neighbour that forwards are dropped afterwards, from the links. A sighting
    its switch no longer reports (the PC was unplugged) is history, not a place.
    """
    mac = Endpoint.mac
    own, device, owner = aliased(Interface), aliased(Device), aliased(Device)
    # A known server's own MAC stays in: a server on both sides is a dual-homed host too.
    network = [role.value for role in DeviceRole if role.is_network_device]
    return [
        sighting_is_current(),
        or_(Interface.mode.is_(None), Interface.mode != "trunk"),
        not_(or_(*(mac.like(f"{prefix}%") for prefix in _VIRTUAL_MAC_PREFIXES))),
        func.substr(mac, 2, 1).not_in(_MULTICAST_SECOND_DIGIT),
        ~select(device.id).where(device.chassis_mac == mac, device.role.in_(network)).exists(),
        ~select(own.id)
        .join(owner, own.device_id == owner.id)
        .where(own.mac == mac, owner.role.in_(network))
        .exists(),
    ]


def mac_text(node: int) -> str:
    """The MAC of a MAC node, as the store writes it (aa:bb:cc:dd:ee:ff)."""
    digits = f"{-node - 1:012x}"
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


class Topology:
    """Zones, devices, sites, zoned ports and links of the store, by id."""

    def __init__(self, session: Session):
        self.session = session
        self.zones: dict[int, ZoneRow] = {
            zid: ZoneRow(site, name, ZoneKind(kind), upstream, list(prefixes or []))
            for zid, site, name, kind, upstream, prefixes in session.execute(
                select(Zone.id, Zone.site_id, Zone.name, Zone.kind, Zone.upstream, Zone.prefixes)
            )
        }
        self.devices: dict[int, DeviceRow] = {
            did: DeviceRow(name, site, zone, DeviceRole(role), level)
            for did, name, site, zone, role, level in session.execute(
                select(
                    Device.id, Device.name, Device.site_id, Device.zone_id, Device.role,
                    Device.mlps_level,
                ).where(Device.status != DeviceStatus.DECOMMISSIONED)
            )
        }  # fmt: skip
        self.sites: dict[int, tuple[str, str | None, str]] = {
            sid: (code, parent, level)
            for sid, code, parent, level in session.execute(
                select(Site.id, Site.code, Site.parent_code, Site.level).where(
                    Site.id.in_(select(Device.site_id).where(Device.site_id.is_not(None)))
                )
            )
        }
        # Interfaces in a zone other than their device's: only these, never all ports.
        self.zoned_ports: dict[int, list[tuple[PortRow, dt.datetime | None]]] = defaultdict(list)
        for pid, did, name, zone_id, mode, seen in session.execute(
            select(
                Interface.id, Interface.device_id, Interface.name, Interface.zone_id,
                Interface.mode, Interface.last_seen,
            ).where(Interface.zone_id.is_not(None))
        ):  # fmt: skip
            if did in self.devices:
                self.zoned_ports[did].append((PortRow(pid, did, name, zone_id, mode), seen))
        # Ports whose addresses sit in another zone's prefix, and ports in no zone's prefix.
        self.derived_zone: dict[int, int] = {}
        self.outside_ports: set[int] = set()
        self._zone_ports_by_prefix()
        self.links = list(self._load_links())
        # Ports facing a switch or router: MACs learned there are not plugged in there.
        self.uplink_ports = {
            port.id
            for link in self.links
            if link.b is not None or not is_host(link.remote_capabilities)
            for port in (link.a, link.b)
            if port is not None
        }

    def _load_links(self) -> Iterator[LinkRow]:
        a, b = aliased(Interface), aliased(Interface)
        rows = self.session.execute(
            select(
                Link.id, Link.kind, Link.remote_chassis_id, Link.remote_system_name,
                Link.remote_port, Link.remote_capabilities, Link.remote_platform,
                Link.circuit_id, Link.evidence, Link.last_seen,
                a.id, a.device_id, a.name, a.zone_id, a.mode,
                b.id, b.device_id, b.name, b.zone_id, b.mode,
            )
            .join(a, Link.a_interface_id == a.id)
            .outerjoin(b, Link.b_interface_id == b.id)
            .where(link_is_current())  # a cable its ends no longer report is history
            .order_by(Link.id)
        )  # fmt: skip
        for row in rows:
            (link_id, kind, chassis, system, remote_port, caps, platform, circuit, how, seen) = row[
                :10
            ]
            near, far = PortRow(*row[10:15]), None if row[15] is None else PortRow(*row[15:20])
            if near.device_id not in self.devices or (far and far.device_id not in self.devices):
                continue  # a decommissioned device's links no longer join anything
            yield LinkRow(
                id=link_id, kind=LinkKind(kind), a=near, b=far, remote_chassis_id=chassis,
                remote_system_name=system, remote_port=remote_port,
                remote_capabilities=list(caps or []), remote_platform=platform,
                circuit_id=circuit, evidence=list(how or []), last_seen=seen,
            )  # fmt: skip

    # -- helpers -------------------------------------------------------------------------

    def zone_of(self, port: PortRow) -> ZoneRow | None:
        zone_id = (
            port.zone_id or self.derived_zone.get(port.id) or self.devices[port.device_id].zone_id
        )
        return self.zones.get(zone_id) if zone_id else None

    def _zone_ports_by_prefix(self) -> None:
        """Catalog ISO-01 Data (IPAM subnet → zone): an address inside a prefix of another zone
        of the device's site puts that interface in that zone (an SVI routing the external
        users' VLAN on an internal core). An address in no zone's prefix marks a port that
        leads out of every declared network. Only addressed ports are read, never all ports.
        """
        by_length: dict[int, dict[Any, list[int]]] = defaultdict(lambda: defaultdict(list))
        for zone_id, zone in self.zones.items():
            for prefix in zone.prefixes:
                try:
                    network = ipaddress.ip_network(str(prefix), strict=False)
                except ValueError:
                    continue  # the inventory loader reports bad prefixes; skip them here
                by_length[network.prefixlen][network].append(zone_id)
        if not by_length:
            return
        rows = self.session.execute(
            select(Interface.id, Interface.device_id, Interface.name, Interface.mode,
                   Interface.addresses, Interface.last_seen)
            .where(Interface.zone_id.is_(None), cast(Interface.addresses, String) != "[]")
        )  # fmt: skip
        for port_id, device_id, name, mode, addresses, seen in rows:
            device = self.devices.get(device_id)
            if device is None or not addresses:
                continue
            found = set()
            for address in addresses:
                try:
                    ip = ipaddress.ip_interface(str(address)).ip
                except ValueError:
                    continue
                for length, networks in by_length.items():
                    if length <= ip.max_prefixlen:
                        key = ipaddress.ip_network((ip, length), strict=False)
                        found.update(networks.get(key, ()))
            if not found:
                if not ipaddress.ip_interface(str(addresses[0])).ip.is_loopback:
                    self.outside_ports.add(port_id)
                continue
            own = self.zones.get(device.zone_id or 0)
            here = [z for z in found if self.zones[z].site_id == device.site_id]
            other = [z for z in here if own is None or self.zones[z].kind != own.kind]
            if other and not (own and device.zone_id in here):
                self.derived_zone[port_id] = other[0]
                port = PortRow(port_id, device_id, name, other[0], mode)
                self.zoned_ports[device_id].append((port, seen))

    def leads_outside(self, link: LinkRow) -> bool:
        """An Internet link, or an uplink to an undeclared router from a port in no zone's prefix
        (catalog G5: a link to an outside party; e.g. a carrier circuit found only by LLDP)."""
        if link.kind == LinkKind.INTERNET:
            return True
        capabilities = {str(c).lower() for c in link.remote_capabilities}
        return link.b is None and "router" in capabilities and link.a.id in self.outside_ports

    def port_side(self, port: PortRow) -> int:
        zone = self.zone_of(port)
        return side_of(zone.kind) if zone else NEUTRAL

    def port_node(self, port: PortRow) -> int:
        return port.device_id * 4 + self.port_side(port)

    def device_side(self, device_id: int) -> int:
        zone_id = self.devices[device_id].zone_id
        return side_of(self.zones[zone_id].kind) if zone_id in self.zones else NEUTRAL

    def site_code(self, device_id: int | None) -> str | None:
        if device_id is None or device_id not in self.devices:
            return None
        site_id = self.devices[device_id].site_id
        return self.sites[site_id][0] if site_id in self.sites else None

    def mlps_level(self, device_id: int | None) -> int | None:
        if device_id is None or device_id not in self.devices:
            return None
        device = self.devices[device_id]
        site = self.sites.get(device.site_id) if device.site_id else None
        return device_mlps_level(device.mlps_level, site[2] if site else None)

    def link_evidence(self, link: LinkRow) -> list[Evidence]:
        how = "/".join(link.evidence) or "store"
        far = (
            f"{self.devices[link.b.device_id].name} {link.b.name}"
            if link.b
            else f"neighbour {link.remote_system_name or link.remote_chassis_id or '?'}"
            f" {link.remote_port or ''}".rstrip()
        )
        near = f"{self.devices[link.a.device_id].name} {link.a.name}"
        items = [
            Evidence(
                kind="link",
                description=f"{link.kind.value} link {near} ↔ {far} ({how})",
                device=self.devices[link.a.device_id].name,
                interface=link.a.name,
                seen_at=iso(link.last_seen),
                zone=SIDE_NAME[self.port_side(link.a)],
            )
        ]
        if link.b is not None:
            items.append(
                Evidence(
                    kind="link",
                    description=f"{link.kind.value} link {far} ↔ {near} ({how})",
                    device=self.devices[link.b.device_id].name,
                    interface=link.b.name,
                    seen_at=iso(link.last_seen),
                    zone=SIDE_NAME[self.port_side(link.b)],
                )
            )
        else:
            items.append(
                Evidence(
                    kind="lldp",
                    description=f"far end not in the store: {far}",
                    mac=link.remote_chassis_id if mac_node(link.remote_chassis_id or "") else None,
                    seen_at=iso(link.last_seen),
                )
            )
        return items

    def sightings_of(self, mac: str, device_id: int | None = None) -> list[Evidence]:
        """Where a MAC was learned on access ports: switch, port, VLAN, side, when."""
        query = (
            select(
                Endpoint.device_id, Interface.id, Interface.name, Interface.zone_id,
                Endpoint.vlan, Endpoint.ip, Endpoint.first_seen, Endpoint.last_seen,
            )
            .outerjoin(Interface, Endpoint.interface_id == Interface.id)
            .where(Endpoint.mac == mac, *host_sighting_filters())
            .order_by(Endpoint.device_id, Interface.name, Endpoint.vlan)
        )  # fmt: skip
        if device_id is not None:
            query = query.where(Endpoint.device_id == device_id)
        evidence = []
        for did, port_id, port, zone_id, vlan, ip, first, last in self.session.execute(query):
            if port_id in self.uplink_ports or did not in self.devices:
                continue
            zone_id = zone_id or self.derived_zone.get(port_id) or self.devices[did].zone_id
            zone = self.zones.get(zone_id or 0)
            where = f"port {port}" if port else "ARP"
            evidence.append(
                Evidence(
                    kind="fdb" if port else "arp",
                    description=(
                        f"{mac}{f' ({ip})' if ip else ''} learned on {where}"
                        f"{f' VLAN {vlan}' if vlan is not None else ''}"
                        f" in zone {zone.name if zone else '?'}, first seen {iso(first)}"
                    ),
                    device=self.devices[did].name,
                    interface=port,
                    mac=mac,
                    seen_at=iso(last),
                    zone=zone.kind.value if zone else None,
                )
            )
        return evidence
