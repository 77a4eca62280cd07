"""The SNMP collector against real devices' recordings, with LibreNMS's results as the oracle.

shared/data/snmp/librenms/ holds walks of real devices and, for six of them,
LibreNMS's expected discovery output (expected/<name>.json). Each recording is served
by a real snmpsim agent (lab/agents.py) on its own loopback address and collected over
the network exactly as a scan would; ports and LLDP/CDP neighbours must equal what
LibreNMS found. Where LibreNMS and the device's own data part ways, the difference is
listed below with the reason, never skipped silently.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netcensus.collectors.observation import Observation
from netcensus.collectors.snmp import SnmpTarget, collect_many
from netcensus.lab.agents import AgentSpec, start_agents

pytestmark = pytest.mark.lab

RECORDINGS = (
    "vrp_5720",
    "ios_2960x",
    "nxos_n3k-3064pq",
    "junos_qfx5100",
    "junos_mx5t-isis",
    "iosxe_ie32008t2s-ios17-12",
)
# Recordings without LibreNMS output, checked against values read from the file by hand.
OTHER_RECORDINGS = ("procurve",)

# Ports the devices report that LibreNMS leaves out by policy, not because they are wrong.
LIBRENMS_IGNORES_PORTS = {
    # LibreNMS's Junos definition drops the 'lsi' pseudo-interface (os definition bad_if).
    "junos_qfx5100": {4},
    # LibreNMS skips ports whose ifOperStatus is notPresent (config bad_ifoperstatus);
    # Gi1/2 is an empty slot on this IE3200. The device lists it, so the collector does.
    "iosxe_ie32008t2s-ios17-12": {2},
}


def _worker_net(module_octet: int) -> str:
    """127.x.y for this test module and pytest-xdist worker: parallel runs never collide."""
    worker = int(re.sub(r"\D", "", os.environ.get("PYTEST_XDIST_WORKER", "gw0")) or 0)
    return f"127.{module_octet}.{worker}"


@pytest.fixture(scope="module")
def observations(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Observation]]:
    folder = shared_data / "snmp" / "librenms"
    net = _worker_net(91)
    specs = [
        AgentSpec(name, f"{net}.{i}", folder / f"{name}.snmprec", community=name)
        for i, name in enumerate((*RECORDINGS, *OTHER_RECORDINGS), start=1)
    ]
    targets = [
        SnmpTarget(s.name, s.address, s.port, community=s.community, timeout=5, retries=1)
        for s in specs
    ]

    async def run() -> dict[str, Observation]:
        return {o.target: o async for o in collect_many(targets, concurrency=len(targets))}

    with start_agents(specs, tmp_path_factory.mktemp("agents")):
        yield asyncio.run(run())


def _expected(shared_data: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (shared_data / "snmp" / "librenms" / "expected" / f"{name}.json").read_text()
    )
    return data


@pytest.mark.parametrize("name", RECORDINGS)
def test_ports_equal_librenms(
    name: str, observations: dict[str, Observation], shared_data: Path
) -> None:
    obs = observations[name]
    assert obs.ok, obs.error
    # The poller section has the polled values (speed); discovery has the same ports.
    expected = {
        p["ifIndex"]: (p["ifName"], p["ifDescr"], p["ifSpeed"])
        for p in _expected(shared_data, name)["ports"]["poller"]["ports"]
    }
    collected = {
        i.if_index: (i.name, i.description, i.speed)
        for i in obs.interfaces
        if i.if_index not in LIBRENMS_IGNORES_PORTS.get(name, set())
    }
    assert collected == expected
    assert {i.if_index for i in obs.interfaces} - set(expected) == LIBRENMS_IGNORES_PORTS.get(
        name, set()
    )


def _split_remote_port(label: str) -> tuple[str, str | None]:
    """LibreNMS writes an unmatched LLDP neighbour's port as 'PORT (chassis-mac)'."""
    match = re.fullmatch(r"(.*) \(([0-9a-f]*)\)", label)
    if not match:
        return label, None
    return match.group(1), match.group(2)


@pytest.mark.parametrize("name", RECORDINGS)
def test_neighbours_equal_librenms(
    name: str, observations: dict[str, Observation], shared_data: Path
) -> None:
    obs = observations[name]
    links = _expected(shared_data, name)["discovery-protocols"]["discovery"]["links"]
    expected, collected = [], []
    for link in links:
        port, chassis_mac = _split_remote_port(link["remote_port"])
        expected.append(
            (
                link["protocol"],
                link["ifName"],
                link["remote_hostname"],
                port,
                # LibreNMS appends the chassis MAC only for LLDP chassis-id subtype MAC.
                chassis_mac or None,
                link["remote_platform"] if link["protocol"] == "cdp" else None,
            )
        )
    for n in obs.neighbours:
        mac = n.remote_chassis_id.replace(":", "") if n.remote_chassis_id else None
        expected_mac = next(
            (e[4] for e in expected if e[1] == n.local_interface and e[3] == n.remote_port), None
        )
        collected.append(
            (
                n.protocol,
                n.local_interface,
                # LibreNMS names a neighbour without lldpRemSysName by its system description.
                n.remote_system_name or n.remote_platform,
                n.remote_port,
                mac if expected_mac else None,
                n.remote_platform if n.protocol == "cdp" else None,
            )
        )
    assert sorted(collected, key=str) == sorted(expected, key=str)


