"""Every lab agent read by real clients: net-snmp's snmpbulkwalk / snmpget, v2c and v3."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from netcensus.lab.faults import MALFORMED_SYS_DESCR, MALFORMED_SYS_NAME
from netcensus.lab.state import LabDevice
from tests.lab_fixture import RunningLab

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(
        shutil.which("snmpbulkwalk") is None,
        reason="net-snmp client tools missing: `make system-deps`",
    ),
]
T = TypeVar("T")
SYS_NAME, SYS_DESCR = "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.1.0"
LLDP_LOC_PORT_ID = "1.0.8802.1.1.2.1.3.7.1.3."
LLDP_REM_PORT_ID = "1.0.8802.1.1.2.1.4.1.1.7."
LLDP_REM_SYS_NAME = "1.0.8802.1.1.2.1.4.1.1.9."


def _auth(device: LabDevice, version: str) -> list[str]:
    if version == "2c":
        return ["-v2c", "-c", device.community]
    return [
        "-v3",
        "-l",
        "authPriv",
        "-u",
        device.v3_user,
        "-a",
        "SHA",
        "-A",
        device.v3_auth_key,
        "-x",
        "AES",
        "-X",
        device.v3_priv_key,
    ]


def snmp(
    tool: str,
    device: LabDevice,
    version: str,
    *oids: str,
    timeout: int = 5,
    extra: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            tool,
            *_auth(device, version),
            "-On",
            "-Oq",
            "-t",
            str(timeout),
            "-r",
            "1",
            *extra,
            f"{device.address}:{device.snmp_port}",
            *oids,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def walk(device: LabDevice, version: str, root: str = ".1") -> dict[str, str]:
    result = snmp("snmpbulkwalk", device, version, root, extra=("-Cr50",))
    assert result.returncode == 0, f"{device.name} v{version}: {result.stderr}"
    rows = {}
    for line in result.stdout.splitlines():
        if line.startswith("."):
            oid, _, value = line[1:].partition(" ")
            rows[oid] = value.strip('"')
    return rows


def in_parallel(func: Callable[[LabDevice], T], devices: list[LabDevice]) -> list[T]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(func, devices))


def _walkable(lab: RunningLab) -> list[LabDevice]:
    return [
        d
        for d in lab.state.devices
        if d.snmp_enabled and not d.response_delay_s and d.recording is None
    ]


@pytest.mark.parametrize("version", ["2c", "3"])
def test_every_generated_agent_walks_completely(lab: RunningLab, version: str) -> None:
    devices = _walkable(lab)
    walks = in_parallel(lambda d: walk(d, version), devices)
    for device, rows in zip(devices, walks, strict=True):
        served = (lab.lab_dir / "snmprec" / f"{device.name}.snmprec").read_text().splitlines()
        assert sorted(rows) == sorted(line.split("|", 1)[0] for line in served), device.name
        if not device.malformed:
            assert rows[SYS_NAME] == device.name


def test_recordings_answer_v2c_and_v3(lab: RunningLab) -> None:
    recordings = [d for d in lab.state.devices if d.recording]
    assert len(recordings) == len(lab.ground_truth["recordings"]) > 10

    def read(device: LabDevice) -> tuple[str, str]:
        v2c = snmp("snmpgetnext", device, "2c", "1.3.6.1.2.1.1")
        v3 = snmp("snmpgetnext", device, "3", "1.3.6.1.2.1.1")
        return v2c.stdout, v3.stdout

    for device, (v2c, v3) in zip(recordings, in_parallel(read, recordings), strict=True):
        first = next(
            line
            for line in Path(device.recording or "").read_text().splitlines()
            if line.startswith("1.3.6.1.2.1.1.")
        )
        assert v2c.startswith("." + first.split("|")[0] + " "), device.name
        assert v2c == v3


def test_lldp_remote_tables_agree_with_ground_truth_links_at_both_ends(lab: RunningLab) -> None:
    # The device planted with NUL-padded port ids is checked by the collector's tests.
    devices = [d for d in _walkable(lab) if "nul-padded-lldp-port" not in d.snmp_quirks]
    tables = in_parallel(lambda d: walk(d, "2c", ".1.0.8802.1.1.2.1"), devices)
    seen = set()
    for device, rows in zip(devices, tables, strict=True):
        port_name = {
            oid.removeprefix(LLDP_LOC_PORT_ID): value
            for oid, value in rows.items()
            if oid.startswith(LLDP_LOC_PORT_ID)
        }
        for oid, remote in rows.items():
            if oid.startswith(LLDP_REM_SYS_NAME):
                time_mark, port, index = oid.removeprefix(LLDP_REM_SYS_NAME).split(".")
                remote_port = rows[f"{LLDP_REM_PORT_ID}{time_mark}.{port}.{index}"]
                seen.add((device.name, port_name[port], remote, remote_port))
    walked = {d.name for d in devices}
    expected = set()
    for link in lab.ground_truth["links"]:
        if not link["lldp"]:
            continue
        a, b = link["a"], link["b"]
        if a["device"] in walked:
            expected.add((a["device"], a["interface"], b["device"], b["interface"]))
        if b["device"] in walked:
            expected.add((b["device"], b["interface"], a["device"], a["interface"]))
    assert seen == expected
    assert len(expected) > 50


def test_fault_agents_misbehave_as_recorded(lab: RunningLab) -> None:
    unreachable = lab.device(lab.fault("snmp-unreachable")["devices"][0])
    assert snmp("snmpget", unreachable, "2c", SYS_NAME, timeout=1).returncode != 0

    slow = lab.device(lab.fault("slow-agent")["devices"][0])
    assert snmp("snmpget", slow, "2c", SYS_NAME, timeout=1, extra=("-r", "0")).returncode != 0
    answer = snmp("snmpget", slow, "2c", SYS_NAME, timeout=int(slow.response_delay_s) + 10)
    assert answer.stdout.split(" ", 1)[1].strip().strip('"') == slow.name

    odd = lab.device(lab.fault("malformed-agent")["devices"][0])
    assert _octets(odd, SYS_DESCR) == MALFORMED_SYS_DESCR
    assert _octets(odd, SYS_NAME).decode() == MALFORMED_SYS_NAME


def _octets(device: LabDevice, oid: str) -> bytes:
    """An OCTET STRING as bytes (net-snmp prints it as quoted, wrapped hex with -Ox)."""
    printed = snmp("snmpget", device, "3", oid, extra=("-Ox",)).stdout
    return bytes.fromhex(printed.split(" ", 1)[1].replace('"', "").replace("\n", " "))


def test_communities_are_per_zone_and_public_only_where_planted(lab: RunningLab) -> None:
    public = lab.device(lab.fault("default-snmp-communities")["devices"][0])
    assert public.community == "public"
    assert snmp("snmpget", public, "2c", SYS_NAME).returncode == 0
    clean = [lab.device(n) for n in lab.ground_truth["clean_devices"]]
    inner = next(d for d in clean if d.zone == "internal" and d.snmp_enabled)
    outer = next(d for d in clean if d.zone == "external" and d.snmp_enabled)
    guesses: list[Any] = [("public", inner), (outer.community, inner), (inner.community, outer)]
    for community, device in guesses:
        probe = subprocess.run(
            [
                "snmpget",
                "-v2c",
                "-c",
                community,
                "-t",
                "1",
                "-r",
                "0",
                f"{device.address}:{device.snmp_port}",
                SYS_NAME,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert probe.returncode != 0, (community, device.name)
