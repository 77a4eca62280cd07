"""The simulated network's state: what each lab device is and what it answers.

The generator writes this (``lab-state.json``); the SNMP agents (.snmprec files)
and the SSH CLIs render from it; ``ground-truth.json`` is derived from it.
The lab shares no code with collectors or compliance, so its truth is independent
of what it tests.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# SSH oddities of real devices and terminal servers a lab device can have
# (``LabDevice.ssh_quirk``), each a planted fault the SSH collector must survive:
# no-banner     the TCP port answers but no SSH version banner ever comes
# silent-shell  login succeeds, then the shell prints nothing at all
# wrong-prompt  the shell prints a prompt of another kind (a Linux shell behind the address)
# slow          every answer comes SLOW_SSH_DELAY_S late, as over a satellite link
SSH_QUIRKS = ("no-banner", "silent-shell", "wrong-prompt", "slow")
SLOW_SSH_DELAY_S = 1.5
WRONG_PROMPT = "[admin@jump-host ~]$ "


@dataclass
class LabInterface:
    name: str  # platform spelling: GigabitEthernet0/1, GigabitEthernet0/0/1, GigabitEthernet1/0/1
    if_index: int
    speed: int  # bits per second
    mac: str  # aa:bb:cc:dd:ee:ff
    description: str = ""
    admin_up: bool = True
    oper_up: bool = True
    mode: str = "access"  # access / trunk / routed
    vlan: int = 1  # access VLAN (or native VLAN of a trunk)
    address: str | None = None  # "10.1.2.3/24" on routed / VLAN interfaces
    zone: str | None = None  # set when the interface is in a zone other than its device's


@dataclass
class LabNeighbour:
    """One LLDP (and on IOS also CDP) neighbour, as the local end reports it."""

    local_interface: str
    remote_device: str  # device name (lab device or a simulated host)
    remote_interface: str
    remote_chassis_mac: str
    remote_mgmt_address: str | None
    remote_capabilities: list[str]  # bridge, router, station, wlanAccessPoint, telephone
    remote_platform: str = ""  # CDP platform / LLDP system description


@dataclass
class LabMacEntry:
    mac: str
    interface: str
    vlan: int


@dataclass
class LabArpEntry:
    ip: str
    mac: str
    interface: str  # the L3 interface (Vlan1, Vlanif1, Vlan-interface1)


@dataclass
class LabDevice:
    name: str
    site_code: str
    zone: str  # internal / external
    role: str  # netcensus DeviceRole values
    platform: str  # cisco_ios / huawei_vrp / hp_comware
    address: str  # 127.x.y.z loopback address the agents listen on
    snmp_port: int
    ssh_port: int
    model: str
    serial: str
    os_version: str
    chassis_mac: str
    sys_object_id: str
    sys_descr: str
    community: str  # v2c read community
    v3_user: str
    v3_auth_key: str
    v3_priv_key: str
    ssh_username: str
    ssh_password: str
    enable_secret: str
    running_config: str
    interfaces: list[LabInterface] = field(default_factory=list)
    neighbours: list[LabNeighbour] = field(default_factory=list)
    mac_table: list[LabMacEntry] = field(default_factory=list)
    arp_table: list[LabArpEntry] = field(default_factory=list)
    # Behaviour switches set by planted faults:
    snmp_enabled: bool = True  # False: no agent at all (unreachable)
    ssh_enabled: bool = True  # False: refuses SSH (backup goes stale)
    response_delay_s: float = 0.0  # answers slower than the default timeout
    malformed: bool = False  # agent returns non-UTF-8 sysDescr, <script> sysName, ...
    # What real agents get wrong, one class each (lab/faults.py SNMP_QUIRKS): the SNMP
    # view renders it, the SSH side is unchanged.
    snmp_quirks: list[str] = field(default_factory=list)
    recording: str | None = None  # serve this real .snmprec instead of a generated one
    real_config: str | None = None  # path of a real config in shared/data/configs served instead
    ssh_quirk: str | None = None  # one of SSH_QUIRKS


@dataclass
class LabState:
    seed: int
    preset: str
    root: str
    devices: list[LabDevice] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, path: Path) -> LabState:
        raw: dict[str, Any] = json.loads(path.read_text())
        devices = []
        for d in raw.pop("devices"):
            d["interfaces"] = [LabInterface(**i) for i in d["interfaces"]]
            d["neighbours"] = [LabNeighbour(**n) for n in d["neighbours"]]
            d["mac_table"] = [LabMacEntry(**m) for m in d["mac_table"]]
            d["arp_table"] = [LabArpEntry(**a) for a in d["arp_table"]]
            devices.append(LabDevice(**d))
        return cls(devices=devices, **raw)

    def by_name(self) -> dict[str, LabDevice]:
        return {d.name: d for d in self.devices}
