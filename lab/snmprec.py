"""Render a lab device's SNMP view as an snmpsim ``.snmprec`` file.

Tables: SNMPv2-MIB system group, IF-MIB ifTable + ifXTable, IP-MIB ipAddrTable and
ipNetToMediaTable (ARP), ENTITY-MIB entPhysicalTable, LLDP-MIB local system, local
ports, remote systems and their management addresses, BRIDGE-MIB base ports and
(Cisco) dot1dTpFdbTable or (Huawei, H3C) Q-BRIDGE dot1qTpFdbTable. Tables are kept to
what a collector needs: snmpsim spends ~0.2 ms per value served.

Format: ``OID|tag|value`` sorted by OID; tag ``4x`` means the value is hex, used for
any text that is not plain printable ASCII (CR/LF in sysDescr, Chinese locations, MACs).
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress

from netcensus.inventory.enums import DeviceRole
from netcensus.lab.state import LabDevice, LabInterface
from netcensus.lab.topology import is_physical

MIB2 = (1, 3, 6, 1, 2, 1)
LLDP = (1, 0, 8802, 1, 1, 2, 1)
# LLDP-MIB LldpSystemCapabilitiesMap bits, most significant bit first.
CAPABILITY_BITS = {
    "other": 0,
    "repeater": 1,
    "bridge": 2,
    "wlanAccessPoint": 3,
    "router": 4,
    "telephone": 5,
    "docsis": 6,
    "station": 7,
}
VENDOR_NAMES = {"cisco_ios": "Cisco", "huawei_vrp": "Huawei", "hp_comware": "H3C"}
# CISCO-CDP-MIB cdpCacheCapabilities flags for the LLDP capability names.
CDP_FLAGS = {"router": 0x01, "bridge": 0x08, "station": 0x10, "telephone": 0x80}
# What the SNMP quirks (lab/faults.py SNMP_QUIRKS) put on the wire.
GBK_LOCATION_SUFFIX = " 网络机房"
GBK_CONTACT = "网络管理中心"
GBK_ALIAS_SUFFIX = " 上联"
COUNTER64_MAX = 2**64 - 1
LLDP_PORT_ID_PADDED = 16  # octets, NUL-filled
_FDB_PORT_COLUMNS = (
    (*(1, 3, 6, 1, 2, 1), 17, 7, 1, 2, 2, 1, 2),
    (*(1, 3, 6, 1, 2, 1), 17, 4, 3, 1, 2),
)

Row = tuple[tuple[int, ...], str, str]


def octets(text: str | bytes) -> tuple[str, str]:
    """(tag, value) for an OCTET STRING: plain when printable ASCII, else hex."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if all(32 <= b < 127 for b in raw) and b"|" not in raw:
        return "4", raw.decode("ascii")
    return "4x", raw.hex()


def mac_hex(mac: str) -> str:
    return mac.replace(":", "").lower()


def mac_index(mac: str) -> tuple[int, ...]:
    return tuple(int(part, 16) for part in mac.split(":"))


def _counter(device: LabDevice, interface: LabInterface, which: str) -> int:
    if not interface.oper_up:
        return 0
    digest = hashlib.sha256(f"{device.name}/{interface.name}/{which}".encode()).digest()
    return int.from_bytes(digest[:5], "big")


def _capabilities(names: list[str]) -> str:
    value = 0
    for name in names:
        value |= 0x80 >> CAPABILITY_BITS[name]
    return f"{value:02x}"


def own_capabilities(device: LabDevice) -> list[str]:
    from netcensus.lab.topology import capabilities

    return capabilities(device)


def _if_type(interface: LabInterface) -> int:
    if interface.name.lower().startswith("loopback"):
        return 24  # softwareLoopback
    return 6 if is_physical(interface) else 53  # ethernetCsmacd / propVirtual


def quirk_port(device: LabDevice) -> LabInterface:
    """The port an SNMP quirk that needs one port is rendered on: the first physical one."""
    return next((i for i in device.interfaces if is_physical(i)), device.interfaces[0])


def gbk_alias(interface: LabInterface) -> str:
    return f"{interface.description}{GBK_ALIAS_SUFFIX}".strip()


