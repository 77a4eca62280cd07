"""Running configurations and version strings of the lab's devices, per platform.

Clean devices get the hardened configuration a careful engineer would write: they must
pass every config check of shared/COMPLIANCE-CATALOG.md (section 1) — AAA with
TACACS+/HWTACACS first, hashed passwords only, SSHv2 with strong ciphers and an ACL on
the vty, no Telnet/HTTP, a warning banner, two syslog hosts at informational, dated
timestamps, two authenticated NTP servers, SNMPv3 authPriv bound to an ACL (plus a
read-only, ACL-bound v2c community at level-2 sites only), lockout, idle timeout 5 min,
configuration archive, source interfaces for every management client, hardened
Internet edges. ``ConfigFlags`` switch on the planted deviations.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress

from netutils.password import encrypt_cisco_type7, encrypt_cisco_type9

from netcensus.inventory.enums import DeviceRole
from netcensus.lab import configs_vendor
from netcensus.lab.state import LabDevice, LabInterface
from netcensus.lab.topology import (
    INTERNAL,
    ZONE_PLAN,
    Builder,
    DeviceRecord,
    is_physical,
)

BANNER = "Authorized access only. All activity is monitored and logged. 授权人员访问，操作全程审计"


@functools.cache
def type9(secret: str, salt: str) -> str:
    # scrypt is slow on purpose: cached, since secrets are per zone, not per device.
    return encrypt_cisco_type9(secret, salt=salt)


def type7(secret: str) -> str:
    return encrypt_cisco_type7(secret, salt=7)


def opaque(secret: str, prefix: str, length: int = 48) -> str:
    """A stand-in for a vendor's one-way/encrypted form: stable, not reversible."""
    digest = hashlib.sha512((prefix + secret).encode()).digest()
    return prefix + base64.b64encode(digest).decode()[:length]


def services(zone: str) -> dict[str, list[str]]:
    """Per-zone management servers (in the root site's /24 of that zone; catalog ISO-08)."""
    base = ZONE_PLAN[zone].pool.network_address
    return {
        "syslog": [str(base + 10), str(base + 11)],
        "ntp": [str(base + 10), str(base + 11)],
        "tacacs": [str(base + 11), str(base + 12)],
        "nms": [str(base + 12)],
        "mgmt_net": [str(base), "0.0.0.255", "255.255.255.0"],
    }


def finish(record: DeviceRecord, builder: Builder) -> None:
    """Fill in what depends on the finished topology: sysDescr, routes, running config."""
    device = record.device
    device.sys_descr = sys_descr(device)
    if device.platform == "other":
        return
    if DeviceRole(device.role) in (DeviceRole.ROUTER, DeviceRole.FIREWALL):
        name = "Loopback0" if device.platform == "cisco_ios" else "LoopBack0"
        if not any(i.name == name for i in device.interfaces):
            builder.add_logical(record, name, f"{record.mgmt_ip}/32")
    _derive_routes(record, builder)
    render = {
        "cisco_ios": configs_vendor.ios,
        "huawei_vrp": configs_vendor.vrp,
        "hp_comware": configs_vendor.comware,
    }[device.platform]
    device.running_config = render(record, builder)


def _derive_routes(record: DeviceRecord, builder: Builder) -> None:
    """Switches route their zone via the site's routers; the external side defaults to
    the firewall (internal zones never carry a default route: catalog ISO-03)."""
    device = record.device
    role = DeviceRole(device.role)
    pool = str(ZONE_PLAN[device.zone].pool)
    peers = routed_peers(record, builder)
    if role is DeviceRole.CORE_SWITCH:
        routers = [hop for kind, hop in peers if kind == DeviceRole.ROUTER.value]
        firewalls = [hop for kind, hop in peers if kind == DeviceRole.FIREWALL.value]
        if routers:
            record.routes.append((pool, routers[0]))
        if firewalls and device.zone != INTERNAL:
            record.routes.append(("0.0.0.0/0", firewalls[0]))
    elif role is DeviceRole.FIREWALL or (
        role is DeviceRole.ROUTER and device.zone != INTERNAL and not record.routes
    ):
        cores = [hop for kind, hop in peers if kind == DeviceRole.CORE_SWITCH.value]
        if cores:
            record.routes.append((str(record.site.lan(device.zone)), cores[0]))


