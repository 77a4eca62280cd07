"""The lab dialects print what real devices print: the same ntc-templates parse them.

First the raw samples from real devices are parsed with the template each platform and
command name selects (proving the names); then each rendering, made from a hand-built
device, is parsed with that same template and compared value by value with the state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ntc_templates.parse import parse_output
from ruamel.yaml import YAML

from netcensus.lab import cli_commands as cc
from netcensus.lab import dialects as d
from netcensus.lab.state import LabDevice
from tests.lab.devices import comware_device, ios_device, vrp_device


def _raw_samples() -> list[Path]:
    root = Path(__file__).resolve().parents[3] / "shared" / "data" / "cli"
    return sorted(root.glob("*/*/*.raw"))


@pytest.mark.parametrize("raw", _raw_samples(), ids=lambda p: p.stem)
def test_real_samples_parse_to_their_expected_result(raw: Path) -> None:
    platform, command = raw.parent.parent.name, raw.parent.name.replace("_", " ")
    expected = YAML(typ="safe").load(raw.with_suffix(".yml").read_text())["parsed_sample"]
    parsed = parse_output(platform=platform, command=command, data=raw.read_text())
    assert parsed == expected


def test_there_are_samples_for_every_platform() -> None:
    platforms = {raw.parent.parent.name for raw in _raw_samples()}
    assert platforms == set(d.PLATFORMS)


def _parse(device: LabDevice, command: str) -> list[dict[str, object]]:
    """Render ``command`` as the device's CLI would and parse it with ntc-templates."""
    match = cc.match_command(cc.COMMANDS[device.platform], command)
    assert match.command is not None and match.command.render is not None, command
    text = match.command.render(device, device.running_config)
    return parse_output(platform=device.platform, command=command, data=text)


def _dotted(mac: str) -> str:
    return d.mac_dotted(mac)


def _dashed(mac: str) -> str:
    return d.mac_dashed(mac)


def test_ios_renderings_parse_to_the_state() -> None:
    dev = ios_device()
    (version,) = _parse(dev, "show version")
    assert (version["version"], version["hostname"]) == (dev.os_version, "gz-core-01")
    assert (version["hardware"], version["serial"]) == ([dev.model], [dev.serial])
    assert version["mac_address"] == [dev.chassis_mac]

    brief = _parse(dev, "show ip interface brief")
    assert [(r["interface"], r["ip_address"], r["status"], r["proto"]) for r in brief] == [
        ("GigabitEthernet1/0/1", "unassigned", "up", "up"),
        ("GigabitEthernet1/0/2", "unassigned", "up", "up"),
        ("GigabitEthernet1/0/3", "unassigned", "administratively down", "down"),
        ("GigabitEthernet1/0/4", "unassigned", "down", "down"),
        ("Vlan10", "10.44.1.1", "up", "up"),
    ]

    lldp = _parse(dev, "show lldp neighbors detail")
    assert [
        (r["local_interface"], r["neighbor_name"], r["neighbor_interface"], r["chassis_id"])
        for r in lldp
    ] == [
        (
            d.short_name("cisco_ios", n.local_interface),
            n.remote_device,
            n.remote_interface,
            _dotted(n.remote_chassis_mac),
        )
        for n in dev.neighbours
    ]
    assert [r["mgmt_address"] for r in lldp] == ["10.44.2.1", ""]
    assert [r["capabilities"] for r in lldp] == ["B,R", "S"]

    cdp = _parse(dev, "show cdp neighbors detail")
    assert [(r["local_interface"], r["neighbor_name"], r["neighbor_interface"]) for r in cdp] == [
        (n.local_interface, n.remote_device, n.remote_interface) for n in dev.neighbours
    ]
    assert [r["mgmt_address"] for r in cdp] == ["10.44.2.1", ""]
    assert cdp[0]["capabilities"] == "Router Switch"

    brief_lldp = _parse(dev, "show lldp neighbors")
    assert [r["neighbor_name"] for r in brief_lldp] == ["sz-acc-01", "pc-0042"]
    assert len(_parse(dev, "show cdp neighbors")) == 2

    macs = _parse(dev, "show mac address-table")
    assert [(r["destination_address"], r["vlan_id"], r["destination_port"]) for r in macs] == [
        (_dotted(e.mac), str(e.vlan), [d.short_name("cisco_ios", e.interface)])
        for e in dev.mac_table
    ]

    arp = _parse(dev, "show ip arp")
    assert [(r["ip_address"], r["mac_address"], r["interface"]) for r in arp] == [
        ("10.44.1.42", "3c52.82aa.bb01", "Vlan10")
    ]

    (chassis,) = _parse(dev, "show inventory")
    assert (chassis["pid"], chassis["sn"]) == (dev.model, dev.serial)


