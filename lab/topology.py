"""The lab's network: sites from division codes, devices per site and zone, cabling, hosts.

Everything random comes from one ``random.Random(seed)``, consumed in a fixed order, so
one seed always gives the same network. The builder records facts (who is cabled to
whom, which MAC sits behind which port); the SNMP files, CLI answers, configs and
ground truth are all rendered from these facts, so they cannot disagree.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field

from netcensus.inventory.enums import DeviceRole, Level
from netcensus.lab.state import (
    LabArpEntry,
    LabDevice,
    LabInterface,
    LabMacEntry,
    LabNeighbour,
)

INTERNAL, EXTERNAL = "internal", "external"


# Per zone: users' VLAN, management VLAN and the /10 each site's /24 comes from. Distinct
# VLAN numbers per zone let a checker tell the zones apart on a trunk (catalog ISO-01).
@dataclass(frozen=True)
class ZonePlan:
    user_vlan: int
    mgmt_vlan: int
    pool: ipaddress.IPv4Network  # each site's /24 in this zone comes from here


ZONE_PLAN = {
    INTERNAL: ZonePlan(10, 99, ipaddress.IPv4Network("10.0.0.0/10")),
    EXTERNAL: ZonePlan(20, 98, ipaddress.IPv4Network("10.64.0.0/10")),
}
UNUSED_VLAN = 999
ISP_POOL = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598: carrier uplinks, never routed here
# Agents listen on 127.<block>.0.0/16 (block 20 by default; tests pick a free one so that
# parallel labs never share an address). 127.<block>.255.x holds the real recordings.
DEFAULT_BLOCK = 20
SNMP_PORT, SSH_PORT = 1161, 2222

GBPS, TEN_GBPS = 1_000_000_000, 10_000_000_000


@dataclass(frozen=True)
class Model:
    name: str
    sys_object_id: str
    os_version: str
    port_prefix: str  # interface name before the port number
    speed: int
    ports: int  # ports a fresh chassis shows; more are added by module as links need


@dataclass(frozen=True)
class Vendor:
    name: str
    enterprise: int
    oui: str
    models: dict[str, Model]  # by role key: access, distribution, core, router, firewall


_IOS_XE = "17.9.4a"
VENDORS: dict[str, Vendor] = {
    "cisco_ios": Vendor(
        "Cisco",
        9,
        "00:1b:54",
        {
            "access": Model(
                "WS-C2960X-24TS-L",
                "1.3.6.1.4.1.9.1.1208",
                "15.2(7)E9",
                "GigabitEthernet1/0/",
                GBPS,
                12,
            ),
            "distribution": Model(
                "C9300-24T", "1.3.6.1.4.1.9.1.2494", _IOS_XE, "GigabitEthernet1/0/", GBPS, 12
            ),
            "core": Model(
                "C9500-16X", "1.3.6.1.4.1.9.1.2571", _IOS_XE, "TenGigabitEthernet1/0/", TEN_GBPS, 8
            ),
            "router": Model(
                "ISR4331/K9", "1.3.6.1.4.1.9.1.1861", _IOS_XE, "GigabitEthernet0/0/", GBPS, 4
            ),
            "firewall": Model(
                "ISR4431/K9", "1.3.6.1.4.1.9.1.1862", _IOS_XE, "GigabitEthernet0/0/", GBPS, 4
            ),
        },
    ),
    "huawei_vrp": Vendor(
        "Huawei",
        2011,
        "00:e0:fc",
        {
            "access": Model(
                "S5735-L24T4S-A1",
                "1.3.6.1.4.1.2011.2.23.713",
                "V200R022C00SPC500",
                "GigabitEthernet0/0/",
                GBPS,
                12,
            ),
            "distribution": Model(
                "S5731-H24T4XC",
                "1.3.6.1.4.1.2011.2.23.588",
                "V200R022C00SPC500",
                "GigabitEthernet0/0/",
                GBPS,
                12,
            ),
            "core": Model(
                "S6730-H24X6C",
                "1.3.6.1.4.1.2011.2.23.570",
                "V200R022C00SPC500",
                "XGigabitEthernet0/0/",
                TEN_GBPS,
                8,
            ),
            "router": Model(
                "AR6140-16G4XG",
                "1.3.6.1.4.1.2011.2.224.279",
                "V300R021C10SPC100",
                "GigabitEthernet0/0/",
                GBPS,
                4,
            ),
            "firewall": Model(
                "USG6525E",
                "1.3.6.1.4.1.2011.2.286.1.4",
                "V600R007C20SPC600",
                "GigabitEthernet1/0/",
                GBPS,
                4,
            ),
        },
    ),
    "hp_comware": Vendor(
        "H3C",
        25506,
        "3c:8c:40",
        {
            "access": Model(
                "S5130S-28P-EI",
                "1.3.6.1.4.1.25506.11.1.239",
                "7.1.070, Release 6328P03",
                "GigabitEthernet1/0/",
                GBPS,
                12,
            ),
            "distribution": Model(
                "S5560X-30C-EI",
                "1.3.6.1.4.1.25506.11.1.219",
                "7.1.070, Release 6328P03",
                "GigabitEthernet1/0/",
                GBPS,
                12,
            ),
            "core": Model(
                "S6520X-26C-SI",
                "1.3.6.1.4.1.25506.11.1.260",
                "7.1.070, Release 6328P03",
                "Ten-GigabitEthernet1/0/",
                TEN_GBPS,
                8,
            ),
            "router": Model(
                "MSR3620",
                "1.3.6.1.4.1.25506.11.15.133",
                "7.1.064, Release 0821P16",
                "GigabitEthernet1/0/",
                GBPS,
                4,
            ),
            "firewall": Model(
                "SecPath F1030",
                "1.3.6.1.4.1.25506.11.2.170",
                "7.1.064, Release 9333P30",
                "GigabitEthernet1/0/",
                GBPS,
                4,
            ),
        },
    ),
}
# Hosts that are devices in the inventory but no network platform: served over SNMP only.
HOST_KINDS = {
    DeviceRole.SERVER: ("Dell", 674, "b4:96:91", "PowerEdge R740", "1.3.6.1.4.1.8072.3.2.10"),
    DeviceRole.VIDEO_CONFERENCE: (
        "Polycom",
        13885,
        "00:04:f2",
        "RealPresence Group 500",
        "1.3.6.1.4.1.13885.101",
    ),
    DeviceRole.SATELLITE_STATION: (
        "Hughes",
        1217,
        "00:80:ae",
        "HX200 Satellite Router",
        "1.3.6.1.4.1.1217.2.1",
    ),
}
PC_OUIS = ("f8:bc:12", "54:ee:75", "d4:81:d7")
ROLE_KEY = {
    DeviceRole.ACCESS_SWITCH: "access",
    DeviceRole.DISTRIBUTION_SWITCH: "distribution",
    DeviceRole.CORE_SWITCH: "core",
    DeviceRole.ROUTER: "router",
    DeviceRole.FIREWALL: "firewall",
}
ROLE_SHORT = {
    DeviceRole.ACCESS_SWITCH: "acc",
    DeviceRole.DISTRIBUTION_SWITCH: "dist",
    DeviceRole.CORE_SWITCH: "core",
    DeviceRole.ROUTER: "rtr",
    DeviceRole.FIREWALL: "fw",
    DeviceRole.SERVER: "srv",
    DeviceRole.VIDEO_CONFERENCE: "vc",
    DeviceRole.SATELLITE_STATION: "sat",
}


@dataclass
class Site:
    code: str
    name: str
    level: Level
    parent: str | None
    index: int  # position in the address plan
    zones: list[str]
    satellite: bool = False

    @property
    def mlps_level(self) -> int:
        return Level.default_mlps_level(self.level)

    def lan(self, zone: str) -> ipaddress.IPv4Network:
        """The site's /24 in that zone (its users, management, transit and WAN /30s)."""
        pool = ZONE_PLAN[zone].pool
        return ipaddress.IPv4Network(f"{pool.network_address + 256 * self.index}/24")


