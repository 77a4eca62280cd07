"""Matching rules shared by reconciliation and lookups: pure functions, no database.

How two reports name the same thing: a MAC in any spelling, an interface in any
vendor's abbreviation, a host name with or without its domain, an LLDP/CDP port id that
is a name, a description, an ifIndex or a MAC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from netutils.interface import canonical_interface_name

from netcensus.collectors.observation import ObservedNeighbour
from netcensus.inventory.enums import LinkEvidence
from netcensus.inventory.macs import normalise_mac
from netcensus.inventory.models import Interface, Link

# LLDP/CDP capabilities of a neighbour that make the port an uplink, not an endpoint port.
INFRASTRUCTURE_CAPABILITIES = {
    "bridge", "router", "switch", "trans-bridge", "source-route-bridge", "wlanaccesspoint",
}  # fmt: skip
EVIDENCE_ORDER = [e.value for e in LinkEvidence]
_VLAN_IN_NAME = re.compile(r"vlan\D*(\d+)$", re.IGNORECASE)
# VRP appends the port's speed to some names in its CLI: GigabitEthernet0/0/1(10G).
_SPEED_SUFFIX = re.compile(r"\s*\(\d+(?:\.\d+)?[GM]\)$")
# Forwarding-table "ports" that are the switch itself, not a place a host is plugged in.
_PSEUDO_PORTS = re.compile(r"^(cpu|router|switch|drop|self|sup-eth\d*|stackport)$", re.I)


def device_interface_name(name: str) -> str:
    """An interface name as the store keeps it, whichever method reported it.

    >>> device_interface_name("XGigabitEthernet0/0/1(10G)")
    'XGigabitEthernet0/0/1'
    >>> device_interface_name("Gi0/1")
    'Gi0/1'
    """
    return _SPEED_SUFFIX.sub("", name.strip())


def is_host_mac(mac: str) -> bool:
    """Whether a MAC can be a host's: multicast and broadcast addresses never are.

    >>> is_host_mac("00:11:22:33:44:55"), is_host_mac("01:00:5e:00:00:01")
    (True, False)
    >>> is_host_mac("ff:ff:ff:ff:ff:ff")
    False
    """
    return not int(mac[:2], 16) & 1


def is_pseudo_port(name: str | None) -> bool:
    """A forwarding entry on the CPU, the router or the switch itself: not an endpoint port.

    >>> is_pseudo_port("CPU"), is_pseudo_port("Router"), is_pseudo_port("Gi0/1")
    (True, True, False)
    """
    return bool(name) and bool(_PSEUDO_PORTS.match(name.strip()))  # type: ignore[union-attr]


def interface_key(name: str | None) -> str:
    """A spelling-independent key for an interface name: Gi0/1 and GigabitEthernet0/1 agree.

    >>> interface_key("Gi0/1") == interface_key("GigabitEthernet0/1")
    True
    >>> interface_key("GE0/0/1") == interface_key("GigabitEthernet0/0/1")
    True
    >>> interface_key("XGE1/0/1") == interface_key("Ten-GigabitEthernet1/0/1")
    True
    """
    if not name:
        return ""
    canonical = canonical_interface_name(
        device_interface_name(name), addl_name_map={"XGE": "TenGigabitEthernet"}
    )
    return canonical.lower().replace("-", "").replace(" ", "")


def is_infrastructure(capabilities: Iterable[str]) -> bool:
    """Whether an LLDP/CDP neighbour with these capabilities makes its port an uplink.

    A phone (even with its built-in bridge for the PC behind it) or a station is not; a
    neighbour that states no capabilities at all is taken for a network device, because
    PCs rarely speak LLDP and many switches leave the capability fields out.

    >>> is_infrastructure(["bridge", "router"]), is_infrastructure(["bridge", "telephone"])
    (True, False)
    >>> is_infrastructure([]), is_infrastructure(["station"])
    (True, False)
    """
    wanted = {c.lower() for c in capabilities}
    if "telephone" in wanted:
        return False
    return not wanted or bool(wanted & INFRASTRUCTURE_CAPABILITIES)


def short_name(name: str) -> str:
    """sysName is often a FQDN (sw1.example.gov.cn); inventories name the host part."""
    return name.strip().split(".")[0].lower()


def match_port(
    interfaces: Sequence[Interface], port: str | None, description: str | None
) -> Interface | None:
    """The interface an LLDP/CDP port id names: by name, ifDescr, ifAlias, ifIndex or MAC."""
    for value in (port, description):
        key = interface_key(value)
        if not key:
            continue
        for iface in interfaces:
            if interface_key(iface.name) == key:
                return iface
    for value in (port, description):
        if not value:
            continue
        by_text = [i for i in interfaces if value in {i.description, i.alias}]
        if len(by_text) == 1:
            return by_text[0]
    if port and port.isdigit():
        by_index = [i for i in interfaces if i.if_index == int(port)]
        if len(by_index) == 1:
            return by_index[0]
    port_mac = normalise_mac(port)
    if port_mac:
        by_mac = [i for i in interfaces if i.mac == port_mac]
        if len(by_mac) == 1:
            return by_mac[0]
    return None


def port_label(neighbour: ObservedNeighbour) -> str | None:
    """The most name-like port id: LLDP port ids are sometimes a MAC or a bare ifIndex."""
    port, description = neighbour.remote_port, neighbour.remote_port_description
    if port and (normalise_mac(port) or port.isdigit()) and description:
        return description
    return port or description


def same_remote(link: Link, neighbour: ObservedNeighbour) -> bool:
    """Whether a one-sided link already records this neighbour (LLDP and CDP agree)."""
    if interface_key(link.remote_port) != interface_key(port_label(neighbour)):
        return False
    ours = {normalise_mac(link.remote_chassis_id), short_name(link.remote_system_name or "")}
    theirs = {
        normalise_mac(neighbour.remote_chassis_id),
        short_name(neighbour.remote_system_name or ""),
    }
    ours -= {None, ""}
    theirs -= {None, ""}
    # CDP gives only a name, LLDP sometimes only a chassis MAC: no identity conflicts then.
    return not ours or not theirs or bool(ours & theirs)


def with_evidence(evidence: Iterable[str], protocol: str) -> list[str]:
    merged = set(evidence) | {protocol.lower()}
    return sorted(merged, key=lambda e: (EVIDENCE_ORDER.index(e) if e in EVIDENCE_ORDER else 99, e))


def vlan_from_name(name: str | None) -> int | None:
    """The VLAN of an SVI name, whatever the vendor calls it.

    >>> vlan_from_name("Vlan10"), vlan_from_name("Vlanif20"), vlan_from_name("Vlan-interface30")
    (10, 20, 30)
    >>> vlan_from_name("GigabitEthernet0/1") is None
    True
    """
    match = _VLAN_IN_NAME.search(name or "")
    return int(match.group(1)) if match else None