def test_vrp_renderings_parse_to_the_state() -> None:
    dev = vrp_device()
    (version,) = _parse(dev, "display version")
    assert (version["product_version"], version["model"]) == (dev.os_version, dev.model)
    assert version["vrp_version"] == "5.170"

    brief = _parse(dev, "display interface brief")
    assert [(r["interface"], r["phy"], r["protocol"]) for r in brief] == [
        ("GigabitEthernet0/0/1", "up", "up"),
        ("GigabitEthernet0/0/2", "up", "up"),
        ("GigabitEthernet0/0/3", "*down", "down"),
        ("Vlanif20", "up", "up"),
    ]

    lldp = _parse(dev, "display lldp neighbor")
    assert [
        (r["local_interface"], r["neighbor_name"], r["neighbor_port_id"], r["chassis_id"])
        for r in lldp
    ] == [
        (n.local_interface, n.remote_device, n.remote_interface, _dashed(n.remote_chassis_mac))
        for n in dev.neighbours
    ]
    assert [r["mgmt_address"] for r in lldp] == ["10.44.1.1", ""]
    assert [r["capabilities"] for r in lldp] == ["bridge router", "station"]

    macs = _parse(dev, "display mac-address")
    assert [(r["destination_address"], r["vlan_id"], r["destination_port"]) for r in macs] == [
        ("3c52-82aa-bb02", "20", "GE0/0/2"),
        ("7010-5c11-2200", "1", "GE0/0/1"),
    ]

    (arp,) = _parse(dev, "display arp all")
    assert (arp["ip_address"], arp["mac_address"], arp["interface"]) == (
        "10.44.2.43",
        "3c52-82aa-bb02",
        "GE0/0/2",  # a switch names the port the MAC was learned on
    )
    esn = cc.match_command(cc.VRP_COMMANDS, "dis esn").command
    assert esn is not None and esn.render is not None
    assert esn.render(dev, "") == f"ESN of slot 0: {dev.serial}\n"


def test_comware_renderings_parse_to_the_state() -> None:
    dev = comware_device()
    brief = _parse(dev, "display interface brief")
    assert [
        (r["interface"], r["link"], r["protocol"], r["main_ip"], r["type"], r["vlan_id"])
        for r in brief
    ] == [
        ("Vlan30", "UP", "UP", "10.44.3.1", "", ""),
        ("GE1/0/1", "UP", "", "", "T", "1"),
        ("GE1/0/2", "UP", "", "", "A", "30"),
        ("GE1/0/3", "ADM", "", "", "A", "30"),
    ]
    assert brief[1]["description"] == "to-core"
    assert [r["speed"] for r in brief[1:]] == ["1G(a)", "100M(a)", "auto"]

    verbose = _parse(dev, "display lldp neighbor-information verbose")
    assert [
        (r["local_interface"], r["neighbor_name"], r["neighbor_interface"], r["chassis_id"])
        for r in verbose
    ] == [
        (n.local_interface, n.remote_device, n.remote_interface, _dashed(n.remote_chassis_mac))
        for n in dev.neighbours
    ]
    assert [r["mgmt_address"] for r in verbose] == ["10.44.2.1", ""]

    listed = _parse(dev, "display lldp neighbor-information list")
    assert [(r["local_interface"], r["neighbor_name"]) for r in listed] == [
        ("GE1/0/1", "sz-acc-01"),
        ("GE1/0/2", "pc-0044"),
    ]

    macs = _parse(dev, "display mac-address")
    assert [(r["mac_address"], r["vlan_id"], r["interface"]) for r in macs] == [
        (_dashed(e.mac), str(e.vlan), e.interface) for e in dev.mac_table
    ]

    (arp,) = _parse(dev, "display arp")
    assert (arp["ip_address"], arp["mac_address"], arp["vlan_id"], arp["interface"]) == (
        "10.44.3.44",
        "3c52-82aa-bb03",
        "30",
        "GE1/0/2",
    )

    (manuinfo,) = _parse(dev, "display device manuinfo")
    assert (manuinfo["device_name"], manuinfo["device_serial_number"]) == (dev.model, dev.serial)
    assert manuinfo["mac_address"] == "B044-1455-6600"


