"""Vendor and platform identification against every real recording in shared/data/snmp.

LibreNMS's expected discovery result (expected/<name>.json) is the oracle where it
exists; the table below covers every recording (a new recording without a row fails).
The rule that matters most: a collectable platform is never a wrong one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netcensus.inventory.enums import Platform
from netcensus.inventory.vendors import identify

# recording -> (vendor, platform, os family, firewall)
EXPECTED = {
    "asa": ("Cisco", "other", "asa", True),
    "comware": ("H3C", "hp_comware", "comware", False),
    "comware_1": ("H3C", "hp_comware", "comware", False),
    "comware_a5500": ("H3C", "hp_comware", "comware", False),
    "comware_hpe5900": ("H3C", "hp_comware", "comware", False),
    "dcn-software_cs6200": ("Digital China Networks", "other", "dcn", False),
    "dcn-software_s5750e": ("Digital China Networks", "other", "dcn", False),
    "fortigate_60fospfv3": ("Fortinet", "other", "fortios", True),
    "fs-centec_s5850-48s2q4c": ("FS", "other", None, False),
    "ios_2960x": ("Cisco", "cisco_ios", "ios", False),
    "iosxe_c9300": ("Cisco", "cisco_ios", "iosxe", False),
    # Its sysDescr names no OS: the platform is not guessed from the enterprise number.
    "iosxe_ie32008t2s-ios17-12": ("Cisco", "other", None, False),
    "junos_mx5t-isis": ("Juniper", "other", "junos", False),
    "junos_qfx5100": ("Juniper", "other", "junos", False),
    "junos_rpm": ("Juniper", "other", "junos", True),  # SRX240B
    "junos_srx3600": ("Juniper", "other", "junos", True),
    "linux": ("net-snmp", "other", "linux", False),
    "linux_lsi": ("net-snmp", "other", None, False),
    "mypoweros": ("Maipu", "other", "mypoweros", False),
    "nxos_n3k-3064pq": ("Cisco", "other", "nxos", False),
    "nxos_n9k-c93180yc-fx3": ("Cisco", "other", "nxos", False),
    "panos_5220": ("Palo Alto Networks", "other", "panos", True),
    "procurve": ("HP", "other", "procurve", False),
    "procurve_2520": ("HP", "other", "procurve", False),
    "procurve_e2910": ("HP", "other", "procurve", False),
    "qtech_qsw-3450": ("QTECH", "other", "qtech", False),
    "ruijie": ("Ruijie", "other", "rgos", False),
    "ruijie_S6150": ("Ruijie", "other", "rgos", False),
    "stoneos": ("Hillstone", "other", "stoneos", True),
    "vrp_5720-32x-ei": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_5720-vrf": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_5720": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_ac6605-26": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_ar169fgwl": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_ar169sfp": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_ce12804-entity": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_ce12804-withvrf": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_ne8000": ("Huawei", "huawei_vrp", "vrp", False),
    "vrp_s5328c-ei": ("Huawei", "huawei_vrp", "vrp", False),
    "yunshan_s5735-v2": ("Huawei", "huawei_vrp", "yunshan", False),
    "zxa10_c320": ("ZTE", "other", "zxa10", False),
    "zxr10_5250": ("ZTE", "other", "zxr10", False),
    "zxr10_5928": ("ZTE", "other", "zxr10", False),
    "zxr10_5950": ("ZTE", "other", "zxr10", False),
}
# LibreNMS os -> the netcensus platform it must be (anything unlisted must be `other`).
LIBRENMS_PLATFORM = {
    "ios": "cisco_ios",
    "iosxe": "cisco_ios",
    "vrp": "huawei_vrp",
    "yunshan": "huawei_vrp",
    "comware": "hp_comware",
}


def _system(path: Path) -> tuple[str | None, str | None]:
    oid = descr = None
    for line in path.read_text(errors="replace").splitlines():
        name, _, rest = line.partition("|")
        tag, _, value = rest.partition("|")
        name = name.lstrip(".")
        if name == "1.3.6.1.2.1.1.2.0" and oid is None:
            oid = value
        elif name == "1.3.6.1.2.1.1.1.0" and descr is None:
            descr = bytes.fromhex(value).decode("utf-8", "replace") if tag.endswith("x") else value
    return oid, descr


def _recordings(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "snmp" / "librenms").glob("*.snmprec"))


def test_every_recording_has_an_expected_identity(shared_data: Path) -> None:
    assert {p.stem for p in _recordings(shared_data)} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_identity_of_each_recording(shared_data: Path, name: str) -> None:
    path = shared_data / "snmp" / "librenms" / f"{name}.snmprec"
    identity = identify(*_system(path))
    got = (identity.vendor, identity.platform.value, identity.os_family, identity.firewall)
    assert got == EXPECTED[name]
    oracle = path.parent / "expected" / f"{name}.json"
    if oracle.is_file():
        librenms = json.loads(oracle.read_text())["os"]["discovery"]["devices"][0]
        # Never a wrong platform: LibreNMS's, or `other` when the sysDescr does not say.
        assert identity.platform.value in {LIBRENMS_PLATFORM.get(librenms["os"], "other"), "other"}
        if librenms["type"] == "firewall":
            assert identity.firewall


@pytest.mark.parametrize(
    ("oid", "descr", "platform", "firewall"),
    [
        # Lab firewalls: Huawei USG (VRP) and H3C SecPath (Comware).
        ("1.3.6.1.4.1.2011.2.239.1", "USG6525E\r\nHuawei Versatile Routing", "huawei_vrp", True),
        ("1.3.6.1.4.1.25506.1.1", "H3C Comware Software\r\nH3C SecPath F1030", "hp_comware", True),
        # The two wrong guesses of the past: ProCurve taken for Comware, NX-OS for IOS.
        ("1.3.6.1.4.1.11.2.3.7.11.84", "HP J9146A E2910al-24G-PoE Switch", "other", False),
        ("1.3.6.1.4.1.9.12.3.1.3.1163", "Cisco NX-OS(tm) nxos.7.0.3.I7.8.bin", "other", False),
        # A sysDescr pattern never beats another vendor's subtree.
        ("1.3.6.1.4.1.8072.3.2.10", "Linux fw1 Cisco IOS Software lookalike", "other", False),
        ("1.3.6.1.4.1.99999.1", "Sangfor NGAF", "other", True),
        ("1.3.6.1.4.1.99999.1", "Topsec NGFW4000", "other", True),
        ("1.3.6.1.4.1.99999.1", "Venustech USG-FW", "other", True),
        ("1.3.6.1.4.1.99999.1", "DPtech FW1000", "other", True),
        (None, "", "other", False),
    ],  # fmt: skip
)
def test_rules(oid: str | None, descr: str, platform: str, firewall: bool) -> None:
    identity = identify(oid, descr)
    assert (identity.platform, identity.firewall) == (Platform(platform), firewall)
