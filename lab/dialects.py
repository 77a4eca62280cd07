"""What each lab platform's CLI prints: IOS, VRP and Comware, rendered from a LabDevice.

Pure functions, no I/O. The formats are copied from real devices (the raw samples in
``shared/data/cli``), so the ntc-templates that parse real outputs parse these too;
``tests/lab/test_dialects.py`` proves it value by value. Deliberate simplifications:
VRP ``display version`` prints ``HUAWEI <model> uptime is`` (AR/NE style, without the
``Routing Switch`` suffix of S-series) and the product version in brackets is the
device's ``os_version`` verbatim, ARP tables list only the state's entries (no
rows for the device's own addresses), and on VRP/Comware an ARP row names the port the
MAC was learned on (as switches do), found in the device's MAC table.
"""

from __future__ import annotations

import re
import zlib
from ipaddress import ip_interface

from netcensus.lab.state import LabDevice, LabInterface, LabNeighbour

PLATFORMS = ("cisco_ios", "huawei_vrp", "hp_comware")

# Longest prefix first: "GigabitEthernet" must win over "Ethernet".
_SHORT_NAMES: dict[str, list[tuple[str, str]]] = {
    "cisco_ios": [
        ("TenGigabitEthernet", "Te"),
        ("GigabitEthernet", "Gi"),
        ("FastEthernet", "Fa"),
        ("Port-channel", "Po"),
        ("Ethernet", "Et"),
        ("Loopback", "Lo"),
        ("Vlan", "Vl"),
    ],
    "huawei_vrp": [("XGigabitEthernet", "XGE"), ("GigabitEthernet", "GE"), ("Ethernet", "Eth")],
    "hp_comware": [
        ("Ten-GigabitEthernet", "XGE"),
        ("M-GigabitEthernet", "MGE"),
        ("GigabitEthernet", "GE"),
        ("Bridge-Aggregation", "BAGG"),
        ("Vlan-interface", "Vlan"),
        ("LoopBack", "Loop"),
    ],
}


def short_name(platform: str, interface: str) -> str:
    """The abbreviation a platform prints in tables.

    >>> short_name("huawei_vrp", "XGigabitEthernet0/0/1")
    'XGE0/0/1'
    """
    for long, short in _SHORT_NAMES[platform]:
        if interface.startswith(long):
            return short + interface[len(long) :]
    return interface


def mac_dotted(mac: str) -> str:
    """Cisco's spelling.

    >>> mac_dotted("00:1A:2b:3c:4d:5e")
    '001a.2b3c.4d5e'
    """
    digits = re.sub(r"[^0-9a-f]", "", mac.lower())
    return ".".join(digits[i : i + 4] for i in range(0, 12, 4))


def mac_dashed(mac: str) -> str:
    """Huawei's and H3C's spelling: 001a-2b3c-4d5e."""
    return mac_dotted(mac).replace(".", "-")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def uptime(device: LabDevice) -> tuple[int, int, int, int]:
    """A stable uptime per device (weeks, days, hours, minutes): outputs are reproducible."""
    h = zlib.crc32(device.name.encode())
    return h % 50, (h >> 8) % 7, (h >> 12) % 24, (h >> 17) % 60


def _is_physical(interface: LabInterface) -> bool:
    return interface.mode in ("access", "trunk") or (
        interface.mode == "routed" and "Ethernet" in interface.name
    )


def _address(interface: LabInterface) -> str | None:
    return str(ip_interface(interface.address).ip) if interface.address else None


def _state(interface: LabInterface, up: str, down: str, admin_down: str) -> str:
    if interface.oper_up:
        return up
    return down if interface.admin_up else admin_down


def _row(values: list[object], widths: list[int]) -> str:
    """Fixed-width columns; a value wider than its column pushes the rest right."""
    cells = [f"{value!s:<{width - 1}} " for value, width in zip(values, widths, strict=False)]
    return ("".join(cells) + "".join(str(v) for v in values[len(widths) :])).rstrip()


def hostname(device: LabDevice, config: str) -> str:
    """The prompt name: the configured hostname/sysname, else the device's name."""
    match = re.search(r"^ ?(?:hostname|sysname) (\S+)", config, re.M)  # Comware indents
    return match.group(1) if match else device.name


def _local(device: LabDevice, neighbour: LabNeighbour) -> LabInterface | None:
    return next((i for i in device.interfaces if i.name == neighbour.local_interface), None)