def test_comware_display_version_names_model_and_release() -> None:
    text = d.cw_display_version(comware_device())
    assert text.splitlines()[0] == "H3C Comware Software, Version 7.1.070, Release 6635P07"
    assert text.splitlines()[2].startswith("H3C S5130S-28S-EI uptime is ")


@pytest.mark.parametrize(
    ("platform", "line", "pattern"),
    [
        ("cisco_ios", "sh ver", "sh[ow] ver[sion]"),
        ("cisco_ios", "SHOW IP INT BR", "sh[ow] ip int[erface] br[ief]"),
        ("cisco_ios", "sh mac address-table", "sh[ow] mac a[ddress-table]"),
        ("cisco_ios", "sh lldp nei det", "sh[ow] lld[p] nei[ghbors] det[ail]"),
        ("cisco_ios", "conf t", "conf[igure] t[erminal]"),
        ("cisco_ios", "wr mem", "wr[ite] mem[ory]"),
        ("huawei_vrp", "disp cur", "dis[play] cu[rrent-configuration]"),
        ("huawei_vrp", "dis lldp nei", "dis[play] lldp nei[ghbor]"),
        ("huawei_vrp", "screen-length 0 temporary", "scr[een-length] <arg> te[mporary]"),
        (
            "hp_comware",
            "dis lldp neighbor-information list",
            "di[splay] ll[dp] n[eighbor-information] l[ist]",
        ),
        ("hp_comware", "disp cur", "di[splay] cu[rrent-configuration]"),
        ("hp_comware", "save force", "sa[ve] f[orce]"),
    ],
)
def test_abbreviations_are_read_like_the_real_cli(platform: str, line: str, pattern: str) -> None:
    match = cc.match_command(cc.COMMANDS[platform], line)
    assert match.command is not None and match.command.pattern == pattern


def test_unknown_and_incomplete_commands_are_refused_in_the_dialect() -> None:
    bad = cc.match_command(cc.IOS_COMMANDS, "show foo")
    assert (bad.command, bad.error, bad.error_column) == (None, "invalid", 5)
    assert cc.error_text("cisco_ios", bad, len("sw1#")) == (
        "         ^\n% Invalid input detected at '^' marker.\n"
    )
    assert cc.match_command(cc.IOS_COMMANDS, "s ver").error == "invalid"  # "s" is too short
    assert cc.match_command(cc.IOS_COMMANDS, "show").error == "incomplete"
    assert cc.error_text("cisco_ios", cc.match_command(cc.IOS_COMMANDS, "show"), 4) == (
        "% Incomplete command.\n"
    )
    vrp = cc.match_command(cc.VRP_COMMANDS, "display foo")
    assert cc.error_text("huawei_vrp", vrp, len("<sw>")).endswith(
        "Error: Unrecognized command found at '^' position.\n"
    )
    cw = cc.match_command(cc.COMWARE_COMMANDS, "show version")
    assert (
        cc.error_text("hp_comware", cw, 0) == "^\n % Unrecognized command found at '^' position.\n"
    )


def _apply(platform: str, config: str, lines: list[str]) -> str:
    context: tuple[str, ...] = ()
    for line in lines:
        config, context = cc.apply_config_line(platform, config, context, line)
    return config