@dataclass
class ConfigFlags:
    """Deviations from the hardened template; each is a planted fault."""

    telnet: bool = False
    default_communities: bool = False
    weak_auth: bool = False
    no_logging: bool = False
    no_ntp: bool = False
    exec_timeout_off: bool = False


@dataclass
class DeviceRecord:
    """What the generator knows about a device beyond what the simulators serve."""

    device: LabDevice
    site: Site
    vendor: str
    index: int  # position within its site, zone and role (1-based)
    mgmt_ip: str  # the device's own address inside its zone (loopback or mgmt SVI)
    flags: ConfigFlags = field(default_factory=ConfigFlags)
    routes: list[tuple[str, str]] = field(default_factory=list)  # (prefix, next hop)
    gateway_of: list[int] = field(default_factory=list)  # VLANs it routes for (SVI)
    vrrp_priority: int | None = None  # set on cores of a redundant pair
    next_port: int = 1


@dataclass
class Link:
    a_device: str
    a_interface: str
    b_device: str
    b_interface: str
    kind: str  # lan / wan / internet
    lldp: bool = True  # False where LLDP is disabled (hardened Internet edge)
    b_external: bool = False  # b is outside the lab (an ISP's CPE)


@dataclass
class Endpoint:
    name: str
    kind: str  # pc / server / video-conference / satellite-station
    mac: str
    ip: str
    switch: str
    port: str
    vlan: int
    zone: str
    site: str


