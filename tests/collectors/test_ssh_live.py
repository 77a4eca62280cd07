"""Live SSH collection against the lab's fake CLIs: one device per platform.

The lab (lab/cli_server.py) renders each device's state in its platform's dialect; the
collector must read back the same interfaces, neighbours, MACs and ARP entries, and a
running config with its secrets already redacted.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from netcensus.collectors.ssh import SshTarget, collect_ssh, collect_ssh_many
from netcensus.inventory.enums import Platform
from netcensus.lab.cli_server import CliServerThread
from netcensus.lab.state import (
    LabArpEntry,
    LabDevice,
    LabInterface,
    LabMacEntry,
    LabNeighbour,
    LabState,
)

pytestmark = pytest.mark.lab

PORT = 2222
# A /24 of loopback addresses of our own, so parallel test runs rarely collide.
NET = f"127.{200 + os.getpid() % 50}.{os.getpid() % 250}"

PORTS = {
    "cisco_ios": "GigabitEthernet0/{}",
    "huawei_vrp": "GigabitEthernet0/0/{}",
    "hp_comware": "GigabitEthernet1/0/{}",
}
SVI = {"cisco_ios": "Vlan1", "huawei_vrp": "Vlanif1", "hp_comware": "Vlan-interface1"}
CONFIGS = {
    "cisco_ios": (
        "hostname {name}\n!\nenable secret 9 $9$liveEnableSecret\n"
        "username admin privilege 15 secret 9 $9$liveUserSecret\n"
        "snmp-server community public RO\nsnmp-server community LiveComm0n RO 10\nend\n"
    ),
    "huawei_vrp": (
        "#\nsysname {name}\n#\naaa\n local-user admin password irreversible-cipher $1a$LiveVrp$\n"
        "#\nsnmp-agent community read cipher %^%#LiveVrpComm%^%# acl 2000\n#\nreturn\n"
    ),
    "hp_comware": (
        "#\n sysname {name}\n#\nlocal-user admin class manage\n password hash $h$6$LiveCw$\n"
        "#\n snmp-agent community read simple h3c\n#\nreturn\n"
    ),
}
SECRETS = ["$9$live", "LiveComm0n", "$1a$LiveVrp$", "LiveVrpComm", "$h$6$LiveCw$"]


def _device(platform: str, index: int) -> LabDevice:
    port = PORTS[platform]
    name = f"live-{platform.replace('_', '-')}"
    mac = f"00:1c:{index:02x}:00:00:"
    interfaces = [
        LabInterface(port.format(n), n, 10**9, f"{mac}{n:02x}", f"port {n}", oper_up=n != 3)
        for n in (1, 2, 3)
    ]
    interfaces.append(
        LabInterface(
            SVI[platform], 100, 10**9, f"{mac}64", mode="routed", address=f"10.{index}.0.1/24"
        )
    )
    return LabDevice(
        name=name,
        site_code="440103",
        zone="internal",
        role="access-switch",
        platform=platform,
        address=f"{NET}.{index}",
        snmp_port=1161,
        ssh_port=PORT,
        model={
            "cisco_ios": "WS-C2960X-48TS-L",
            "huawei_vrp": "S5735-L48T4X-A",
            "hp_comware": "S5130S-52S-EI",
        }[platform],
        serial=f"SN{index:08d}",
        os_version={
            "cisco_ios": "15.2(7)E4",
            "huawei_vrp": "V200R021C10SPC600",
            "hp_comware": "7.1.070, Release 6628",
        }[platform],
        chassis_mac=f"{mac}00",
        sys_object_id="1.3.6.1.4.1.9.1.1208",
        sys_descr="lab device",
        community="public",
        v3_user="nms",
        v3_auth_key="authkey123",
        v3_priv_key="privkey123",
        ssh_username="netops",
        ssh_password="Lab-Pass-1",
        enable_secret="Lab-Enable-1",
        running_config=CONFIGS[platform].format(name=name),
        interfaces=interfaces,
        neighbours=[
            LabNeighbour(
                port.format(1),
                "dist-1",
                "GigabitEthernet1/0/24",
                "00:1d:00:00:00:01",
                "10.0.0.2",
                ["bridge", "router"],
                "Cisco IOS Software",
            )
        ],
        mac_table=[LabMacEntry(f"00:50:56:0{index}:00:0{n}", port.format(n), 1) for n in (2, 3)],
        arp_table=[
            LabArpEntry(f"10.{index}.0.{10 + n}", f"00:50:56:0{index}:00:0{n}", SVI[platform])
            for n in (2, 3)
        ],
    )


def _can_bind(address: str) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, PORT))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabState]:
    state = LabState(
        seed=1,
        preset="ssh-live",
        root="440103",
        devices=[_device(p, i) for i, p in enumerate(PORTS, start=1)],
    )
    if not all(_can_bind(d.address) for d in state.devices):
        pytest.skip(f"{NET}.0/24 port {PORT} busy")
    with CliServerThread(state, tmp_path_factory.mktemp("lab")):
        yield state


def _target(device: LabDevice, **changes: object) -> SshTarget:
    target = SshTarget(
        name=device.name,
        address=device.address,
        platform=Platform(device.platform),
        username=device.ssh_username,
        password=device.ssh_password,
        port=device.ssh_port,
        enable_secret=device.enable_secret,
        timeout_s=10,
    )
    for key, value in changes.items():
        setattr(target, key, value)
    return target


@pytest.mark.parametrize("platform", list(PORTS))
def test_collection_matches_lab_state(lab: LabState, platform: str) -> None:
    device = next(d for d in lab.devices if d.platform == platform)
    observation = collect_ssh(_target(device))
    assert observation.ok, (observation.error_code, observation.error)
    assert observation.errors == []
    assert observation.sys_name == device.name
    assert observation.platform == platform

    by_name = {i.name: i for i in observation.interfaces}
    for interface in device.interfaces:
        seen = by_name[interface.name]
        assert seen.oper_status == ("up" if interface.oper_up else "down"), interface.name
        assert seen.admin_status == "up"

    assert {(n.local_interface, n.remote_system_name) for n in observation.neighbours} >= {
        (n.local_interface, n.remote_device) for n in device.neighbours
    }
    assert {(m.mac, m.interface, m.vlan) for m in observation.fdb} == {
        (m.mac, m.interface, m.vlan) for m in device.mac_table
    }
    assert {(a.ip, a.mac) for a in observation.arp} >= {(a.ip, a.mac) for a in device.arp_table}

    assert observation.config is not None
    assert (
        f"{'sysname' if platform != 'cisco_ios' else 'hostname'} {device.name}"
        in observation.config
    )
    assert [s for s in SECRETS if s in observation.config] == []
    assert "<redacted:default-community>" in observation.config or platform == "huawei_vrp"


def test_identity_from_version_commands(lab: LabState) -> None:
    for device in lab.devices:
        observation = collect_ssh(_target(device, with_config=False))
        assert observation.os_version is not None and observation.model is not None
        assert device.model in observation.model, observation.model
        assert observation.config is None


def test_failures_are_classified_per_device(lab: LabState, tmp_path: Path) -> None:
    ios = next(d for d in lab.devices if d.platform == "cisco_ios")
    targets = [
        _target(ios, name="wrong-password", password="not-it"),
        _target(ios, name="closed-port", port=PORT + 1),
        _target(ios, name="good"),
    ]
    results = {o.target: o for o in collect_ssh_many(targets, concurrency=3)}
    assert (results["wrong-password"].ok, results["wrong-password"].error_code) == (False, "auth")
    assert (results["closed-port"].ok, results["closed-port"].error_code) == (False, "refused")
    assert results["good"].ok
    assert "not-it" not in repr(targets[0]) and "not-it" not in str(results["wrong-password"].error)