def test_ios_config_lines_change_the_running_config() -> None:
    from tests.lab.devices import IOS_CONFIG

    config = _apply(
        "cisco_ios",
        IOS_CONFIG,
        [
            "hostname gz-core-02",
            "no ip http server",
            "no snmp-server community public",
            "no service pad",  # already off: stays as one line
            "no ip source-route",  # on by default: the negation is what the device stores
            "logging host 10.9.9.9",
            "int gi1/0/2",
            " description pc-0042",
            "no switchport access vlan 10",
            "interface Loopback0",
            "ip address 10.255.0.1 255.255.255.255",
            "line vty 0 4",
            "transport input ssh",
        ],
    )
    lines = config.splitlines()
    assert "hostname gz-core-02" in lines and "hostname gz-core-01" not in lines
    assert "ip http server" not in lines and "no ip http server" in lines
    assert not any(line.startswith("snmp-server community public") for line in lines)
    assert lines.count("no service pad") == 1 and "no ip source-route" in lines
    assert lines[-2:] == ["!", "end"] and "logging host 10.9.9.9" in lines
    gi2 = lines.index("interface GigabitEthernet1/0/2")
    assert lines[gi2 + 1 : gi2 + 2] == [" description pc-0042"]
    assert " switchport access vlan 10" not in lines
    loopback = lines.index("interface Loopback0")
    assert lines[loopback + 1] == " ip address 10.255.0.1 255.255.255.255"
    vty = lines.index("line vty 0 4")
    assert lines[vty + 1] == " transport input ssh"  # replaced "telnet ssh"
    assert " transport input telnet ssh" not in lines
    assert d.hostname(ios_device(), config) == "gz-core-02"


def test_vrp_and_comware_undo_lines_change_the_running_config() -> None:
    from tests.lab.devices import COMWARE_CONFIG, VRP_CONFIG

    vrp = _apply(
        "huawei_vrp",
        VRP_CONFIG,
        ["undo telnet server enable", "user-interface vty 0 4", "protocol inbound ssh", "quit"],
    ).splitlines()
    assert "telnet server enable" not in vrp
    assert "undo telnet server enable" in vrp  # shown when off, as VRP does
    assert vrp[vrp.index("user-interface vty 0 4") + 2] == " protocol inbound ssh"
    assert vrp[-2:] == ["#", "return"]
    assert cc.submode_label("huawei_vrp", "user-interface vty 0 4") == "ui-vty0-4"

    cw = _apply(
        "hp_comware",
        COMWARE_CONFIG,
        [
            "undo telnet server enable",
            "sysname fs-acc-02",
            "info-center loghost 10.9.9.9",
            "undo interface Vlan-interface30",
            "interface GigabitEthernet1/0/2",
            "undo lldp enable",
        ],
    ).splitlines()
    # Comware indents global commands by one space; sections start at column 0.
    assert " telnet server enable" not in cw and " undo telnet server enable" in cw
    assert " sysname fs-acc-02" in cw and " sysname fs-acc-01" not in cw
    assert cw[cw.index(" info-center loghost 10.9.9.9") - 1] == "#"
    assert cw[-2:] == ["#", "return"]
    assert d.hostname(comware_device(), "\n".join(cw)) == "fs-acc-02"
    assert (
        "interface Vlan-interface30" not in cw and " ip address 10.44.3.1 255.255.255.0" not in cw
    )
    assert cw[cw.index("interface GigabitEthernet1/0/2") + 1] == " undo lldp enable"
    assert cc.submode_label("hp_comware", "line vty 0 63") == "line-vty0-63"


def test_ios_banner_block_replaces_the_old_banner() -> None:
    config = "hostname a\nbanner motd ^C\nold text\n^C\n!\nend\n"
    block = "banner motd ^C\nAuthorized access only\n^C"
    lines = _apply("cisco_ios", config, [block]).splitlines()
    assert "old text" not in lines
    start = lines.index("banner motd ^C")
    assert lines[start : start + 3] == ["banner motd ^C", "Authorized access only", "^C"]


def test_ios_show_vlan_parses_to_the_access_ports_and_configured_names() -> None:
    dev = ios_device()
    config = _apply("cisco_ios", dev.running_config, ["vlan 10", "name users", "exit"])
    match = cc.match_command(cc.IOS_COMMANDS, "sh vl br")
    assert match.command is not None and match.command.pattern == "sh[ow] vl[an] br[ief]"
    for command, brief in (("show vlan", False), ("show vlan brief", True)):
        text = d.ios_show_vlan(dev, config, brief=brief)
        assert ("VLAN Type  SAID" in text) is not brief
        parsed = parse_output(platform="cisco_ios", command=command, data=text)
        assert [(r["vlan_id"], r["vlan_name"], r["interfaces"]) for r in parsed[:2]] == [
            ("1", "default", ["Gi1/0/3"]),  # trunk Gi1/0/1 is not listed, as on IOS
            ("10", "users", ["Gi1/0/2", "Gi1/0/4"]),
        ]
        assert [r["vlan_id"] for r in parsed[2:]] == ["1002", "1003", "1004", "1005"]
