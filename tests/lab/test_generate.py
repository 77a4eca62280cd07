"""The lab generator: deterministic, valid inventory, a ground truth consistent with itself
and with what the agents serve, and clean devices that carry the hardened baseline."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from netcensus.inventory.loader import read_inventory
from netcensus.lab import generate
from netcensus.lab.faults import SNMP_QUIRKS, V3_CREDENTIAL_FAULTS
from netcensus.lab.state import LabState

ISSUE_FAULT_KINDS = {
    "dual-homed-host",
    "cross-zone-cable",
    "device-in-both-zones",
    "internal-internet-uplink",
    "wrong-backbone",
    "telnet-enabled",
    "default-snmp-communities",
    "weak-authentication",
    "no-logging-host",
    "no-ntp",
    "exec-timeout-off",
    "ssh-refused",
    "snmp-unreachable",
    "slow-agent",
    "malformed-agent",
}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LabState, dict[str, Any]]:
    out = tmp_path_factory.mktemp("small")
    state = generate.write(generate.generate("44", "small", 1), out)
    return out, state, json.loads((out / "ground-truth.json").read_text())


def test_same_seed_same_network_other_seed_other_network(tmp_path: Path) -> None:
    texts = []
    for seed, name in ((7, "a"), (7, "b"), (8, "c")):
        out = tmp_path / name
        generate.write(generate.generate("44", "small", seed), out)
        texts.append(
            [
                (out / f).read_bytes()
                for f in ("lab-state.json", "ground-truth.json", "inventory.yaml")
            ]
        )
    assert texts[0] == texts[1]
    assert texts[0][0] != texts[2][0]


@pytest.mark.parametrize(("preset", "low", "high"), [("small", 40, 70), ("medium", 450, 650)])
def test_preset_sizes(preset: str, low: int, high: int) -> None:
    network = generate.generate("44", preset, 1)
    assert low <= len(network.builder.records) <= high


def test_unknown_root_is_a_user_error() -> None:
    from netcensus.errors import UserError

    with pytest.raises(UserError, match="99"):
        generate.generate("99", "small", 1)


def test_inventory_is_valid_for_the_loader(small: tuple[Path, LabState, dict[str, Any]]) -> None:
    out, state, truth = small
    inventory = read_inventory([out / "inventory.yaml"])
    declared = {d.spec.name: d.spec for d in inventory.devices}
    for device in state.devices:
        spec = declared[device.name]
        assert (spec.site, spec.zone, spec.role.value) == (
            device.site_code,
            device.zone,
            device.role,
        )
        assert spec.mgmt_address == device.address and spec.snmp_port == 1161
    assert {c.spec.name for c in inventory.credentials} >= {"ssh-int", "snmp-v3-ext"}
    assert {s.spec.code for s in inventory.sites} == {s["code"] for s in truth["sites"]}
    # The planted wrong uplink and the rogue cable are discovered, never declared.
    planted = {(i["device"], i["interface"]) for f in truth["faults"] for i in f["interfaces"]}
    for link in inventory.links:
        assert (link.spec.a.device, link.spec.a.interface) not in planted


def test_every_site_above_township_has_both_zones_townships_external_only(
    small: tuple[Path, LabState, dict[str, Any]],
) -> None:
    _, _, truth = small
    for site in truth["sites"]:
        expected = {"external"} if site["level"] == "township" else {"internal", "external"}
        assert set(site["zones"]) == expected
    levels = Counter(s["level"] for s in truth["sites"])
    assert levels["provincial"] == 1 and levels["township"] >= 1


def test_links_agree_with_lldp_neighbours_at_both_ends(
    small: tuple[Path, LabState, dict[str, Any]],
) -> None:
    _, state, truth = small
    devices = state.by_name()
    seen = {
        (d.name, n.local_interface, n.remote_device, n.remote_interface)
        for d in state.devices
        for n in d.neighbours
    }
    expected = set()
    for link in truth["links"]:
        a, b = link["a"], link["b"]
        assert a["interface"] in {i.name for i in devices[a["device"]].interfaces}
        if not link["lldp"]:
            continue
        expected.add((a["device"], a["interface"], b["device"], b["interface"]))
        if not b.get("external"):
            assert b["interface"] in {i.name for i in devices[b["device"]].interfaces}
            expected.add((b["device"], b["interface"], a["device"], a["interface"]))
    assert seen == expected


def test_wan_links_stay_in_their_zone_except_the_planted_one(
    small: tuple[Path, LabState, dict[str, Any]],
) -> None:
    _, _, truth = small
    wrong = {
        (i["device"], i["interface"])
        for f in truth["faults"]
        if f["kind"] in ("wrong-backbone", "cross-zone-cable")
        for i in f["interfaces"]
    }
    for link in truth["links"]:
        if link["kind"] in ("wan", "lan") and not link["b"].get("external"):
            crosses = link["zones"][0] != link["zones"][1]
            assert crosses == ((link["a"]["device"], link["a"]["interface"]) in wrong)
    internet = [link for link in truth["links"] if link["kind"] == "internet"]
    assert {link["zones"][0] for link in internet} == {"internal", "external"}


def test_endpoints_sit_in_their_switch_fdb(small: tuple[Path, LabState, dict[str, Any]]) -> None:
    _, state, truth = small
    devices = state.by_name()
    for endpoint in truth["endpoints"]:
        table = {(m.mac, m.interface, m.vlan) for m in devices[endpoint["switch"]].mac_table}
        assert (endpoint["mac"], endpoint["port"], endpoint["vlan"]) in table
    dual = next(f for f in truth["faults"] if f["kind"] == "dual-homed-host")
    zones = {e["zone"] for e in truth["endpoints"] if e["mac"] == dual["macs"][0]}
    assert zones == {"internal", "external"}


def test_faults_cover_the_issue_and_name_catalog_rules(
    small: tuple[Path, LabState, dict[str, Any]],
    shared_data: Path,
) -> None:
    _, state, truth = small
    catalog = (shared_data.parent / "COMPLIANCE-CATALOG.md").read_text()
    known = set(re.findall(r"\*\*(NET-[A-Z]+-\d\d)\b", catalog))
    assert {f["kind"] for f in truth["faults"]} >= ISSUE_FAULT_KINDS
    names = state.by_name()
    for fault in truth["faults"]:
        assert set(fault["rules"]) | set(fault["may_fire"]) <= known
        assert all(name in names for name in fault["devices"])
    collection_only = {*SNMP_QUIRKS, *V3_CREDENTIAL_FAULTS}  # the SNMP view only
    faulty = {n for f in truth["faults"] if f["kind"] not in collection_only for n in f["devices"]}
    assert faulty.isdisjoint(truth["clean_devices"])
    assert len(truth["clean_devices"]) >= 20


def _config(state: LabState, name: str) -> str:
    return state.by_name()[name].running_config


def test_clean_configs_carry_the_hardened_baseline(
    small: tuple[Path, LabState, dict[str, Any]],
) -> None:
    _, state, truth = small
    must = {
        "cisco_ios": [
            r"^aaa new-model$",
            r"^aaa authentication login default group \S+ local$",
            r"^ip ssh version 2$",
            r"^logging host ",
            r"^logging trap informational$",
            r"^service timestamps log datetime",
            r"^ntp authenticate$",
            r"^login block-for \d+ attempts 3",
            r"^no ip http server$",
            r"^banner login",
            r"^no service pad$",
            r"^ip tacacs source-interface",
        ],
        "huawei_vrp": [
            r"^undo telnet server enable$",
            r"^stelnet server enable$",
            r"^ssh server cipher aes256_ctr aes128_ctr$",
            r"^info-center loghost ",
            r"^ntp-service unicast-server .* authentication-keyid 1$",
            r"irreversible-cipher",
            r"^header login information",
            r"^ authentication-mode aaa$",
            r"^ protocol inbound ssh$",
        ],
        "hp_comware": [
            r"^ ssh server enable$",
            r"^ password hash ",
            r"^ info-center loghost ",
            r"^ password-control login-attempt 3",
            r"^ authentication-mode scheme$",
            r"^ ntp-service unicast-server .* authentication-keyid 1$",
            r"^ header login ",
            r"^ protocol inbound ssh$",
        ],
    }
    never = [
        r"password 7 ",
        r"^enable password",
        r"transport input .*telnet",
        r"community (read |write )?(simple )?(public|private)\b",
        r"exec-timeout 0 0",
        r"idle-timeout 0 0",
        r"^ip http server",
        r"^telnet server enable",
        r"^snmp-server community \S+ RW",
    ]
    checked: Counter[str] = Counter()
    for name in truth["clean_devices"]:
        device = state.by_name()[name]
        if device.platform == "other" or device.real_config:
            continue
        text = device.running_config
        for pattern in must[device.platform]:
            assert re.search(pattern, text, re.M), f"{name}: missing {pattern}"
        for pattern in never:
            assert not re.search(pattern, text, re.M), f"{name}: has {pattern}"
        vty_lines = re.findall(r"^ (?:exec|idle)-timeout (\d+) \d+$", text, re.M)
        assert vty_lines and all(int(minutes) <= 5 for minutes in vty_lines)
        checked[device.platform] += 1
    assert set(checked) == set(must)


def test_config_faults_show_in_the_config(small: tuple[Path, LabState, dict[str, Any]]) -> None:
    _, state, truth = small
    evidence = {
        "telnet-enabled": r"transport input ssh telnet|^ ?telnet server enable|inbound all",
        "default-snmp-communities": r"community public RO|community read simple public"
        r"|community read cipher",
        "weak-authentication": r"password 7 |set authentication password cipher",
        "exec-timeout-off": r"(exec|idle)-timeout 0 0",
    }
    absent = {
        "no-logging-host": r"^ ?(logging host|info-center loghost \d)",
        "no-ntp": r"ntp(-service)? (server|unicast-server)",
    }
    for fault in truth["faults"]:
        text = _config(state, fault["devices"][0])
        if fault["kind"] in evidence:
            assert re.search(evidence[fault["kind"]], text, re.M), fault
        if fault["kind"] in absent:
            assert not re.search(absent[fault["kind"]], text, re.M), fault


def test_snmprec_files_are_sorted_and_hold_the_device(
    small: tuple[Path, LabState, dict[str, Any]],
) -> None:
    out, state, _ = small
    for device in state.devices:
        path = out / "snmprec" / f"{device.name}.snmprec"
        if not device.snmp_enabled or device.recording:
            assert not path.exists()
            continue
        rows = [line.split("|", 2) for line in path.read_text().splitlines()]
        oids = [tuple(int(p) for p in oid.split(".")) for oid, _, _ in rows]
        assert len(oids) == len(set(oids))
        if "out-of-order-oids" in device.snmp_quirks:  # the planted exception
            assert oids != sorted(oids)
        else:
            assert oids == sorted(oids)
        values = {oid: (tag, value) for oid, tag, value in rows}
        extra = "duplicate-ifname" in device.snmp_quirks
        assert values["1.3.6.1.2.1.2.1.0"] == ("2", str(len(device.interfaces) + extra))
        if not device.malformed:
            assert values["1.3.6.1.2.1.1.5.0"] == ("4", device.name)


def test_each_collection_quirk_is_planted_once_and_rendered(
    small: tuple[Path, LabState, dict[str, Any]],
) -> None:
    out, state, truth = small
    planted = {f["kind"]: f for f in truth["faults"]}
    assert set(SNMP_QUIRKS) | set(V3_CREDENTIAL_FAULTS) <= set(planted)
    names = state.by_name()

    def text(kind: str) -> str:
        device = names[planted[kind]["devices"][0]]
        assert kind in device.snmp_quirks
        return (out / "snmprec" / f"{device.name}.snmprec").read_text()

    assert any(
        line.startswith("1.0.8802.1.1.2.1.4.1.1.7.") and line.endswith("0000")
        for line in text("nul-padded-lldp-port").splitlines()
    )
    gbk = planted["gbk-text"]["effects"]["sys_location"].encode("gbk").hex()
    assert f"1.3.6.1.2.1.1.6.0|4x|{gbk}" in text("gbk-text")
    assert f"|70|{2**64 - 1}" in text("counter64-speed")
    assert "1.3.6.1.4.1.9.9.23.1.2.1.1.6." in text("cdp-mac-device-id")
    caps = [
        line.split("|")[2]
        for line in text("four-octet-lldp-capabilities").splitlines()
        if line.startswith("1.0.8802.1.1.2.1.4.1.1.12.")
    ]
    assert caps and all(len(c) == 8 for c in caps)
    inventory = (out / "inventory.yaml").read_text()
    assert "snmp-v3-nopriv-" in inventory and "snmp-v3-shortkey-" in inventory


def test_a_prefecture_lab_plants_what_fits_rule_faults_first() -> None:
    """`make demo` runs the small preset under 4405: too few devices for every oddity."""
    network = generate.generate("4405", "small", 1, block=150)
    names = set(network.builder.records)
    kinds = {f.kind for f in network.faults}
    assert all(set(f.devices) <= names for f in network.faults)
    # The rule faults the demo shows (telnet, default community, the isolation breach) fit.
    assert {"telnet-enabled", "default-snmp-communities", "device-in-both-zones"} <= kinds
    # The whole province has room for every kind.
    assert len(generate.generate("44", "small", 1, block=150).faults) > len(network.faults)