# --------------------------------------------------------------------------- Cisco IOS

_LLDP_CODES = {
    "router": "R",
    "bridge": "B",
    "telephone": "T",
    "docsisCableDevice": "C",
    "wlanAccessPoint": "W",
    "repeater": "P",
    "station": "S",
}
_CDP_CAPS = {
    "router": "Router",
    "wlanAccessPoint": "Trans-Bridge",
    "bridge": "Switch",
    "station": "Host",
    "telephone": "Phone",
    "repeater": "Repeater",
}

_IOS_VERSION = """\
Cisco IOS Software, {family} Software ({image}), Version {version}, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2020 by Cisco Systems, Inc.
Compiled Tue 14-Jan-20 09:12 by prod_rel_team

ROM: Bootstrap program is {family} boot loader
BOOTLDR: {family} Boot Loader ({family}-HBOOT-M) Version 15.2(3r)E1, RELEASE SOFTWARE (fc1)

{hostname} uptime is {uptime}
System returned to ROM by power-on
System restarted at 08:15:02 CST Mon Mar 2 2020
System image file is "flash:{image_file}"
Last reload reason: power-on



cisco {model} (APM86XXX) processor (revision B0) with 524288K bytes of memory.
Processor board ID {serial}
Last reset from power-on
1 Virtual Ethernet interface
{ports} Gigabit Ethernet interfaces
The password-recovery mechanism is enabled.

512K bytes of flash-simulated non-volatile configuration memory.
"""
_IOS_VERSION_SWITCH = """\
Base ethernet MAC Address       : {mac}
Motherboard assembly number     : 73-14200-08
Motherboard serial number       : {serial}
Model number                    : {model}
System serial number            : {serial}


Switch Ports Model                     SW Version            SW Image
------ ----- -----                     ----------            ----------
*    1 {ports:<5} {model:<25} {version:<21} {image}
"""


def ios_show_version(device: LabDevice, config: str = "") -> str:
    base = device.model[3:] if device.model.startswith("WS-") else device.model
    family = re.sub(r"[^A-Za-z0-9]", "", base.split("-")[0]).upper()
    weeks, days, hours, minutes = uptime(device)
    compact = re.sub(r"[^0-9A-Za-z]+", ".", device.os_version).strip(".")
    values = {
        "family": family,
        "image": f"{family}-UNIVERSALK9-M",
        "image_file": f"{family.lower()}-universalk9-mz.{compact}.bin",
        "version": device.os_version,
        "hostname": hostname(device, config),
        "uptime": ", ".join(
            [_plural(weeks, "week"), _plural(days, "day"), _plural(hours, "hour")]
            + [_plural(minutes, "minute")]
        ),
        "model": device.model,
        "serial": device.serial,
        "mac": device.chassis_mac.lower(),
        "ports": len(device.interfaces),
    }
    text = _IOS_VERSION.format(**values)
    if is_switch(device):
        text += _IOS_VERSION_SWITCH.format(**values)
    return text + "\nConfiguration register is 0xF\n"


def ios_show_ip_interface_brief(device: LabDevice) -> str:
    widths = [27, 16, 4, 7, 22]
    lines = [_row(["Interface", "IP-Address", "OK?", "Method", "Status", "Protocol"], widths)]
    for i in device.interfaces:
        address = _address(i)
        status = _state(i, "up", "down", "administratively down")
        method = "NVRAM" if address else "unset"
        proto = "up" if i.oper_up else "down"
        lines.append(_row([i.name, address or "unassigned", "YES", method, status, proto], widths))
    return "\n".join(lines) + "\n"


def _lldp_caps(neighbour: LabNeighbour) -> str:
    return ",".join(_LLDP_CODES.get(c, "O") for c in neighbour.remote_capabilities)


def ios_show_lldp_neighbors(device: LabDevice) -> str:
    lines = [
        "Capability codes:",
        "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
        "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other",
        "",
        _row(["Device ID", "Local Intf", "Hold-time", "Capability", "Port ID"], [20, 15, 11, 16]),
    ]
    for n in device.neighbours:
        local = short_name("cisco_ios", n.local_interface)
        row = [n.remote_device[:20], local, "120", _lldp_caps(n), n.remote_interface]
        lines.append(_row(row, [20, 15, 11, 16]))
    lines += ["", f"Total entries displayed: {len(device.neighbours)}", ""]
    return "\n".join(lines)