def render(
    device: LabDevice,
    peers: dict[str, LabDevice],
    malformed_descr: bytes | None = None,
    malformed_name: str | None = None,
) -> str:
    """The whole ``.snmprec`` text of one device; ``peers`` resolves LLDP neighbours."""
    rows: list[Row] = []
    quirks = set(device.snmp_quirks)
    gbk = "gbk-text" in quirks
    port = quirk_port(device)

    def add(oid: tuple[int, ...], tag: str, value: object) -> None:
        rows.append((oid, tag, str(value)))

    def text(oid: tuple[int, ...], value: str | bytes) -> None:
        tag, encoded = octets(value)
        rows.append((oid, tag, encoded))

    sysname = malformed_name if device.malformed and malformed_name else device.name
    uptime = int(hashlib.sha256(device.name.encode()).hexdigest()[:7], 16) % 400_000_000
    system = (*MIB2, 1)
    text(
        (*system, 1, 0),
        malformed_descr if device.malformed and malformed_descr else device.sys_descr,
    )
    add((*system, 2, 0), "6", device.sys_object_id)
    add((*system, 3, 0), "67", uptime)
    text((*system, 4, 0), GBK_CONTACT.encode("gbk") if gbk else "noc@netcensus.lab")
    text((*system, 5, 0), sysname)
    location = f"{device.site_code} {device.zone}"
    text((*system, 6, 0), (location + GBK_LOCATION_SUFFIX).encode("gbk") if gbk else location)
    role = DeviceRole(device.role)
    routed = role in (DeviceRole.CORE_SWITCH, DeviceRole.ROUTER, DeviceRole.FIREWALL)
    add((*system, 7, 0), "2", 6 if routed else (72 if device.platform == "other" else 2))

    interfaces = list(device.interfaces)
    if "duplicate-ifname" in quirks:  # a second interface under the quirk port's name
        extra = max(i.if_index for i in interfaces) + 1
        interfaces.append(dataclasses.replace(port, if_index=extra, address=None, description=""))
    add((*MIB2, 2, 1, 0), "2", len(interfaces))
    for i in interfaces:
        index, base = i.if_index, (*MIB2, 2, 2, 1)
        add((*base, 1, index), "2", index)
        text((*base, 2, index), i.name)
        add((*base, 3, index), "2", _if_type(i))
        add((*base, 4, index), "2", 1500)
        if "counter64-speed" in quirks and i is port:
            add((*base, 5, index), "70", COUNTER64_MAX)
        else:
            add((*base, 5, index), "66", min(i.speed, 4_294_967_295))
        add((*base, 6, index), "4x", mac_hex(i.mac))
        add((*base, 7, index), "2", 1 if i.admin_up else 2)
        add((*base, 8, index), "2", 1 if i.oper_up else 2)
        add((*base, 9, index), "67", 0)
        add((*base, 10, index), "65", _counter(device, i, "in") % 2**32)
        add((*base, 14, index), "65", 0)
        add((*base, 16, index), "65", _counter(device, i, "out") % 2**32)
        add((*base, 20, index), "65", 0)
        x = (*MIB2, 31, 1, 1, 1)
        text((*x, 1, index), i.name)
        add((*x, 6, index), "70", _counter(device, i, "in"))
        add((*x, 10, index), "70", _counter(device, i, "out"))
        add((*x, 15, index), "66", i.speed // 1_000_000)
        if gbk and i is port:
            text((*x, 18, index), gbk_alias(i).encode("gbk"))
        else:
            text((*x, 18, index), i.description)
        if i.address:
            iface = ipaddress.ip_interface(i.address)
            ip = tuple(int(o) for o in str(iface.ip).split("."))
            add((*MIB2, 4, 20, 1, 1, *ip), "64", iface.ip)
            add((*MIB2, 4, 20, 1, 2, *ip), "2", index)
            add((*MIB2, 4, 20, 1, 3, *ip), "64", iface.netmask)

    by_name = {i.name: i for i in interfaces}
    for entry in device.arp_table:
        if_index = by_name[entry.interface].if_index
        ip = tuple(int(o) for o in entry.ip.split("."))
        base = (*MIB2, 4, 22, 1)
        add((*base, 1, if_index, *ip), "2", if_index)
        add((*base, 2, if_index, *ip), "4x", mac_hex(entry.mac))
        add((*base, 3, if_index, *ip), "64", entry.ip)
        add((*base, 4, if_index, *ip), "2", 3)  # dynamic

    rows += _entity(device)
    rows += _lldp(device, peers)
    if "cdp-mac-device-id" in quirks:
        rows += _cdp_by_mac(device)
    if role in (DeviceRole.ACCESS_SWITCH, DeviceRole.DISTRIBUTION_SWITCH, DeviceRole.CORE_SWITCH):
        rows += _bridge(device)
    rows.sort(key=lambda row: row[0])
    if "out-of-order-oids" in quirks:
        rows = _out_of_order(rows)
    return "".join(f"{'.'.join(map(str, oid))}|{tag}|{value}\n" for oid, tag, value in rows)


def _out_of_order(rows: list[Row]) -> list[Row]:
    """The forwarding table's port column as a buggy agent walks it: the first entry, then
    the rest in decreasing order (snmpsim answers GETNEXT in file order)."""
    for column in _FDB_PORT_COLUMNS:
        positions = [n for n, row in enumerate(rows) if row[0][: len(column)] == column]
        if len(positions) > 2:
            block = [rows[n] for n in positions]
            for n, row in zip(positions, [block[0], *reversed(block[1:])], strict=True):
                rows[n] = row
    return rows


def _cdp_by_mac(device: LabDevice) -> list[Row]:
    """CDP cache entries whose device id is the neighbour's MAC as six raw octets."""
    rows: list[Row] = []
    by_name = {i.name: i for i in device.interfaces}
    cache = (1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1)
    for n in device.neighbours:
        key = (by_name[n.local_interface].if_index, 1)
        flags = sum(CDP_FLAGS.get(c, 0) for c in set(n.remote_capabilities))
        rows += [
            ((*cache, 6, *key), "4x", mac_hex(n.remote_chassis_mac)),
            ((*cache, 7, *key), *octets(n.remote_interface)),
            ((*cache, 8, *key), *octets(n.remote_platform or "")),
            ((*cache, 9, *key), "4x", f"{flags:08x}"),
        ]
        if n.remote_mgmt_address:
            address = ipaddress.ip_address(n.remote_mgmt_address).packed.hex()
            rows += [((*cache, 3, *key), "2", "1"), ((*cache, 4, *key), "4x", address)]
    return rows


def _entity(device: LabDevice) -> list[Row]:
    vendor = VENDOR_NAMES.get(device.platform, device.model.split()[0])
    parts: list[tuple[str, int, int, str]] = [(device.model, 3, 0, device.serial)]
    if device.platform != "other":  # two power supplies and a fan tray (catalog ARCH-03)
        parts += [
            ("Power Supply 1", 6, 1, device.serial + "P1"),
            ("Power Supply 2", 6, 1, device.serial + "P2"),
            ("Fan Tray 1", 7, 1, device.serial + "F1"),
        ]
    rows: list[Row] = []
    base = (*MIB2, 47, 1, 1, 1, 1)
    for index, (name, klass, parent, serial) in enumerate(parts, 1):
        for column, tag, value in (
            (
                2,
                *octets(
                    f"{device.model} {name}" if klass != 3 else device.sys_descr.split("\r\n")[0]
                ),
            ),
            (3, "6", "0.0"),
            (4, "2", str(parent)),
            (5, "2", str(klass)),
            (6, "2", str(index - 1 if parent else -1)),
            (7, *octets(name)),
            (8, "4", "V01"),
            (9, "4", ""),
            (10, *octets(device.os_version if klass == 3 else "")),
            (11, *octets(serial)),
            (12, *octets(vendor)),
            (13, *octets(device.model if klass == 3 else name)),
            (16, "2", "1" if klass != 3 else "2"),
        ):
            rows.append(((*base, column, index), tag, value))
    return rows


def _lldp(device: LabDevice, peers: dict[str, LabDevice]) -> list[Row]:
    rows: list[Row] = []
    padded = "nul-padded-lldp-port" in device.snmp_quirks
    wide = "four-octet-lldp-capabilities" in device.snmp_quirks
    loc = (*LLDP, 3)
    caps = _capabilities(own_capabilities(device))
    rows += [
        ((*loc, 1, 0), "2", "4"),
        ((*loc, 2, 0), "4x", mac_hex(device.chassis_mac)),
        ((*loc, 3, 0), *octets(device.name)),
        ((*loc, 4, 0), *octets(device.sys_descr)),
        ((*loc, 5, 0), "4x", caps),
        ((*loc, 6, 0), "4x", caps),
    ]
    for i in device.interfaces:
        if not is_physical(i):
            continue
        rows += [
            ((*loc, 7, 1, 2, i.if_index), "2", "5"),  # interfaceName
            ((*loc, 7, 1, 3, i.if_index), *octets(i.name)),
            ((*loc, 7, 1, 4, i.if_index), *octets(i.description)),
        ]
    by_name = {i.name: i for i in device.interfaces}
    rem = (*LLDP, 4, 1, 1)
    for n in device.neighbours:
        port = by_name[n.local_interface].if_index
        peer = peers.get(n.remote_device)
        remote_if = (
            next((i for i in peer.interfaces if i.name == n.remote_interface), None)
            if peer
            else None
        )
        key = (0, port, 1)
        port_id = n.remote_interface.encode()
        if padded:
            port_id = port_id.ljust(max(LLDP_PORT_ID_PADDED, len(port_id) + 4), b"\x00")
        remote_caps = _capabilities(n.remote_capabilities) + ("000000" if wide else "")
        rows += [
            ((*rem, 4, *key), "2", "4"),
            ((*rem, 5, *key), "4x", mac_hex(n.remote_chassis_mac)),
            ((*rem, 6, *key), "2", "5"),
            ((*rem, 7, *key), *octets(port_id)),
            ((*rem, 8, *key), *octets(remote_if.description if remote_if else "")),
            ((*rem, 9, *key), *octets(n.remote_device)),
            ((*rem, 10, *key), *octets(peer.sys_descr if peer else n.remote_platform)),
            ((*rem, 11, *key), "4x", remote_caps),
            ((*rem, 12, *key), "4x", remote_caps),
        ]
        if n.remote_mgmt_address:
            ip = tuple(int(o) for o in n.remote_mgmt_address.split("."))
            man = (*LLDP, 4, 2, 1)
            index = (*key, 1, 4, *ip)
            rows += [
                ((*man, 3, *index), "2", "2"),
                ((*man, 4, *index), "2", str(remote_if.if_index if remote_if else 0)),
                ((*man, 5, *index), "6", "0.0"),
            ]
    return rows


def _bridge(device: LabDevice) -> list[Row]:
    rows: list[Row] = []
    base = (*MIB2, 17)
    ports = [i for i in device.interfaces if is_physical(i)]
    rows += [
        ((*base, 1, 1, 0), "4x", mac_hex(device.chassis_mac)),
        ((*base, 1, 2, 0), "2", str(len(ports))),
        ((*base, 1, 3, 0), "2", "2"),
    ]
    for i in ports:  # bridge port number = ifIndex
        rows.append(((*base, 1, 4, 1, 1, i.if_index), "2", str(i.if_index)))
        rows.append(((*base, 1, 4, 1, 2, i.if_index), "2", str(i.if_index)))
    by_name = {i.name: i for i in device.interfaces}
    for entry in device.mac_table:
        port = by_name[entry.interface].if_index
        mac = mac_index(entry.mac)
        fdb: tuple[int, ...]
        if device.platform == "cisco_ios":
            fdb = (*base, 4, 3, 1)
            rows += [
                ((*fdb, 1, *mac), "4x", mac_hex(entry.mac)),
                ((*fdb, 2, *mac), "2", str(port)),
                ((*fdb, 3, *mac), "2", "3"),
            ]
        else:
            fdb = (*base, 7, 1, 2, 2, 1)
            rows += [
                ((*fdb, 2, entry.vlan, *mac), "2", str(port)),
                ((*fdb, 3, entry.vlan, *mac), "2", "3"),
            ]
    return rows