def routed_peers(record: DeviceRecord, builder: Builder) -> list[tuple[str, str]]:
    """(peer role, peer address) over each routed, cabled port of this device."""
    found = []
    by_port = {i.name: i for i in record.device.interfaces}
    for neighbour in record.device.neighbours:
        peer = builder.records.get(neighbour.remote_device)
        local = by_port.get(neighbour.local_interface)
        if peer is None or local is None or local.mode != "routed" or not local.address:
            continue
        remote = next(
            (i for i in peer.device.interfaces if i.name == neighbour.remote_interface), None
        )
        if remote is not None and remote.address:
            found.append((peer.device.role, remote.address.split("/")[0]))
    return found


def sys_descr(device: LabDevice) -> str:
    """The platform's own sysDescr wording, as collectors meet it on real devices."""
    model, version = device.model, device.os_version
    if device.platform == "cisco_ios":
        if version.startswith("15."):
            return (
                f"Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version {version}, "
                "RELEASE SOFTWARE (fc1)\r\nTechnical Support: http://www.cisco.com/techsupport\r\n"
                "Copyright (c) 1986-2023 by Cisco Systems, Inc.\r\nCompiled Tue 18-Jul-23 05:06 "
                "by mcpre"
            )
        return (
            f"Cisco IOS Software [Cupertino], {model} Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
            f"Version {version}, RELEASE SOFTWARE (fc3)\r\nTechnical Support: "
            "http://www.cisco.com/techsupport\r\nCopyright (c) 1986-2023 by Cisco Systems, Inc.\r\n"
            "Compiled Thu 19-Oct-23 10:47 by mcpre"
        )
    if device.platform == "huawei_vrp":
        family = "V300" if version.startswith("V300") else "V200"
        return (
            f"{model}\r\nHuawei Versatile Routing Platform Software\r\nVRP (R) software, "
            f"Version {'8.210' if family == 'V300' else '5.170'} ({model.split('-')[0]} {version})"
            "\r\nCopyright (C) 2000-2023 HUAWEI TECH Co., Ltd."
        )
    if device.platform == "hp_comware":
        return (
            f"H3C Comware Platform Software, Software Version {version}\r\nH3C {model}\r\n"
            "Copyright (c) 2004-2023 New H3C Technologies Co., Ltd. All rights reserved."
        )
    role = DeviceRole(device.role)
    if role is DeviceRole.SERVER:
        return (
            f"Linux {device.name} 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC "
            "2023 x86_64"
        )
    return f"{device.model} {device.os_version}"


def netmask(address: str) -> tuple[str, str]:
    """``10.0.0.1/30`` -> ('10.0.0.1', '255.255.255.252')."""
    interface = ipaddress.ip_interface(address)
    return str(interface.ip), str(interface.netmask)


def wildcard(prefix: str) -> tuple[str, str]:
    network = ipaddress.ip_network(prefix)
    return str(network.network_address), str(network.hostmask)


def internet_edge(interface: LabInterface, record: DeviceRecord, builder: Builder) -> bool:
    """A legitimate, hardened Internet uplink (LLDP off). The rogue one (a fault) is not."""
    return builder.internet_ports.get((record.device.name, interface.name)) is False


def rogue_uplink(interface: LabInterface, record: DeviceRecord, builder: Builder) -> bool:
    return builder.internet_ports.get((record.device.name, interface.name)) is True


def zone_vlans(record: DeviceRecord) -> list[int]:
    plan = ZONE_PLAN[record.device.zone]
    vlans = {plan.user_vlan, plan.mgmt_vlan}
    vlans.update(i.vlan for i in record.device.interfaces if i.vlan not in (1,))
    return sorted(vlans)


def physical(record: DeviceRecord) -> list[LabInterface]:
    return [i for i in record.device.interfaces if is_physical(i)]


def logical(record: DeviceRecord) -> list[LabInterface]:
    return [i for i in record.device.interfaces if not is_physical(i)]