_IOS_LLDP_DETAIL = """\
------------------------------------------------
Local Intf: {local}
Chassis id: {chassis}
Port id: {port}
Port Description: {port}
System Name: {name}

{description}

Time remaining: 104 seconds
System Capabilities: {caps}
Enabled Capabilities: {caps}
{management}
Auto Negotiation - supported, enabled
Physical media capabilities:
    1000baseT(FD)
    100base-TX(FD)
Media Attachment Unit type: 30
Vlan ID: {vlan}

"""


def ios_show_lldp_neighbors_detail(device: LabDevice) -> str:
    text = ""
    for n in device.neighbours:
        local = _local(device, n)
        text += _IOS_LLDP_DETAIL.format(
            local=short_name("cisco_ios", n.local_interface),
            chassis=mac_dotted(n.remote_chassis_mac),
            port=n.remote_interface,
            name=n.remote_device,
            description=f"System Description: \n{n.remote_platform}"
            if n.remote_platform
            else "System Description - not advertised",
            caps=_lldp_caps(n) or "- not advertised",
            management=f"Management Addresses:\n    IP: {n.remote_mgmt_address}"
            if n.remote_mgmt_address
            else "Management Addresses - not advertised",
            vlan=local.vlan if local else "- not advertised",
        )
    return text + f"\nTotal entries displayed: {len(device.neighbours)}\n"


def ios_show_cdp_neighbors(device: LabDevice) -> str:
    lines = [
        "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge",
        "                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone,",
        "                  D - Remote, C - CVTA, M - Two-port Mac Relay",
        "",
        "Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID",
    ]
    for n in device.neighbours:
        caps = " ".join(v[0] for k, v in _CDP_CAPS.items() if k in n.remote_capabilities) or "H"
        platform = (n.remote_platform or "Unknown").split()[0].rstrip(",")[:9]
        # CDP's brief table writes "Gig 1/0/1": three letters, a space, the number.
        local, remote = (
            re.sub(r"^([A-Za-z-]{3})[A-Za-z-]*", r"\1 ", name)
            for name in (n.local_interface, n.remote_interface)
        )
        row = f"{local:<17}{'152':>7}{caps:>15} {platform:<9} {remote}"
        if len(n.remote_device) > 16:  # IOS puts a long Device ID on a line of its own
            lines += [n.remote_device, f"{'':17}{row}"]
        else:
            lines.append(f"{n.remote_device:<17}{row}")
    lines += ["", f"Total cdp entries displayed : {len(device.neighbours)}", ""]
    return "\n".join(lines)


_IOS_CDP_DETAIL = """\
-------------------------
Device ID: {name}
Entry address(es):{address}
Platform: {platform},  Capabilities: {caps}
Interface: {local},  Port ID (outgoing port): {port}
Holdtime : 152 sec

Version :
{platform}

advertisement version: 2
Duplex: full
Management address(es):{address}

"""


def ios_show_cdp_neighbors_detail(device: LabDevice) -> str:
    text = ""
    for n in device.neighbours:
        text += _IOS_CDP_DETAIL.format(
            name=n.remote_device,
            address=f"\n  IP address: {n.remote_mgmt_address}" if n.remote_mgmt_address else "",
            platform=n.remote_platform or "Unknown",
            caps=" ".join(v for k, v in _CDP_CAPS.items() if k in n.remote_capabilities) or "Host",
            local=n.local_interface,
            port=n.remote_interface,
        )
    return text + f"\nTotal cdp entries displayed : {len(device.neighbours)}\n"


def ios_show_mac_address_table(device: LabDevice) -> str:
    lines = [
        "          Mac Address Table",
        "-------------------------------------------",
        "",
        "Vlan    Mac Address       Type        Ports",
        "----    -----------       --------    -----",
    ]
    for entry in device.mac_table:
        port = short_name("cisco_ios", entry.interface)
        lines.append(f"{entry.vlan:>4}    {mac_dotted(entry.mac)}    DYNAMIC     {port}")
    lines += [f"Total Mac Addresses for this criterion: {len(device.mac_table)}", ""]
    return "\n".join(lines)


def ios_show_ip_arp(device: LabDevice) -> str:
    lines = ["Protocol  Address          Age (min)  Hardware Addr   Type   Interface"]
    for e in device.arp_table:
        lines.append(f"Internet  {e.ip:<16} {4:>9}   {mac_dotted(e.mac):<15} ARPA   {e.interface}")
    return "\n".join(lines) + "\n"


