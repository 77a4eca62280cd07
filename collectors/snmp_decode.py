"""Turn walked SNMP tables into an Observation: pure functions, no I/O.

Input is what the walker returns: scalars by object name and, per table column, a
mapping from the row index (an OID suffix) to the raw pyasn1 value. Every value is
checked against the type its MIB declares; a value that is not (a string where a
number belongs, bytes that are not UTF-8, an index of the wrong shape) becomes a
CollectionError for its part and the rest of the device is kept.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pyasn1.type import univ

from netcensus.collectors import mibs
from netcensus.collectors.observation import (
    CollectionError,
    Observation,
    ObservedArp,
    ObservedInterface,
    ObservedMac,
    ObservedNeighbour,
    ObservedVlan,
)
from netcensus.inventory.macs import normalise_mac

Index = tuple[int, ...]
Column = Mapping[Index, Any]
Tables = Mapping[str, Column]

# One lying agent can produce thousands of bad values; the first few per part say
# enough, the rest are counted.
MAX_ERRORS_PER_PART = 10

_VERSION = re.compile(r"Version\s+([\w.()\-]+)", re.IGNORECASE)


def mac_from_octets(octets: bytes) -> str | None:
    """A MAC address as six octets (or its text form some agents send), normalised.

    >>> mac_from_octets(bytes.fromhex("14A0F8CFAF39"))
    '14:a0:f8:cf:af:39'
    >>> mac_from_octets(b"14-A0-F8-CF-AF-39")
    '14:a0:f8:cf:af:39'
    >>> mac_from_octets(b"") is None
    True
    """
    if len(octets) == 6:
        return ":".join(f"{b:02x}" for b in octets)
    try:
        text = octets.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    return normalise_mac(text)


def bits_set(octets: bytes) -> list[int]:
    """Bit positions set in an SNMP BITS value (bit 0 is the first octet's high bit).

    >>> bits_set(bytes([0x28]))
    [2, 4]
    """
    return [i * 8 + b for i, octet in enumerate(octets) for b in range(8) if octet & (0x80 >> b)]


def lldp_capabilities(octets: bytes) -> list[str]:
    """LldpSystemCapabilitiesMap to names.

    The MIB says two octets; agents that send four (or more) put the same bits first and
    pad the rest, so the bits are read from the front whatever the length.

    >>> lldp_capabilities(bytes([0x28, 0x00]))
    ['bridge', 'router']
    >>> lldp_capabilities(bytes([0x28, 0x00, 0x00, 0x00]))
    ['bridge', 'router']
    """
    names = mibs.LLDP_CAPABILITIES
    return [names[bit] for bit in bits_set(octets) if bit < len(names)]


def cdp_capabilities(octets: bytes) -> list[str]:
    """cdpCacheCapabilities (32-bit flag word) to the LLDP names.

    >>> cdp_capabilities(bytes.fromhex("00000029"))
    ['router', 'bridge']
    """
    word = int.from_bytes(octets, "big")
    names: list[str] = []
    for flag, name in mibs.CDP_CAPABILITIES:
        if word & flag and name not in names:
            names.append(name)
    return names


def address_from_octets(octets: bytes) -> str | None:
    """An IPv4 or IPv6 address carried as 4 or 16 raw octets.

    >>> address_from_octets(bytes([10, 0, 0, 1]))
    '10.0.0.1'
    """
    if len(octets) in (4, 16):
        return str(ipaddress.ip_address(octets))
    return None


def device_text(raw: bytes) -> tuple[str | None, bool]:
    r"""Text a device sent, and whether an encoding explained every byte.

    NUL padding (fixed-size buffers copied whole) is cut and no NUL survives: PostgreSQL
    refuses it and a padded name never matches the other end of a link. Text that is not
    UTF-8 is, on these networks, GBK/GB18030 (Chinese locations, port descriptions);
    replacement marks are kept only for bytes no encoding explains.

    >>> device_text(b"mgmt0\x00\x00\x00")
    ('mgmt0', True)
    >>> device_text(bytes.fromhex("b9e3d6ddcad0"))
    ('广州市', True)
    >>> device_text(b"ok\xff") == ("ok\ufffd", False)
    True
    >>> device_text(b"\x00\x00")
    (None, True)
    """
    raw = raw.replace(b"\x00", b"")
    clean = True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            text, clean = raw.decode("utf-8", errors="replace"), False
    return text.strip() or None, clean


def version_from_descr(sys_descr: str | None) -> str | None:
    """The software version most vendors write into sysDescr ("... Version 15.0(2a)EX5, ...").

    >>> version_from_descr("Cisco IOS Software, C2960X Software, Version 15.0(2a)EX5, RELEASE")
    '15.0(2a)EX5'
    """
    if not sys_descr:
        return None
    match = _VERSION.search(sys_descr)
    return match.group(1).rstrip(",") if match else None


class Decoder:
    """Typed access to raw values; what does not fit its MIB type is recorded, not raised."""

    def __init__(self) -> None:
        self.errors: list[CollectionError] = []
        self._counts: dict[str, int] = {}

    def error(self, part: str, code: str, message: str) -> None:
        count = self._counts.get(part, 0) + 1
        self._counts[part] = count
        if count <= MAX_ERRORS_PER_PART:
            self.errors.append(CollectionError(part=part, code=code, message=message))

    def finish(self) -> list[CollectionError]:
        for part, count in self._counts.items():
            if count > MAX_ERRORS_PER_PART:
                extra = count - MAX_ERRORS_PER_PART
                message = f"{extra} more errors in {part} not listed"
                self.errors.append(CollectionError(part=part, code="malformed", message=message))
        return self.errors

    def _wrong_type(self, part: str, name: str, index: Index, value: Any, expected: str) -> None:
        where = f"{name}.{'.'.join(map(str, index))}" if index else name
        shown = value.asOctets()[:40] if isinstance(value, univ.OctetString) else str(value)[:40]
        got = type(value).__name__
        self.error(part, "malformed", f"{where}: expected {expected}, got {got} {shown!r}")

    def octets(self, part: str, name: str, index: Index, value: Any) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, univ.OctetString):
            return value.asOctets()
        self._wrong_type(part, name, index, value, "an OCTET STRING")
        return None

    def integer(self, part: str, name: str, index: Index, value: Any) -> int | None:
        """An INTEGER, Gauge32, Counter or TimeTicks within the range its MIB declares.

        An agent may send any Counter64 (2^64-1 in ifSpeed is seen in the wild); a value
        outside the object's range is an error, not a number to store.
        """
        if value is None:
            return None
        if not isinstance(value, univ.Integer):
            self._wrong_type(part, name, index, value, "an integer")
            return None
        number = int(value)
        low, high = mibs.RANGES.get(name, mibs.INT64_RANGE)
        if not low <= number <= high:
            where = f"{name}.{'.'.join(map(str, index))}" if index else name
            self.error(part, "out-of-range", f"{where}: {number} is outside {low}..{high}")
            return None
        return number

    def text(self, part: str, name: str, index: Index, value: Any) -> str | None:
        """A DisplayString; None for absent or empty. See :func:`device_text`."""
        raw = self.octets(part, name, index, value)
        if raw is None:
            return None
        text, clean = device_text(raw)
        if not clean:
            where = f"{name}.{'.'.join(map(str, index))}" if index else name
            self.error(part, "malformed", f"{where}: not UTF-8 or GB18030: {raw[:40].hex(' ')}")
        return text

    def oid(self, part: str, name: str, index: Index, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, univ.ObjectIdentifier):
            return ".".join(map(str, value.asTuple()))
        self._wrong_type(part, name, index, value, "an OBJECT IDENTIFIER")
        return None


def _get(tables: Tables, column: str) -> Column:
    return tables.get(column) or {}


def _single(index: Index) -> int | None:
    return index[0] if len(index) == 1 else None


def decode_system(obs: Observation, scalars: Mapping[str, Any], dec: Decoder) -> None:
    part = "system"
    obs.sys_descr = dec.text(part, "sysDescr", (0,), scalars.get("sysDescr"))
    obs.sys_object_id = dec.oid(part, "sysObjectID", (0,), scalars.get("sysObjectID"))
    obs.sys_contact = dec.text(part, "sysContact", (0,), scalars.get("sysContact"))
    obs.sys_name = dec.text(part, "sysName", (0,), scalars.get("sysName"))
    obs.sys_location = dec.text(part, "sysLocation", (0,), scalars.get("sysLocation"))
    ticks = dec.integer(part, "sysUpTime", (0,), scalars.get("sysUpTime"))
    obs.uptime_s = ticks / 100 if ticks is not None else None
    subtype = dec.integer(
        "lldp", "lldpLocChassisIdSubtype", (0,), scalars.get("lldpLocChassisIdSubtype")
    )
    chassis = dec.octets("lldp", "lldpLocChassisId", (0,), scalars.get("lldpLocChassisId"))
    if subtype == mibs.LLDP_CHASSIS_MAC and chassis:
        obs.chassis_mac = mac_from_octets(chassis)


def decode_interfaces(
    obs: Observation, tables: Tables, dec: Decoder
) -> dict[int, ObservedInterface]:
    """Fill obs.interfaces; return them by ifIndex for the other tables."""
    part = "interfaces"
    columns = {name: _get(tables, name) for name in mibs.COLUMNS["interfaces"]}
    indexes: set[int] = set()
    for name in ("ifDescr", "ifName", "ifType"):
        for index in columns[name]:
            if_index = _single(index)
            if if_index is None:
                dec.error(part, "malformed", f"{name}: index {index} is not a single ifIndex")
            else:
                indexes.add(if_index)
    by_index: dict[int, ObservedInterface] = {}
    for if_index in sorted(indexes):
        key = (if_index,)

        def text(column: str, key: Index = key) -> str | None:
            return dec.text(part, column, key, columns[column].get(key))

        def integer(column: str, key: Index = key) -> int | None:
            return dec.integer(part, column, key, columns[column].get(key))

        descr, if_name = text("ifDescr"), text("ifName")
        name = if_name or descr or f"ifIndex{if_index}"
        speed, high_speed = integer("ifSpeed"), integer("ifHighSpeed")
        if speed is not None and speed >= mibs.IF_SPEED_SATURATED or speed is None:
            # Saturated (or unreadable) ifSpeed: the real speed is ifHighSpeed's, if any.
            speed = high_speed * 1_000_000 if high_speed else None
        phys = dec.octets(part, "ifPhysAddress", key, columns["ifPhysAddress"].get(key))
        admin, oper = integer("ifAdminStatus"), integer("ifOperStatus")
        interface = ObservedInterface(
            name=name,
            if_index=if_index,
            description=descr,
            alias=text("ifAlias"),
            if_type=integer("ifType"),
            speed=speed,
            mtu=integer("ifMtu"),
            admin_status=mibs.IF_STATUS.get(admin) if admin is not None else None,
            oper_status=mibs.IF_STATUS.get(oper) if oper is not None else None,
            mac=mac_from_octets(phys) if phys else None,
        )
        obs.interfaces.append(interface)
        by_index[if_index] = interface
    _decode_addresses(by_index, columns["ipAdEntIfIndex"], columns["ipAdEntNetMask"], dec)
    return by_index


def _decode_addresses(
    by_index: Mapping[int, ObservedInterface], if_indexes: Column, masks: Column, dec: Decoder
) -> None:
    for index, value in sorted(if_indexes.items()):
        if len(index) != 4:
            dec.error(
                "interfaces", "malformed", f"ipAdEntIfIndex: index {index} is not an IPv4 address"
            )
            continue
        if_index = dec.integer("interfaces", "ipAdEntIfIndex", index, value)
        mask = dec.octets("interfaces", "ipAdEntNetMask", index, masks.get(index))
        interface = by_index.get(if_index) if if_index is not None else None
        if interface is None:
            continue
        address = ".".join(map(str, index))
        try:
            prefix = ipaddress.IPv4Network(f"0.0.0.0/{address_from_octets(mask or b'')}").prefixlen
        except ValueError:
            prefix = 32
        interface.addresses.append(f"{address}/{prefix}")


def _local_port_names(
    tables: Tables, interfaces: Mapping[int, ObservedInterface], dec: Decoder
) -> dict[int, str]:
    """lldpLocPortNum -> local interface name, matched the way LibreNMS does.

    lldpLocPortNum is an ifIndex on some devices and a separate number on others; the
    port id (then the port description) usually carries the interface name, so those
    are matched against ifName/ifDescr first, then ifAlias, then the number is taken
    as a bridge port (dot1dBasePortIfIndex) or an ifIndex.
    """
    by_name: dict[str, str] = {}
    by_alias: dict[str, str] = {}
    for interface in interfaces.values():
        for text in (interface.name, interface.description):
            if text:
                by_name.setdefault(text, interface.name)
        if interface.alias:
            by_alias.setdefault(interface.alias, interface.name)
    base_ports = _bridge_ports(tables, dec)
    port_ids, port_descrs = _get(tables, "lldpLocPortId"), _get(tables, "lldpLocPortDesc")
    result: dict[int, str] = {}
    for index in set(port_ids) | set(port_descrs):
        port_num = _single(index)
        if port_num is None:
            continue
        port_id = dec.text("lldp", "lldpLocPortId", index, port_ids.get(index)) or ""
        port_descr = dec.text("lldp", "lldpLocPortDesc", index, port_descrs.get(index)) or ""
        by_number = interfaces.get(base_ports.get(port_num, port_num))
        name = (
            by_name.get(port_id)
            or by_name.get(port_descr)
            or by_alias.get(port_id)
            or (by_number.name if by_number else None)
            or port_id
            or port_descr
        )
        if name:
            result[port_num] = name
    return result


def _bridge_ports(tables: Tables, dec: Decoder) -> dict[int, int]:
    ports: dict[int, int] = {}
    for index, value in _get(tables, "dot1dBasePortIfIndex").items():
        if_index = dec.integer("fdb", "dot1dBasePortIfIndex", index, value)
        port = _single(index)
        if port is not None and if_index is not None:
            ports[port] = if_index
    return ports


def _lldp_management_addresses(tables: Tables) -> dict[Index, str]:
    """(timeMark, localPortNum, remIndex) -> address, from the lldpRemManAddrTable index.

    The address is in the index (subtype, length, octets...); IPv4 is preferred over
    IPv6 when a neighbour announces both.
    """
    found: dict[Index, str] = {}
    for index in sorted(_get(tables, "lldpRemManAddrIfSubtype")):
        if len(index) < 5:
            continue
        key, subtype, rest = index[:3], index[3], index[4:]
        if rest and rest[0] == len(rest) - 1:
            rest = rest[1:]  # length-prefixed (the usual, non-IMPLIED encoding)
        if subtype not in (1, 2) or any(b > 255 for b in rest):
            continue
        address = address_from_octets(bytes(rest))
        if address and (key not in found or subtype == 1 and ":" in found[key]):
            found[key] = address
    return found


def _lldp_id(
    subtype: int | None, raw: bytes | None, mac_subtype: int, net_subtype: int
) -> str | None:
    if not raw:
        return None
    if subtype == mac_subtype:
        return mac_from_octets(raw) or raw.hex()
    if subtype == net_subtype and len(raw) in (5, 17):
        return address_from_octets(raw[1:])  # first octet is the IANA address family
    text, clean = device_text(raw)
    return text if clean else mac_from_octets(raw) or raw.hex(":")


def decode_lldp(
    obs: Observation, tables: Tables, interfaces: Mapping[int, ObservedInterface], dec: Decoder
) -> None:
    part = "lldp"
    rem_columns = [
        c for c in mibs.COLUMNS["lldp"] if c.startswith("lldpRem") and "ManAddr" not in c
    ]
    rows: set[Index] = set()
    for column in rem_columns:
        rows.update(_get(tables, column))
    if not rows:
        return
    local_names = _local_port_names(tables, interfaces, dec)
    addresses = _lldp_management_addresses(tables)
    addresses_by_port = {key[1:]: address for key, address in addresses.items()}
    for index in sorted(rows):
        if len(index) != 3:
            dec.error(part, "malformed", f"lldpRemTable: index {index} is not timeMark.port.index")
            continue

        def value(column: str, index: Index = index) -> Any:
            return _get(tables, column).get(index)

        port_num = index[1]
        local = local_names.get(port_num)
        if local is None and port_num in interfaces:
            local = interfaces[port_num].name
        if local is None:
            dec.error(part, "malformed", f"lldpRemLocalPortNum {port_num}: no such local port")
            continue
        chassis = _lldp_id(
            dec.integer(part, "lldpRemChassisIdSubtype", index, value("lldpRemChassisIdSubtype")),
            dec.octets(part, "lldpRemChassisId", index, value("lldpRemChassisId")),
            mibs.LLDP_CHASSIS_MAC,
            mibs.LLDP_CHASSIS_NETWORK_ADDRESS,
        )
        port = _lldp_id(
            dec.integer(part, "lldpRemPortIdSubtype", index, value("lldpRemPortIdSubtype")),
            dec.octets(part, "lldpRemPortId", index, value("lldpRemPortId")),
            mibs.LLDP_PORT_MAC,
            mibs.LLDP_PORT_NETWORK_ADDRESS,
        )
        caps = dec.octets(part, "lldpRemSysCapEnabled", index, value("lldpRemSysCapEnabled"))
        obs.neighbours.append(
            ObservedNeighbour(
                protocol="lldp",
                local_interface=local,
                remote_chassis_id=chassis,
                remote_system_name=dec.text(part, "lldpRemSysName", index, value("lldpRemSysName")),
                remote_port=port,
                remote_port_description=dec.text(
                    part, "lldpRemPortDesc", index, value("lldpRemPortDesc")
                ),
                remote_mgmt_address=addresses.get(index) or addresses_by_port.get(index[1:]),
                remote_platform=dec.text(part, "lldpRemSysDesc", index, value("lldpRemSysDesc")),
                remote_capabilities=lldp_capabilities(caps) if caps else [],
            )
        )


def _cdp_device_id(raw: bytes | None) -> tuple[str | None, str | None]:
    """(chassis MAC, system name) from cdpCacheDeviceId.

    Most devices send their host name; some (IP phones, small switches) send their MAC as
    six raw octets, or as text: that is a chassis id, not a name.

    >>> _cdp_device_id(bytes.fromhex("001122aabbcc"))
    ('00:11:22:aa:bb:cc', None)
    >>> _cdp_device_id(b"SEP001122AABBCC")
    (None, 'SEP001122AABBCC')
    >>> _cdp_device_id(b"sw-core-1.example")
    (None, 'sw-core-1.example')
    """
    if not raw:
        return None, None
    text, clean = device_text(raw)
    if not clean or (len(raw) == 6 and not raw.isascii()):
        return mac_from_octets(raw), None
    mac = normalise_mac(text) if text else None
    return (mac, None) if mac else (None, text)


def decode_cdp(obs: Observation, tables: Tables, if_names: Mapping[int, str], dec: Decoder) -> None:
    part = "cdp"
    device_ids = _get(tables, "cdpCacheDeviceId")
    for index in sorted(device_ids):
        if len(index) != 2:
            dec.error(part, "malformed", f"cdpCacheTable: index {index} is not ifIndex.deviceIndex")
            continue

        def value(column: str, index: Index = index) -> Any:
            return _get(tables, column).get(index)

        local = if_names.get(index[0])
        if local is None:
            dec.error(part, "malformed", f"cdpCacheIfIndex {index[0]}: not in ifTable")
            continue
        address = None
        address_type = dec.integer(part, "cdpCacheAddressType", index, value("cdpCacheAddressType"))
        raw_address = dec.octets(part, "cdpCacheAddress", index, value("cdpCacheAddress"))
        if address_type in (1, 20) and raw_address:
            address = address_from_octets(raw_address)
        caps = dec.octets(part, "cdpCacheCapabilities", index, value("cdpCacheCapabilities"))
        chassis, system_name = _cdp_device_id(
            dec.octets(part, "cdpCacheDeviceId", index, device_ids[index])
        )
        obs.neighbours.append(
            ObservedNeighbour(
                protocol="cdp",
                local_interface=local,
                remote_chassis_id=chassis,
                remote_system_name=system_name,
                remote_port=dec.text(
                    part, "cdpCacheDevicePort", index, value("cdpCacheDevicePort")
                ),
                remote_mgmt_address=address,
                remote_platform=dec.text(
                    part, "cdpCachePlatform", index, value("cdpCachePlatform")
                ),
                remote_capabilities=cdp_capabilities(caps) if caps else [],
            )
        )


def _fdb_rows(
    ports: Column, statuses: Column, column: str, dec: Decoder
) -> Iterable[tuple[Index, bytes, int, int | None]]:
    """(index prefix, MAC, bridge port, status) for each forwarding entry."""
    for index, value in sorted(ports.items()):
        if len(index) < 6 or any(b > 255 for b in index[-6:]):
            dec.error("fdb", "malformed", f"{column}: index {index} does not end in a MAC address")
            continue
        port = dec.integer("fdb", column, index, value)
        if port is None:
            continue
        status_column = column.replace("Port", "Status")
        status = dec.integer("fdb", status_column, index, statuses.get(index))
        yield index[:-6], bytes(index[-6:]), port, status


def decode_fdb(obs: Observation, tables: Tables, if_names: Mapping[int, str], dec: Decoder) -> None:
    """Q-BRIDGE entries (with VLAN) when the device has them, else BRIDGE-MIB ones."""
    base_ports = _bridge_ports(tables, dec)
    # FDB id -> VLAN. Under shared VLAN learning several VLANs use one FDB; the entry's
    # VLAN is then ambiguous and the lowest one is reported.
    fdb_to_vlan: dict[int, int] = {}
    for index, value in _get(tables, "dot1qVlanFdbId").items():
        fdb_id = dec.integer("fdb", "dot1qVlanFdbId", index, value)
        if fdb_id is not None and len(index) == 2:
            fdb_to_vlan.setdefault(fdb_id, index[1])

    def interface(port: int) -> str | None:
        if_index = base_ports.get(port) if base_ports else port
        return if_names.get(if_index) if if_index is not None else None

    qports = _get(tables, "dot1qTpFdbPort")
    if qports:
        rows = _fdb_rows(qports, _get(tables, "dot1qTpFdbStatus"), "dot1qTpFdbPort", dec)
    else:
        rows = _fdb_rows(
            _get(tables, "dot1dTpFdbPort"), _get(tables, "dot1dTpFdbStatus"), "dot1dTpFdbPort", dec
        )
    for prefix, mac, port, status in rows:
        if status in (mibs.FDB_INVALID, mibs.FDB_SELF):
            continue
        # Without dot1qVlanFdbId the FDB id is the VLAN on most switches; ids past 4094
        # (Junos numbers its FDBs 262144...) are not VLANs at all.
        vlan = fdb_to_vlan.get(prefix[0], prefix[0]) if prefix else None
        vlan = vlan if vlan is not None and 0 < vlan < 4095 else None
        obs.fdb.append(
            ObservedMac(
                mac=mac_from_octets(mac) or mac.hex(),
                interface=interface(port) if port else None,
                vlan=vlan,
                static=status == mibs.FDB_STATIC,
            )
        )


def decode_arp(obs: Observation, tables: Tables, if_names: Mapping[int, str], dec: Decoder) -> None:
    """ipNetToMediaTable (IPv4) and ipNetToPhysicalTable (IPv4/IPv6), without duplicates."""
    part = "arp"
    seen: set[tuple[str, str]] = set()
    types = _get(tables, "ipNetToMediaType")
    entries: list[tuple[int, str, bytes]] = []
    for index, value in sorted(_get(tables, "ipNetToMediaPhysAddress").items()):
        if len(index) != 5 or any(b > 255 for b in index[1:]):
            dec.error(
                part, "malformed", f"ipNetToMediaPhysAddress: index {index} is not ifIndex.IPv4"
            )
            continue
        if dec.integer(part, "ipNetToMediaType", index, types.get(index)) == mibs.ARP_INVALID:
            continue
        raw = dec.octets(part, "ipNetToMediaPhysAddress", index, value)
        if raw:
            entries.append((index[0], ".".join(map(str, index[1:])), raw))
    for index, value in sorted(_get(tables, "ipNetToPhysicalPhysAddress").items()):
        if len(index) < 3 or index[1] not in (1, 2):
            continue
        octets = index[3:] if index[2] == len(index) - 3 else index[2:]
        if any(b > 255 for b in octets) or len(octets) not in (4, 16):
            dec.error(part, "malformed", f"ipNetToPhysicalPhysAddress: bad address index {index}")
            continue
        raw = dec.octets(part, "ipNetToPhysicalPhysAddress", index, value)
        if raw:
            entries.append((index[0], str(ipaddress.ip_address(bytes(octets))), raw))
    for if_index, ip, raw in entries:
        mac = mac_from_octets(raw)
        if mac is None:
            dec.error(part, "malformed", f"ARP entry {ip}: {raw[:8].hex()} is not a MAC address")
            continue
        if mac == "00:00:00:00:00:00" or (ip, mac) in seen:
            continue  # incomplete entries and the second table's copy of the first's
        seen.add((ip, mac))
        obs.arp.append(ObservedArp(ip=ip, mac=mac, interface=if_names.get(if_index)))


def decode_entity(obs: Observation, chassis: Mapping[int, Mapping[str, Any]], dec: Decoder) -> None:
    """Model, serial and software from the first top-level chassis (entPhysicalClass 3)."""
    part = "entity"
    ordered = sorted(
        chassis.items(),
        key=lambda item: (
            dec.integer(
                part, "entPhysicalContainedIn", (item[0],), item[1].get("entPhysicalContainedIn")
            )
            not in (0, None),
            item[0],
        ),
    )
    for ent_index, values in ordered:
        key = (ent_index,)

        def text(column: str, key: Index = key, values: Mapping[str, Any] = values) -> str | None:
            return dec.text(part, column, key, values.get(column))

        model, serial = text("entPhysicalModelName"), text("entPhysicalSerialNum")
        if not (model or serial):
            continue
        obs.model = model or text("entPhysicalDescr")
        obs.serial = serial
        obs.os_version = text("entPhysicalSoftwareRev") or text("entPhysicalFirmwareRev")
        if obs.vendor is None:
            obs.vendor = text("entPhysicalMfgName")
        break
    if obs.os_version is None:
        obs.os_version = version_from_descr(obs.sys_descr)


def decode_vlans(obs: Observation, tables: Tables, dec: Decoder) -> None:
    """Q-BRIDGE dot1qVlanStaticName: the VLANs a switch defines, with their names."""
    for index, value in sorted(_get(tables, "dot1qVlanStaticName").items()):
        vid = _single(index)
        if vid is None or not 0 < vid < 4095:
            dec.error("vlans", "malformed", f"dot1qVlanStaticName: index {index} is not a VLAN id")
            continue
        obs.vlans.append(ObservedVlan(vid, dec.text("vlans", "dot1qVlanStaticName", index, value)))
