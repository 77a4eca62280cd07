"""Platform files and parsers: every captured output in tests/fixtures parses to its .json.

Fixtures are found by glob (``<platform>/<command>#<case>.txt`` + ``.json``), so a new
platform or case needs files, not code; the meta-tests fail when a platform file's
command has no fixture or a mapping disagrees with netutils' lib_mapper.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import ntc_templates
import pytest
from netutils.lib_mapper import ANSIBLE_LIB_MAPPER_REVERSE, NETMIKO_LIB_MAPPER

from netcensus.collectors.observation import Observation
from netcensus.collectors.platforms import (
    PLATFORMS,
    platform_for_ansible,
    platform_for_netmiko,
    platform_for_ntc,
    platform_for_system,
    spec,
)
from netcensus.collectors.platforms.base import Part
from netcensus.collectors.platforms.parse import apply, parse_command, unsupported
from netcensus.collectors.ssh import strip_noise
from netcensus.inventory.enums import Platform

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NTC_TEMPLATES = Path(ntc_templates.__file__).parent / "templates"
CASES = sorted(p for p in FIXTURES.glob("*/*#*.txt") if p.parent.name in PLATFORMS)


def _command(path: Path):  # type: ignore[no-untyped-def]
    platform = spec(path.parent.name)
    stem = path.name.split("#")[0]
    matches = [c for c in platform.commands if c.command.replace(" ", "_") == stem]
    assert matches, f"{path.name}: no command {stem!r} in platforms/{platform.key}.py"
    return platform, matches[0]


def _plain(value):  # type: ignore[no-untyped-def]
    if isinstance(value, list):
        return [dataclasses.asdict(v) for v in value]
    return value


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_parses_to_expected(path: Path) -> None:
    platform, command = _command(path)
    expected = json.loads(path.with_suffix(".json").read_text())
    assert _plain(parse_command(platform, command, path.read_text())) == expected


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_every_command_has_a_fixture(platform: Platform) -> None:
    covered = {p.name.split("#")[0] for p in (FIXTURES / platform).glob("*#*.txt")}
    missing = [
        c.command for c in spec(platform).commands if c.command.replace(" ", "_") not in covered
    ]
    assert missing == []
    for case in (FIXTURES / platform).glob("*#*.txt"):
        assert case.with_suffix(".json").is_file(), f"{case.name} has no expected .json"


def test_every_platform_key_has_a_platform_file() -> None:
    assert set(PLATFORMS) == {p for p in Platform if p is not Platform.OTHER}


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_mapping_agrees_with_netutils(platform: Platform) -> None:
    platform_spec = spec(platform)
    # netutils says "huawei" for ntc-templates' VRP; ntc-templates' own index says huawei_vrp.
    assert list(NTC_TEMPLATES.glob(f"{platform_spec.ntc_platform}_*.textfsm"))
    assert platform_spec.netmiko_device_type in NETMIKO_LIB_MAPPER
    if platform_spec.ansible_network_os is not None:
        netmiko_name = ANSIBLE_LIB_MAPPER_REVERSE.get(platform_spec.netmiko_device_type)
        assert netmiko_name == platform_spec.ansible_network_os
    assert platform_for_netmiko(platform_spec.netmiko_device_type) is platform
    assert platform_for_ntc(platform_spec.ntc_platform) is platform
    if platform_spec.ansible_network_os:
        assert platform_for_ansible(platform_spec.ansible_network_os) is platform


@pytest.mark.parametrize(
    ("oid", "descr", "platform"),
    [
        ("1.3.6.1.4.1.9.1.1208", "Cisco IOS Software, C2960X Software", Platform.CISCO_IOS),
        (".1.3.6.1.4.1.2011.2.23.560", "Huawei Versatile Routing Platform", Platform.HUAWEI_VRP),
        ("1.3.6.1.4.1.25506.1.1146", "H3C Comware Platform Software", Platform.HP_COMWARE),
        ("1.3.6.1.4.1.11.2.3.7.11.152", "HP J9776A 2530-24G Switch", Platform.OTHER),  # ProCurve
        ("1.3.6.1.4.1.9.12.3.1.3.1163", "Cisco NX-OS(tm) n3000", Platform.OTHER),
        ("1.3.6.1.4.1.2636.1.1.1.2.1", "Juniper Networks", Platform.OTHER),
    ],
)
def test_platform_from_system_group(oid: str, descr: str, platform: Platform) -> None:
    assert platform_for_system(oid, descr) is platform


def test_identity_merges_version_and_inventory() -> None:
    """Comware: model and version from display version, serial and MAC from manuinfo."""
    platform = spec(Platform.HP_COMWARE)
    observation = Observation(target="sw", address="127.0.0.1", method="ssh", started_at=None)  # type: ignore[arg-type]
    for part, case in (
        (Part.VERSION, "display_version#synthetic"),
        (Part.INVENTORY, "display_device_manuinfo#ntc_5930"),
    ):
        command = next(c for c in platform.commands if c.part is part)
        apply(
            observation,
            command,
            parse_command(platform, command, (FIXTURES / "hp_comware" / f"{case}.txt").read_text()),
        )
    assert (observation.model, observation.os_version) == ("S5130S-28S-EI", "7.1.070, Release 6616")
    assert (observation.serial, observation.chassis_mac) == ("CN43GG2001", "00:e0:fc:00:58:00")
    assert observation.uptime_s == 2 * 86400 + 3 * 3600 + 41 * 60


def test_vendor_spellings_become_one_vocabulary() -> None:
    """Spot checks on the normalised values, independent of the .json files."""
    ios = spec(Platform.CISCO_IOS)
    fdb = next(c for c in ios.commands if c.part is Part.FDB)
    entries = parse_command(
        ios, fdb, (FIXTURES / "cisco_ios" / "show_mac_address-table#ntc.txt").read_text()
    )
    assert (entries[0].mac, entries[0].interface, entries[0].vlan) == (
        "00:10:0d:e0:e2:89",
        "FastEthernet0/1",
        1,
    )
    vrp = spec(Platform.HUAWEI_VRP)
    fdb = next(c for c in vrp.commands if c.part is Part.FDB)
    entries = parse_command(
        vrp, fdb, (FIXTURES / "huawei_vrp" / "display_mac-address#ntc.txt").read_text()
    )
    assert entries[0].interface == "XGigabitEthernet0/0/1"  # not netutils' TenGigabitEthernet
    lldp = next(c for c in vrp.commands if c.part is Part.LLDP)
    neighbours = parse_command(
        vrp, lldp, (FIXTURES / "huawei_vrp" / "display_lldp_neighbor#ntc.txt").read_text()
    )
    assert neighbours[0].remote_chassis_id == "f5:5f:c2:c5:e1:80"
    assert neighbours[0].remote_capabilities == ["bridge"]
    cw = spec(Platform.HP_COMWARE)
    brief = next(c for c in cw.commands if c.part is Part.INTERFACES)
    ports = parse_command(
        cw,
        brief,
        (FIXTURES / "hp_comware" / "display_interface_brief#ntc_release_60615P16.txt").read_text(),
    )
    ge30 = next(p for p in ports if p.name == "GigabitEthernet3/0")
    assert (ge30.speed, ge30.mode, ge30.vlans, ge30.oper_status) == (10**9, "access", [1], "up")


def test_unsupported_and_noise() -> None:
    ios = spec(Platform.CISCO_IOS)
    assert unsupported(ios, "show lldp\n        ^\n% Invalid input detected at '^' marker.")
    assert not unsupported(ios, "Capability codes: ...")
    config = (
        "Building configuration...\n\nCurrent configuration : 1234 bytes\n"
        "! Last configuration change at 10:00\nhostname r1\nntp clock-period 17179\nend"
    )
    # Blanked, not dropped: "hostname r1" stays line 5.
    assert strip_noise(ios, config) == "\n\n\n\nhostname r1\n\nend"