def ios_show_inventory(device: LabDevice) -> str:
    return (
        f'NAME: "1", DESCR: "{device.model}"\n'
        f"PID: {device.model:<18}, VID: V05  , SN: {device.serial}\n\n"
    )


def ios_show_running_config(device: LabDevice, config: str) -> str:
    size = len(config.encode())
    return f"Building configuration...\n\nCurrent configuration : {size} bytes\n{config}"


def is_switch(device: LabDevice) -> bool:
    """Has switch ports: IOS then shows the switch block in ``show version`` and a VLAN table."""
    return any(i.mode in ("access", "trunk") for i in device.interfaces)


# Token Ring / FDDI VLANs every Catalyst lists: id, name, type, STP.
_IOS_LEGACY_VLANS = [
    (1002, "fddi-default", "fddi", "-"),
    (1003, "token-ring-default", "tr", "-"),
    (1004, "fddinet-default", "fdnet", "ieee"),
    (1005, "trnet-default", "trnet", "ibm"),
]
_IOS_VLAN_TAIL = """
Remote SPAN VLANs
------------------------------------------------------------------------------


Primary Secondary Type              Ports
------- --------- ----------------- ------------------------------------------
"""


def ios_vlans(device: LabDevice, config: str) -> dict[int, str]:
    """VLAN id -> name: VLAN 1, the configured ``vlan N`` / `` name X``, the access ports'."""
    names = {1: "default"}
    for vlan, name in re.findall(r"^vlan (\d+)\n(?: name (\S+))?", config, re.M):
        names[int(vlan)] = name or f"VLAN{int(vlan):04d}"
    for i in device.interfaces:
        if i.mode == "access":
            names.setdefault(i.vlan, f"VLAN{i.vlan:04d}")
    return dict(sorted(names.items()))


def ios_show_vlan(device: LabDevice, config: str, brief: bool = False) -> str:
    """``show vlan [brief]``: access ports by VLAN, four to a line; trunks are not listed."""
    lines = [
        "",
        "VLAN Name                             Status    Ports",
        "---- -------------------------------- --------- -------------------------------",
    ]
    vlans = ios_vlans(device, config)
    for vlan, name in vlans.items():
        ports = [
            short_name("cisco_ios", i.name)
            for i in device.interfaces
            if i.mode == "access" and i.vlan == vlan
        ]
        rows = [", ".join(ports[n : n + 4]) for n in range(0, len(ports), 4)] or [""]
        lines.append(_row([vlan, name, "active", rows[0]], [5, 33, 10]))
        lines += [" " * 48 + row for row in rows[1:]]
    lines += [_row([vlan, name, "act/unsup"], [5, 33]) for vlan, name, _, _ in _IOS_LEGACY_VLANS]
    if brief:
        return "\n".join(lines) + "\n"
    lines += [
        "",
        "VLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2",
        "---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------",
    ]
    types = [(vlan, "enet", "-") for vlan in vlans]
    types += [(vlan, kind, stp) for vlan, _, kind, stp in _IOS_LEGACY_VLANS]
    widths = [5, 6, 11, 6, 7, 7, 9, 5, 9, 7]
    lines += [
        _row([vlan, kind, 100000 + vlan, 1500, "-", "-", "-", stp, "-", 0, 0], widths)
        for vlan, kind, stp in types
    ]
    return "\n".join(lines) + "\n" + _IOS_VLAN_TAIL


def view_vlans(device: LabDevice, config: str) -> dict[int, str]:
    """VRP / Comware VLAN id -> name: VLAN 1, ``vlan batch``, ``vlan N`` blocks (with a
    `` description`` on VRP, `` name`` on Comware) and the access ports' VLANs; the
    default name is ``VLAN 0010``."""
    ids = {1} | {i.vlan for i in device.interfaces if i.mode == "access"}
    for batch in re.findall(r"^vlan batch ([\d ]+)$", config, re.M):
        ids |= {int(v) for v in batch.split()}
    named = {}
    for vlan, name in re.findall(r"^vlan (\d+)\n(?: (?:description|name) (.+))?", config, re.M):
        ids.add(int(vlan))
        if name:
            named[int(vlan)] = name.strip()
    return {vlan: named.get(vlan, f"VLAN {vlan:04d}") for vlan in sorted(ids)}