class Builder:
    """Accumulates devices, links and endpoints; ``rng`` is the only source of chance."""

    def __init__(self, seed: int, block: int = DEFAULT_BLOCK) -> None:
        if not 1 <= block <= 254:
            raise ValueError("the address block is the second octet of 127.x: 1..254")
        self.rng = random.Random(seed)
        self.block = block
        self.records: dict[str, DeviceRecord] = {}
        self.links: list[Link] = []
        self.endpoints: list[Endpoint] = []
        self._device_count = 0
        self._mac_count = 0
        self._isp_count = 0
        self._transit: dict[tuple[str, str], int] = {}
        self._per_zone: dict[tuple[str, str], int] = {}
        # (device, interface) of each Internet uplink -> whether LLDP runs on it
        self.internet_ports: dict[tuple[str, str], bool] = {}

    # --- identities --------------------------------------------------------------------

    def _mac(self, oui: str) -> str:
        self._mac_count += 1
        n = self._mac_count * 64  # room for 64 interface MACs per chassis
        return f"{oui}:{(n >> 16) & 255:02x}:{(n >> 8) & 255:02x}:{n & 255:02x}"

    def _serial(self, vendor: str) -> str:
        digits = "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
        return {"Cisco": "FOC", "Huawei": "2102", "H3C": "219801A"}.get(vendor, "SN") + digits

    def _secret(self, length: int = 16) -> str:
        alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def lab_address(self) -> str:
        self._device_count += 1
        k = self._device_count
        return f"127.{self.block}.{k // 250}.{k % 250 + 1}"

    # --- devices -----------------------------------------------------------------------

    def add_device(
        self, site: Site, zone: str, role: DeviceRole, index: int, platform: str | None
    ) -> DeviceRecord:
        name = f"s{site.code}-{zone[:3]}-{ROLE_SHORT[role]}{index}"
        # Management addresses: .161 upwards in the site's /24, one per device of the zone.
        counted = self._per_zone.get((site.code, zone), 0) + 1
        self._per_zone[(site.code, zone)] = counted
        mgmt_ip = str(site.lan(zone).network_address + 160 + counted)
        if platform is not None:
            vendor = VENDORS[platform]
            model = vendor.models[ROLE_KEY[role]]
            vendor_name, oui, sys_object_id = vendor.name, vendor.oui, model.sys_object_id
            model_name, os_version = model.name, model.os_version
        else:
            vendor_name, _, oui, model_name, sys_object_id = HOST_KINDS[role]
            os_version = {
                "Dell": "Linux 5.15.0-91-generic",
                "Polycom": "6.2.2.4",
                "Hughes": "HX 6.8.0.9",
            }[vendor_name]
        device = LabDevice(
            name=name,
            site_code=site.code,
            zone=zone,
            role=role.value,
            platform=platform or "other",
            address=self.lab_address(),
            snmp_port=SNMP_PORT,
            ssh_port=SSH_PORT,
            model=model_name,
            serial=self._serial(vendor_name),
            os_version=os_version,
            chassis_mac=self._mac(oui),
            sys_object_id=sys_object_id,
            sys_descr="",  # filled by the renderer once the platform text is known
            community="",
            v3_user="",
            v3_auth_key="",
            v3_priv_key="",
            ssh_username="",
            ssh_password="",
            enable_secret="",
            running_config="",
            ssh_enabled=platform is not None,
        )
        record = DeviceRecord(device, site, vendor_name, index, mgmt_ip)
        self.records[name] = record
        if platform is not None:
            model = VENDORS[platform].models[ROLE_KEY[role]]
            for _ in range(model.ports):
                self._new_port(record)
        else:
            self._new_port(record)
        return record

    def _new_port(self, record: DeviceRecord) -> LabInterface:
        device = record.device
        n = record.next_port
        record.next_port += 1
        if device.platform == "other":
            name, speed = f"eth{n - 1}", GBPS
        else:
            model = VENDORS[device.platform].models[ROLE_KEY[DeviceRole(device.role)]]
            # Past the fixed ports, links land on extra modules of the same kind.
            module, port = divmod(n - 1, 24)
            prefix = model.port_prefix
            if module:
                parts = prefix.rstrip("/").split("/")
                parts[-1] = str(int(parts[-1]) + module)
                prefix = "/".join(parts) + "/"
            name, speed = f"{prefix}{port + 1}", model.speed
        interface = LabInterface(
            name=name,
            if_index=len(device.interfaces) + 1,
            speed=speed,
            mac=_offset_mac(device.chassis_mac, len(device.interfaces) + 1),
            admin_up=False,
            oper_up=False,
            mode="access",
            vlan=UNUSED_VLAN,
        )
        device.interfaces.append(interface)
        return interface

    def free_port(self, record: DeviceRecord) -> LabInterface:
        """The first unused physical port, adding one when the chassis is full."""
        for interface in record.device.interfaces:
            if not interface.admin_up and interface.vlan == UNUSED_VLAN and _physical(interface):
                return interface
        return self._new_port(record)

    def add_logical(
        self,
        record: DeviceRecord,
        name: str,
        address: str | None,
        vlan: int = 1,
        zone: str | None = None,
    ) -> LabInterface:
        device = record.device
        interface = LabInterface(
            name=name,
            if_index=len(device.interfaces) + 1,
            speed=GBPS,
            mac=device.chassis_mac,
            mode="routed",
            vlan=vlan,
            address=address,
            zone=zone,
        )
        device.interfaces.append(interface)
        return interface

    # --- cabling -----------------------------------------------------------------------

    def cable(
        self,
        a: DeviceRecord,
        b: DeviceRecord,
        kind: str = "lan",
        mode: str = "trunk",
        vlan: int = 1,
        routed: bool = False,
    ) -> tuple[LabInterface, LabInterface]:
        """Connect a free port of ``a`` to a free port of ``b``; both see each other by LLDP.

        ``routed`` gives the two ends a /30 from the lower site's transit space.
        """
        end_a, end_b = self.free_port(a), self.free_port(b)
        for end, peer in ((end_a, b), (end_b, a)):
            end.admin_up = end.oper_up = True
            end.mode = "routed" if routed else mode
            end.vlan = 1 if routed else vlan
            end.description = f"to {peer.device.name}"
        if routed:
            low, high = self._transit_pair(a, b, kind)
            end_a.address, end_b.address = f"{low}/30", f"{high}/30"
        self.links.append(Link(a.device.name, end_a.name, b.device.name, end_b.name, kind))
        self._neighbour(a, end_a, b, end_b)
        self._neighbour(b, end_b, a, end_a)
        return end_a, end_b

    def _transit_pair(self, a: DeviceRecord, b: DeviceRecord, kind: str) -> tuple[str, str]:
        # The lower (child) site owns the /30: WAN links from .224/27, site links from .192/27.
        owner = a if len(a.site.code) >= len(b.site.code) else b
        lan = owner.site.lan(owner.device.zone)
        base = 224 if kind == "wan" else 192
        key = (owner.site.code + owner.device.zone, kind)
        slot = self._transit.get(key, 0)
        self._transit[key] = slot + 1
        if slot >= 8:
            raise ValueError(f"transit space of {owner.site.code} {owner.device.zone} exhausted")
        first = lan.network_address + base + 4 * slot
        return str(first + 1), str(first + 2)

    def _neighbour(
        self,
        local: DeviceRecord,
        local_if: LabInterface,
        remote: DeviceRecord,
        remote_if: LabInterface,
    ) -> None:
        local.device.neighbours.append(
            LabNeighbour(
                local_interface=local_if.name,
                remote_device=remote.device.name,
                remote_interface=remote_if.name,
                remote_chassis_mac=remote.device.chassis_mac,
                remote_mgmt_address=remote.device.address,
                remote_capabilities=capabilities(remote.device),
                remote_platform=remote.device.model,
            )
        )

    def internet_uplink(self, record: DeviceRecord, lldp: bool = False) -> LabInterface:
        """An uplink to an ISP's CPE; the CPE is outside the lab (no agent)."""
        self._isp_count += 1
        port = self.free_port(record)
        subnet = ipaddress.ip_network(f"{ISP_POOL.network_address + 4 * self._isp_count}/30")
        port.admin_up = port.oper_up = True
        port.mode = "routed"
        port.vlan = 1
        port.address = f"{subnet.network_address + 2}/30"
        cpe = f"isp-cpe-{self._isp_count}"
        port.description = f"Internet uplink {cpe}"
        self.links.append(
            Link(
                record.device.name,
                port.name,
                cpe,
                "GigabitEthernet0/0/0",
                "internet",
                lldp=lldp,
                b_external=True,
            )
        )
        self.internet_ports[(record.device.name, port.name)] = lldp
        if lldp:
            record.device.neighbours.append(
                LabNeighbour(
                    local_interface=port.name,
                    remote_device=cpe,
                    remote_interface="GigabitEthernet0/0/0",
                    remote_chassis_mac=self._mac("00:25:9e"),
                    remote_mgmt_address=None,
                    remote_capabilities=["router"],
                    remote_platform="ISP CPE",
                )
            )
        record.routes.append(("0.0.0.0/0", str(subnet.network_address + 1)))
        return port

    # --- hosts -------------------------------------------------------------------------

    def attach_host(
        self,
        switch: DeviceRecord,
        site: Site,
        zone: str,
        name: str,
        kind: str,
        mac: str,
        host_number: int,
        port: LabInterface | None = None,
    ) -> Endpoint:
        """A host on an access port of ``switch``; the switches above learn its MAC."""
        vlan = ZONE_PLAN[zone].user_vlan
        port = port or self.free_port(switch)
        port.admin_up = port.oper_up = True
        port.mode, port.vlan = "access", vlan
        port.description = f"host {name}"
        ip = str(site.lan(zone).network_address + 10 + host_number)
        switch.device.mac_table.append(LabMacEntry(mac, port.name, vlan))
        for neighbour in switch.device.neighbours:  # one hop up: the uplink switches
            upper = self.records.get(neighbour.remote_device)
            if (
                upper
                and upper.device.role in (DeviceRole.CORE_SWITCH, DeviceRole.DISTRIBUTION_SWITCH)
                and upper.device.zone == switch.device.zone
            ):
                upper.device.mac_table.append(LabMacEntry(mac, neighbour.remote_interface, vlan))
        for gateway in self.gateways(site, zone):
            svi = next(
                i
                for i in gateway.device.interfaces
                if i.address and i.vlan == vlan and i.mode == "routed"
            )
            gateway.device.arp_table.append(LabArpEntry(ip, mac, svi.name))
        endpoint = Endpoint(
            name, kind, mac, ip, switch.device.name, port.name, vlan, zone, site.code
        )
        self.endpoints.append(endpoint)
        return endpoint

    def attach_host_device(
        self, switch: DeviceRecord, record: DeviceRecord, host_number: int
    ) -> Endpoint:
        """A server / video endpoint / satellite station: an endpoint that also runs LLDP."""
        nic = record.device.interfaces[0]
        switch_port = self.free_port(switch)
        endpoint = self.attach_host(
            switch,
            record.site,
            record.device.zone,
            record.device.name,
            record.device.role,
            nic.mac,
            host_number,
            switch_port,
        )
        nic.admin_up = nic.oper_up = True
        nic.address = f"{endpoint.ip}/25"
        nic.mode, nic.vlan = "routed", endpoint.vlan
        nic.description = f"to {switch.device.name}"
        self.links.append(
            Link(switch.device.name, switch_port.name, record.device.name, nic.name, "lan")
        )
        self._neighbour(switch, switch_port, record, nic)
        self._neighbour(record, nic, switch, switch_port)
        return endpoint

    def gateways(self, site: Site, zone: str) -> list[DeviceRecord]:
        vlan = ZONE_PLAN[zone].user_vlan
        return [
            r
            for r in self.records.values()
            if r.site is site and r.device.zone == zone and vlan in r.gateway_of
        ]

    def pc_mac(self) -> str:
        return self._mac(self.rng.choice(PC_OUIS))

    def credentials(self) -> dict[str, str]:
        """Fresh secrets (drawn from the seeded generator, so reproducible)."""
        return {
            "community": "nc-" + self._secret(12),
            "v3_auth_key": self._secret(20),
            "v3_priv_key": self._secret(20),
            "ssh_password": self._secret(16),
            "enable_secret": self._secret(16),
        }


def capabilities(device: LabDevice) -> list[str]:
    role = DeviceRole(device.role)
    if role in (DeviceRole.ACCESS_SWITCH, DeviceRole.DISTRIBUTION_SWITCH):
        return ["bridge"]
    if role is DeviceRole.CORE_SWITCH:
        return ["bridge", "router"]
    if role is DeviceRole.VIDEO_CONFERENCE:
        return ["telephone"]
    if role is DeviceRole.SERVER:
        return ["station"]
    return ["router"]


def _offset_mac(mac: str, offset: int) -> str:
    value = int(mac.replace(":", ""), 16) + offset
    raw = f"{value:012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def _physical(interface: LabInterface) -> bool:
    return not interface.name.startswith(
        ("Vlan", "Vlanif", "Vlan-interface", "Loopback", "LoopBack", "Null")
    )


def is_physical(interface: LabInterface) -> bool:
    return _physical(interface)
