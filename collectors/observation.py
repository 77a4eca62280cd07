"""What a collector saw on one device: plain, JSON-serialisable data, no database.

A poller on another network writes these to a file (or the REST API); the
central side reconciles them into the store. Field names follow the MIBs
they come from where there is one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ObservedInterface:
    name: str
    if_index: int | None = None
    description: str | None = None
    alias: str | None = None
    if_type: int | None = None
    speed: int | None = None  # bits per second
    mtu: int | None = None
    admin_status: str | None = None  # up / down / testing
    oper_status: str | None = None
    mac: str | None = None  # aa:bb:cc:dd:ee:ff
    addresses: list[str] = field(default_factory=list)  # "10.0.0.1/24"
    vlans: list[int] = field(default_factory=list)
    mode: str | None = None  # access / trunk / routed


@dataclass
class ObservedNeighbour:
    """One LLDP or CDP neighbour entry as the local device reports it."""

    protocol: str  # lldp / cdp
    local_interface: str
    remote_chassis_id: str | None = None  # MAC (aa:bb:..) when the chassis id is a MAC
    remote_system_name: str | None = None
    remote_port: str | None = None  # port id or description, as given
    remote_port_description: str | None = None
    remote_mgmt_address: str | None = None
    remote_platform: str | None = None
    remote_capabilities: list[str] = field(
        default_factory=list
    )  # bridge, router, wlanAccessPoint, station...


@dataclass
class ObservedMac:
    """A forwarding-database entry: this MAC was learned on this port."""

    mac: str
    interface: str | None  # local interface name (bridge port mapped to ifIndex to name)
    vlan: int | None = None
    static: bool = False


@dataclass
class ObservedArp:
    ip: str
    mac: str
    interface: str | None = None


@dataclass
class ObservedVlan:
    """A VLAN the device defines (Q-BRIDGE names, `show vlan brief`, `display vlan`)."""

    vid: int
    name: str | None = None


@dataclass
class CollectionError:
    """A problem that did not stop collection: which part, a code, and what happened."""

    part: str  # system / interfaces / lldp / fdb / config / ...
    code: str  # timeout / auth / refused / malformed / unsupported / ...
    message: str


@dataclass
class Observation:
    """Everything collected from one device by one method in one attempt."""

    target: str  # the declared device name, or the address when undeclared
    address: str
    method: str  # snmp / ssh / ansible
    started_at: dt.datetime
    duration_ms: int = 0
    ok: bool = True  # False: the device could not be collected at all (see error_code)
    error_code: str | None = None  # timeout / auth / refused / malformed / unreachable
    error: str | None = None
    platform: str | None = None
    sys_name: str | None = None
    sys_descr: str | None = None
    sys_object_id: str | None = None
    sys_location: str | None = None
    sys_contact: str | None = None
    uptime_s: float | None = None
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    os_version: str | None = None
    chassis_mac: str | None = None
    interfaces: list[ObservedInterface] = field(default_factory=list)
    neighbours: list[ObservedNeighbour] = field(default_factory=list)
    fdb: list[ObservedMac] = field(default_factory=list)
    arp: list[ObservedArp] = field(default_factory=list)
    vlans: list[ObservedVlan] = field(default_factory=list)
    config: str | None = None  # running config, secrets already redacted
    errors: list[CollectionError] = field(default_factory=list)
    # Parts read to their end (lldp / cdp / fdb / arp ...): an empty table here is a real
    # "nothing there", so what the device reported before and not now is gone. A part not
    # listed (not asked, cut short, older poller) proves nothing.
    collected: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["started_at"] = self.started_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Observation:
        data = dict(data)
        data["started_at"] = dt.datetime.fromisoformat(data["started_at"])
        data["interfaces"] = [ObservedInterface(**i) for i in data.get("interfaces", [])]
        data["neighbours"] = [ObservedNeighbour(**n) for n in data.get("neighbours", [])]
        data["fdb"] = [ObservedMac(**m) for m in data.get("fdb", [])]
        data["arp"] = [ObservedArp(**a) for a in data.get("arp", [])]
        data["vlans"] = [ObservedVlan(**v) for v in data.get("vlans", [])]
        data["errors"] = [CollectionError(**e) for e in data.get("errors", [])]
        return cls(**data)