def _access_ports(platform: str, device: LabDevice, vlan: int) -> list[str]:
    return [
        short_name(platform, i.name)
        for i in device.interfaces
        if i.mode == "access" and i.vlan == vlan
    ]


# --------------------------------------------------------------------------- Huawei VRP

_VRP_VERSION = """\
Huawei Versatile Routing Platform Software
VRP (R) software, Version {version}
Copyright (C) 2000-2020 HUAWEI TECH CO., LTD
HUAWEI {model} uptime is {uptime}

ES5D2T28S005 0(Master) : uptime is {uptime}
DDR             Memory Size : 512    M bytes
FLASH Total     Memory Size : 512    M bytes
FLASH Available Memory Size : 231    M bytes
Pcb           Version   : VER.B
BootROM       Version   : 020b.0001
BootLoad      Version   : 020b.0001
CPLD          Version   : 0109
Software      Version   : VRP (R) Software, Version {version}
"""


def vrp_display_version(device: LabDevice) -> str:
    weeks, days, hours, minutes = uptime(device)
    up = f"{_plural(weeks * 7 + days, 'day')}, {_plural(hours, 'hour')}, "
    if "(" in device.os_version:
        version = device.os_version  # already "5.170 (S5720 V200R019C10SPC500)"
    else:
        vrp = "8.180" if re.match(r"V8\d\dR", device.os_version) else "5.170"  # VRP8: NE, CE
        version = f"{vrp} ({device.os_version})"
    return _VRP_VERSION.format(
        version=version, model=device.model, uptime=up + _plural(minutes, "minute")
    )


_VRP_INTERFACE_LEGEND = """\
PHY: Physical
*down: administratively down
^down: standby
(l): loopback
(s): spoofing
(E): E-Trunk down
(b): BFD down
(e): ETHOAM down
(d): Dampening Suppressed
InUti/OutUti: input utility/output utility
Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors
"""


def vrp_display_interface_brief(device: LabDevice) -> str:
    lines = []
    for i in device.interfaces:
        phy = _state(i, "up", "down", "*down")
        proto = "up" if i.oper_up else "down"
        util = "0%" if _is_physical(i) else "--"
        lines.append(f"{i.name:<27} {phy:<5} {proto:<8} {util:>6} {util:>6} {0:>10} {0:>10}")
    return _VRP_INTERFACE_LEGEND + "\n".join(lines) + "\n"


def vrp_display_ip_interface_brief(device: LabDevice) -> str:
    routed = [i for i in device.interfaces if i.address or not _is_physical(i)]
    up = sum(1 for i in routed if i.oper_up)
    lines = ["*down: administratively down", "^down: standby", "(l): loopback", "(s): spoofing"]
    for layer in ("Physical", "Protocol"):
        lines.append(f"The number of interface that is UP in {layer} is {up}")
        lines.append(f"The number of interface that is DOWN in {layer} is {len(routed) - up}")
    lines += ["", "Interface                         IP Address/Mask      Physical   Protocol  "]
    for i in routed:
        phy = _state(i, "up", "down", "*down")
        proto = "up" if i.oper_up else "down"
        lines.append(f"{i.name:<33} {i.address or 'unassigned':<20} {phy:<10} {proto:<10}")
    return "\n".join(lines) + "\n"


_VRP_LLDP_NEIGHBOUR = """\
Neighbor index :{index}
Chassis type   :macAddress
Chassis ID     :{chassis}
Port ID type   :interfaceName
Port ID        :{port}
Port description    :{port}
System name         :{name}
System description  :{description}
System capabilities supported   :{caps}
System capabilities enabled     :{caps}
{management}Expired time   :104s

Port VLAN ID(PVID)  :{vlan}
Protocol identity   :

Auto-negotiation supported    :Yes
Auto-negotiation enabled      :Yes
OperMau   :speed(1000)/duplex(Full)

Link aggregation supported:Yes
Link aggregation enabled :No
Aggregation port ID      :0
Maximum frame Size       :9216

"""