@pytest.mark.parametrize("name", [r for r in RECORDINGS if r.startswith(("junos", "vrp", "iosxe"))])
def test_lldp_system_description_equals_librenms(
    name: str, observations: dict[str, Observation], shared_data: Path
) -> None:
    links = _expected(shared_data, name)["discovery-protocols"]["discovery"]["links"]
    expected = sorted(
        (link["ifName"], link["remote_version"]) for link in links if link["protocol"] == "lldp"
    )
    # LibreNMS reads values through net-snmp's quoted output and loses a literal leading
    # double quote (the IE4010 neighbour of the IE3200 really sends one), and the MySQL
    # column keeps 256 characters.
    collected = sorted(
        (n.local_interface, (n.remote_platform or "").strip('"')[:256])
        for n in obs_lldp(observations[name])
    )
    assert collected == expected


def obs_lldp(obs: Observation) -> list[Any]:
    return [n for n in obs.neighbours if n.protocol == "lldp"]


@pytest.mark.parametrize(
    ("name", "model", "serial", "version"),
    [
        ("ios_2960x", "WS-C2960X-48FPS-L", "FCW1929B68S", "15.0(2a)EX5"),
        ("iosxe_ie32008t2s-ios17-12", "IE-3200-8T2S", "FVH2849L0CA", None),
        ("nxos_n3k-3064pq", "N3K-C3064PQ-10GX", "<private>", "7.0(3)I7(8)"),
    ],
)
def test_identity_equals_librenms(
    name: str,
    model: str,
    serial: str,
    version: str | None,
    observations: dict[str, Observation],
    shared_data: Path,
) -> None:
    device = _expected(shared_data, name)["os"]["discovery"]["devices"][0]
    assert (device["hardware"], device["serial"], device["version"]) == (model, serial, version)
    obs = observations[name]
    assert (obs.model, obs.serial, obs.vendor) == (model, serial, "Cisco")
    assert obs.sys_object_id == device["sysObjectID"].lstrip(".")
    if version:  # LibreNMS found none for the IE3200 (its sysDescr carries no "Version")
        assert obs.os_version == version


def test_bridge_forwarding_table(observations: dict[str, Observation]) -> None:
    """ios_2960x: dot1dTpFdbTable, bridge port -> ifIndex -> ifName (entries checked by hand)."""
    fdb = {e.mac: e for e in observations["ios_2960x"].fdb}
    assert len(fdb) == 29
    # dot1dTpFdbPort.4.98.115.32.222.20 = 456; dot1dBasePortIfIndex.456 = 5001 (Po1)
    assert (fdb["04:62:73:20:de:14"].interface, fdb["04:62:73:20:de:14"].vlan) == ("Po1", None)
    # dot1dTpFdbPort.100.246.157.177.228.76 = 3; dot1dBasePortIfIndex.3 = 10103 (Gi1/0/3)
    assert fdb["64:f6:9d:b1:e4:4c"].interface == "Gi1/0/3"


def test_q_bridge_forwarding_table(observations: dict[str, Observation]) -> None:
    """procurve: 1075 dot1qTpFdbTable rows; VLAN through dot1qVlanFdbId, port through the bridge."""
    fdb = {(e.mac, e.vlan): e for e in observations["procurve"].fdb}
    assert len(observations["procurve"].fdb) == 1075
    # dot1qTpFdbPort.10.236.168.107.247.236.206 = 962 (Trk1); dot1qVlanFdbId.0.10 = 10
    assert fdb[("ec:a8:6b:f7:ec:ce", 10)].interface == "Trk1"
    assert fdb[("f4:4d:30:61:52:b3", 10)].interface == "35"


def test_junos_fdb_ids_are_not_vlans(observations: dict[str, Observation]) -> None:
    """junos_qfx5100 numbers its FDBs 262144, 327680...: no VLAN rather than a wrong one."""
    fdb = observations["junos_qfx5100"].fdb
    assert len(fdb) == 328
    assert {e.vlan for e in fdb} == {None}


def test_arp(observations: dict[str, Observation]) -> None:
    arp = {(a.ip, a.mac, a.interface) for a in observations["ios_2960x"].arp}
    assert arp == {
        ("10.54.64.1", "a2:d7:16:00:00:04", "Vl99"),
        ("10.54.64.9", "ac:7e:8a:19:bf:41", "Vl99"),
    }