def vrp_display_lldp_neighbor(device: LabDevice) -> str:
    text = ""
    for i in filter(_is_physical, device.interfaces):
        found = [n for n in device.neighbours if n.local_interface == i.name]
        if not found:
            text += f"{i.name} has 0 neighbor(s)\n\n"
            continue
        text += f"{i.name} has {len(found)} neighbor(s):\n\n"
        for index, n in enumerate(found, 1):
            mgmt = n.remote_mgmt_address
            text += _VRP_LLDP_NEIGHBOUR.format(
                index=index,
                chassis=mac_dashed(n.remote_chassis_mac),
                port=n.remote_interface,
                name=n.remote_device,
                description=n.remote_platform,
                caps=" ".join(n.remote_capabilities),
                management=f"Management address type  :ipV4\nManagement address : {mgmt}\n"
                if mgmt
                else "",
                vlan=i.vlan,
            )
    return text


def vrp_display_lldp_neighbor_brief(device: LabDevice) -> str:
    widths = [17, 25, 26]
    lines = [_row(["Local Intf", "Neighbor Dev", "Neighbor Intf", "Exptime(s)"], widths)]
    for n in device.neighbours:
        local = short_name("huawei_vrp", n.local_interface)
        lines.append(_row([local, n.remote_device, n.remote_interface, "104"], widths))
    return "\n".join(lines) + "\n"


def vrp_display_mac_address(device: LabDevice) -> str:
    rule = "-" * 79
    header = "MAC Address    VLAN/VSI/BD                       Learned-From        Type"
    lines = [rule, header, rule]
    for entry in device.mac_table:
        port = short_name("huawei_vrp", entry.interface)
        lines.append(f"{mac_dashed(entry.mac)} {f'{entry.vlan}/-/-':<33} {port:<19} dynamic")
    lines += ["", rule, f"Total items displayed = {len(device.mac_table)}", ""]
    return "\n".join(lines)


def _arp_port(device: LabDevice, mac: str, l3_interface: str) -> tuple[str, int | None]:
    """A switch's ARP row names the port the MAC was learned on, and its VLAN."""
    vlan = re.search(r"(\d+)$", l3_interface) if "lan" in l3_interface else None
    for entry in device.mac_table:
        if entry.mac == mac and (vlan is None or entry.vlan == int(vlan.group(1))):
            return entry.interface, entry.vlan
    return l3_interface, int(vlan.group(1)) if vlan else None


def vrp_display_arp(device: LabDevice) -> str:
    rule = "-" * 78
    lines = [
        "IP ADDRESS      MAC ADDRESS     EXPIRE(M) TYPE        INTERFACE      VPN-INSTANCE",
        "                                          VLAN/CEVLAN PVC",
        rule,
    ]
    for e in device.arp_table:
        port, vlan = _arp_port(device, e.mac, e.interface)
        port = short_name("huawei_vrp", port)
        lines.append(f"{e.ip:<15} {mac_dashed(e.mac):<15} {'20':<9} {'D-0':<11} {port}")
        if vlan is not None:
            lines.append(f"{'':42}{vlan}/-")
    count = len(device.arp_table)
    lines += [rule, f"Total:{count:<10}Dynamic:{count:<8}Static:0     Interface:0", ""]
    return "\n".join(lines)


def vrp_display_esn(device: LabDevice) -> str:
    return f"ESN of slot 0: {device.serial}\n"


_VRP_VLAN_LEGEND = """\
The total number of vlans is : {count}
--------------------------------------------------------------------------------
U: Up;         D: Down;         TG: Tagged;         UT: Untagged;
MP: Vlan-mapping;               ST: Vlan-stacking;
#: ProtocolTransparent-vlan;    *: Management-vlan;
--------------------------------------------------------------------------------
"""


def vrp_display_vlan(device: LabDevice, config: str) -> str:
    """``display vlan`` of an S-series switch: ports per VLAN, then status and description."""
    vlans = view_vlans(device, config)
    lines = [_VRP_VLAN_LEGEND.format(count=len(vlans)), "VID  Type    Ports", "-" * 80]
    for vlan in vlans:
        ports = [f"{p}(U)" for p in _access_ports("huawei_vrp", device, vlan)]
        lines.append(_row([vlan, "common", ("UT:" if ports else "") + "  ".join(ports)], [5, 8]))
    lines += ["", "VID  Status  Property      MAC-LRN Statistics Description", "-" * 80]
    lines += [
        _row([vlan, "enable", "default", "enable", "disable", name], [5, 8, 14, 8, 11])
        for vlan, name in vlans.items()
    ]
    return "\n".join(lines) + "\n"


_VRP_ELABEL = """\
/$[System Integration Version]
/$SystemIntegrationVersion=3.0

[Slot_0]
/$[Board Integration Version]
/$BoardIntegrationVersion=3.0

[Board Properties]
BoardType={model}
BarCode={serial}
Item=02359691
Description=Quidway {model} Mainframe
Manufactured=2019-08-21
VendorName=Huawei
IssueNumber=00
CLEICode=
BOM=
"""


def vrp_display_elabel(device: LabDevice) -> str:
    return _VRP_ELABEL.format(model=device.model, serial=device.serial)


# --------------------------------------------------------------------------- H3C Comware

_CW_CAPS = {
    "bridge": "Bridge",
    "router": "Router",
    "station": "Station only",
    "telephone": "Telephone",
    "wlanAccessPoint": "WLAN access point",
    "repeater": "Repeater",
}

_CW_VERSION = """\
H3C Comware Software, Version {version}
Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.
H3C {model} uptime is {weeks} weeks, {days} days, {hours} hours, {minutes} minutes
Last reboot reason : Cold reboot

Boot image: flash:/s5130ei-cmw710-boot.bin
Boot image version: {version}
  Compiled Mar 09 2021 15:00:00
System image: flash:/s5130ei-cmw710-system.bin
System image version: {version}
  Compiled Mar 09 2021 15:00:00


Slot 1:
Uptime is {weeks} weeks,{days} days,{hours} hours,{minutes} minutes
{model} with 1 Processor
BOARD TYPE:         {model}
DRAM:               1024M bytes
FLASH:              512M bytes
PCB 1 Version:      VER.B
Bootrom Version:    147
CPLD 1 Version:     002
Release Version:    H3C {model}-{release}
Patch Version  :    None
Reboot Cause  :     ColdReboot
[SubSlot 0] 24GE+4SFP Plus
"""


def cw_display_version(device: LabDevice) -> str:
    weeks, days, hours, minutes = uptime(device)
    return _CW_VERSION.format(
        version=device.os_version,
        release=device.os_version.split()[-1],
        model=device.model,
        weeks=weeks,
        days=days,
        hours=hours,
        minutes=minutes,
    )


_CW_ROUTE_MODE = """\
Brief information on interfaces in route mode:
Link: ADM - administratively down; Stby - standby
Protocol: (s) - spoofing
Interface            Link Protocol Primary IP      Description
"""
_CW_BRIDGE_MODE = """\
Brief information on interfaces in bridge mode:
Link: ADM - administratively down; Stby - standby
Speed: (a) - auto
Duplex: (a)/A - auto; H - half; F - full
Type: A - access; T - trunk; H - hybrid
Interface            Link Speed     Duplex Type PVID Description
"""


def cw_display_interface_brief(device: LabDevice) -> str:
    routed = [i for i in device.interfaces if i.mode not in ("access", "trunk")]
    bridged = [i for i in device.interfaces if i.mode in ("access", "trunk")]
    text = ""
    if routed:
        text += _CW_ROUTE_MODE
        for i in routed:
            spoofing = "UP(s)" if i.name.startswith("LoopBack") else "UP"
            proto = spoofing if i.oper_up else "DOWN"
            row = [short_name("hp_comware", i.name), _state(i, "UP", "DOWN", "ADM"), proto]
            text += _row([*row, _address(i) or "--", i.description], [21, 5, 9, 16]) + "\n"
        text += "\n"
    if bridged:
        text += _CW_BRIDGE_MODE
        for i in bridged:
            speed = "auto"
            if i.oper_up:
                gbps = i.speed >= 1_000_000_000
                speed = f"{i.speed // 1_000_000_000}G(a)" if gbps else f"{i.speed // 1_000_000}M(a)"
            row = [short_name("hp_comware", i.name), _state(i, "UP", "DOWN", "ADM"), speed]
            row += ["F(a)" if i.oper_up else "A", "A" if i.mode == "access" else "T", i.vlan]
            text += _row([*row, i.description], [21, 5, 10, 7, 5, 5]) + "\n"
        text += "\n"
    return text


def cw_display_lldp_list(device: LabDevice) -> str:
    widths = [21, 16, 16]
    lines = [
        "Chassis ID : * -- -- Nearest nontpmr bridge neighbor",
        "             # -- -- Nearest customer bridge neighbor",
        "             Default -- -- Nearest bridge neighbor",
        _row(["System Name", "Local Interface", "Chassis ID", "Port ID"], widths),
    ]
    for n in device.neighbours:
        local = short_name("hp_comware", n.local_interface)
        chassis = mac_dashed(n.remote_chassis_mac)
        lines.append(_row([n.remote_device, local, chassis, n.remote_interface], widths))
    return "\n".join(lines) + "\n"


_CW_LLDP_VERBOSE = """\
LLDP neighbor-information of port {if_index}[{local}]:
LLDP agent nearest-bridge:
 LLDP neighbor index : 1
 Update time         : 0 days, 0 hours, 2 minutes, 16 seconds
 Chassis type        : MAC address
 Chassis ID          : {chassis}
 Port ID type        : Interface name
 Port ID             : {port}
 Time to live        : 121
 Port description    : {port}
 System name         : {name}
 System description  : {description}
 System capabilities supported : {caps}
 System capabilities enabled   : {caps}
{management} Port VLAN ID(PVID)  : {vlan}
 Link aggregation supported : Yes
 Link aggregation enabled   : No
 Aggregation port ID        : 0
 Auto-negotiation supported : Yes
 Auto-negotiation enabled   : Yes
 OperMau                    : Speed(1000)/Duplex(Full)
 Maximum frame size         : 9216

"""
_CW_LLDP_MANAGEMENT = """\
 Management address type           : IPv4
 Management address                : {address}
 Management address interface type : IfIndex
 Management address interface ID   : Unknown
 Management address OID            : 0
"""


def cw_display_lldp_verbose(device: LabDevice) -> str:
    text = ""
    for n in device.neighbours:
        local = _local(device, n)
        address = n.remote_mgmt_address
        text += _CW_LLDP_VERBOSE.format(
            if_index=local.if_index if local else 0,
            local=n.local_interface,
            chassis=mac_dashed(n.remote_chassis_mac),
            port=n.remote_interface,
            name=n.remote_device,
            description=n.remote_platform,
            caps=", ".join(_CW_CAPS.get(c, c) for c in n.remote_capabilities),
            management=_CW_LLDP_MANAGEMENT.format(address=address) if address else "",
            vlan=local.vlan if local else 1,
        )
    return text


def cw_display_mac_address(device: LabDevice) -> str:
    widths = [15, 9, 15, 25]
    lines = [_row(["MAC ADDR", "VLAN ID", "STATE", "PORT INDEX", "AGING TIME(s)"], widths)]
    for e in device.mac_table:
        lines.append(_row([mac_dashed(e.mac), e.vlan, "Learned", e.interface, "AGING"], widths))
    lines += ["", f"  ---  {len(device.mac_table)} mac address(es) found  ---", ""]
    return "\n".join(lines)


def cw_display_arp(device: LabDevice) -> str:
    widths = [16, 15, 14, 25, 6]
    lines = [
        "  Type: S-Static   D-Dynamic   O-Openflow   R-Rule   M-Multiport  I-Invalid",
        _row(["IP address", "MAC address", "VLAN/VSI name", "Interface", "Aging", "Type"], widths),
    ]
    for e in device.arp_table:
        port, vlan = _arp_port(device, e.mac, e.interface)
        row = [e.ip, mac_dashed(e.mac), "N/A" if vlan is None else vlan]
        lines.append(_row([*row, short_name("hp_comware", port), 1183, "D"], widths))
    return "\n".join(lines) + "\n"


def cw_display_vlan_brief(device: LabDevice, config: str) -> str:
    """``display vlan brief`` (Comware 7): id, name (33 wide), access ports."""
    lines = [
        "Brief information about all VLANs:",
        "Supported Minimum VLAN ID: 1",
        "Supported Maximum VLAN ID: 4094",
        "Default VLAN ID: 1",
        "VLAN ID   Name                             Port",
    ]
    for vlan, name in view_vlans(device, config).items():
        ports = "  ".join(_access_ports("hp_comware", device, vlan))
        lines.append(_row([vlan, name, ports], [10, 33]))
    return "\n".join(lines) + "\n"


_CW_MANUINFO = """\
Slot 1 CPU 0:
DEVICE_NAME          : {model}
DEVICE_SERIAL_NUMBER : {serial}
MAC_ADDRESS          : {mac}
MANUFACTURING_DATE   : 2020-11-05
VENDOR_NAME          : H3C
"""


def cw_display_device_manuinfo(device: LabDevice) -> str:
    mac = mac_dashed(device.chassis_mac).upper()
    return _CW_MANUINFO.format(model=device.model, serial=device.serial, mac=mac)
