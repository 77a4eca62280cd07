"""The lab's SSH CLIs against real clients: netmiko sessions, paramiko, a subprocess.

One server (in a background thread) serves a hand-built device per platform plus one
with SSH off; netmiko's own drivers log in, run every show/display command, change the
configuration and save it, exactly as the collectors will.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest
from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
from ntc_templates.parse import parse_output

from netcensus.lab import dialects as d
from netcensus.lab.cli_server import CliServerThread, CliSession, DeviceRuntime
from netcensus.lab.state import LabDevice, LabState
from tests.lab.devices import comware_device, ios_device, vrp_device

pytestmark = pytest.mark.lab

NETMIKO_TYPES = {"cisco_ios": "cisco_ios", "huawei_vrp": "huawei", "hp_comware": "hp_comware"}


def _addresses_and_port() -> tuple[list[str], int]:
    """Loopback addresses of our own (per test process) and a port free on them."""
    base = f"127.{200 + os.getpid() % 50}.{os.getpid() // 50 % 250}"
    addresses = [f"{base}.{n}" for n in range(1, 6)]
    with socket.socket() as probe:
        probe.bind((addresses[0], 0))
        return addresses, probe.getsockname()[1]


def _lab_state(root: Path) -> LabState:
    addresses, port = _addresses_and_port()
    devices = [ios_device(addresses[0]), vrp_device(addresses[1]), comware_device(addresses[2])]
    refusing = ios_device(addresses[3])
    refusing.name, refusing.ssh_enabled = "gz-dead-01", False
    slow = vrp_device(addresses[4])
    slow.name, slow.response_delay_s = "sz-slow-01", 1.0
    slow.running_config = slow.running_config.replace("sysname sz-acc-01", "sysname sz-slow-01")
    for device in [*devices, refusing, slow]:
        device.ssh_port = port
    return LabState(seed=1, preset="test", root=str(root), devices=[*devices, refusing, slow])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabState, CliServerThread]]:
    root = tmp_path_factory.mktemp("cli-lab")
    state = _lab_state(root)
    with CliServerThread(state, root, host_key_path=root / "ssh_host_key") as server:
        yield state, server


def _connect(device: LabDevice, **extra: object) -> BaseConnection:
    return ConnectHandler(
        device_type=NETMIKO_TYPES[device.platform],
        host=device.address,
        port=device.ssh_port,
        username=device.ssh_username,
        password=device.ssh_password,
        secret=device.enable_secret,
        **extra,
    )


def _textfsm(conn: BaseConnection, command: str) -> list[dict[str, Any]]:
    """``send_command(use_textfsm=True)``: netmiko picks the ntc-template by device type."""
    parsed = conn.send_command(command, use_textfsm=True)
    assert isinstance(parsed, list), f"{command!r} did not parse: {parsed!r}"
    return parsed


def _text(conn: BaseConnection, command: str) -> str:
    output = conn.send_command(command)
    assert isinstance(output, str)
    return output


def test_netmiko_cisco_ios_session_parses_to_the_state(
    lab: tuple[LabState, CliServerThread],
) -> None:
    state, server = lab
    device = state.by_name()["gz-core-01"]
    with _connect(device) as conn:
        assert conn.find_prompt() == "gz-core-01>"
        conn.enable()
        assert conn.find_prompt() == "gz-core-01#"
        version = _textfsm(conn, "show version")
        assert version[0]["version"] == device.os_version
        assert version[0]["serial"] == [device.serial]
        brief = _textfsm(conn, "show ip interface brief")
        assert [(r["interface"], r["ip_address"]) for r in brief][-1] == ("Vlan10", "10.44.1.1")
        assert [r["status"] for r in brief][2] == "administratively down"
        lldp = _textfsm(conn, "show lldp neighbors detail")
        assert [(r["neighbor_name"], r["neighbor_interface"]) for r in lldp] == [
            (n.remote_device, n.remote_interface) for n in device.neighbours
        ]
        cdp = _textfsm(conn, "show cdp neighbors detail")
        assert [r["local_interface"] for r in cdp] == [n.local_interface for n in device.neighbours]
        macs = _textfsm(conn, "show mac address-table")
        assert [(r["destination_address"], r["vlan_id"]) for r in macs] == [
            (d.mac_dotted(e.mac), str(e.vlan)) for e in device.mac_table
        ]
        arp = _textfsm(conn, "show ip arp")
        assert [(r["ip_address"], r["interface"]) for r in arp] == [("10.44.1.42", "Vlan10")]
        inventory = _textfsm(conn, "show inventory")
        assert inventory[0]["sn"] == device.serial
        running = _text(conn, "show running-config")
        assert running.startswith("Building configuration...")
        assert device.running_config.strip() in running

        conn.send_config_set(["no ip http server", "interface Gi1/0/2", "description pc-0042"])
        conn.save_config()
        after = _text(conn, "show running-config")
        assert "\nno ip http server\n" in after and "\nip http server\n" not in after
        assert (
            "interface GigabitEthernet1/0/2\n switchport access vlan 10\n description pc-0042"
            in after
        )
        assert "Invalid input detected" in _text(conn, "show foo")
    runtime = server.runtimes["gz-core-01"]
    assert runtime.saved_path.read_text() == runtime.running_config
    # A restarted server starts from what was saved, not from the generated config.
    assert (
        "description pc-0042"
        in DeviceRuntime(device, runtime.saved_path.parent.parent).running_config
    )


def test_netmiko_huawei_session_parses_to_the_state(lab: tuple[LabState, CliServerThread]) -> None:
    state, server = lab
    device = state.by_name()["sz-acc-01"]
    with _connect(device) as conn:
        assert conn.find_prompt() == "<sz-acc-01>"

        def parsed(command: str) -> list[dict[str, str]]:
            # netmiko's "huawei" is not an ntc-templates platform name; "huawei_vrp" is.
            return parse_output(platform="huawei_vrp", command=command, data=_text(conn, command))

        assert parsed("display version")[0]["product_version"] == device.os_version
        assert [r["interface"] for r in parsed("display interface brief")] == [
            i.name for i in device.interfaces
        ]
        assert [
            (r["local_interface"], r["neighbor_name"]) for r in parsed("display lldp neighbor")
        ] == [(n.local_interface, n.remote_device) for n in device.neighbours]
        assert [r["destination_address"] for r in parsed("display mac-address")] == [
            d.mac_dashed(e.mac) for e in device.mac_table
        ]
        assert [r["ip_address"] for r in parsed("display arp all")] == ["10.44.2.43"]
        assert _text(conn, "disp cur").strip() == device.running_config.strip()

        # send_config_set() works too, but netmiko's huawei driver probes the config mode
        # by waiting for silence (2 s a probe); explicit prompts keep the test fast.
        conn.send_command("system-view", expect_string=r"\[sz-acc-01\]")
        conn.send_command("undo telnet server enable", expect_string=r"\[sz-acc-01\]")
        conn.send_command("return", expect_string=r"<sz-acc-01>")
        assert "Save the configuration successfully" in conn.save_config()
        assert "\nundo telnet server enable\n" in _text(conn, "display current-configuration")
        assert "Unrecognized command" in _text(conn, "display foo")
    assert "undo telnet server enable" in server.runtimes["sz-acc-01"].saved_path.read_text()


def test_netmiko_comware_session_parses_to_the_state(lab: tuple[LabState, CliServerThread]) -> None:
    state, server = lab
    device = state.by_name()["fs-acc-01"]
    with _connect(device) as conn:
        assert conn.find_prompt() == "<fs-acc-01>"
        brief = _textfsm(conn, "display interface brief")
        assert [(r["interface"], r["link"]) for r in brief] == [
            ("Vlan30", "UP"),
            ("GE1/0/1", "UP"),
            ("GE1/0/2", "UP"),
            ("GE1/0/3", "ADM"),
        ]
        lldp = _textfsm(conn, "display lldp neighbor-information verbose")
        assert [(r["local_interface"], r["chassis_id"]) for r in lldp] == [
            (n.local_interface, d.mac_dashed(n.remote_chassis_mac)) for n in device.neighbours
        ]
        macs = _textfsm(conn, "display mac-address")
        assert [r["interface"] for r in macs] == [e.interface for e in device.mac_table]
        arp = _textfsm(conn, "display arp")
        assert [(r["ip_address"], r["vlan_id"]) for r in arp] == [("10.44.3.44", "30")]
        manuinfo = _textfsm(conn, "display device manuinfo")
        assert manuinfo[0]["device_serial_number"] == device.serial
        assert f"H3C {device.model} uptime is" in _text(conn, "display version")

        conn.send_config_set(["interface GigabitEthernet1/0/1", "undo lldp enable"])
        conn.save_config()
        current = _text(conn, "display current-configuration")
        assert "interface GigabitEthernet1/0/1\n port link-type trunk\n undo lldp enable" in current
    assert "undo lldp enable" in server.runtimes["fs-acc-01"].saved_path.read_text()


def test_wrong_password_is_an_authentication_failure(lab: tuple[LabState, CliServerThread]) -> None:
    device = lab[0].by_name()["gz-core-01"]
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(
            device_type="cisco_ios",
            host=device.address,
            port=device.ssh_port,
            username=device.ssh_username,
            password="not-the-password",
        )


def test_device_with_ssh_off_refuses_the_connection(lab: tuple[LabState, CliServerThread]) -> None:
    device = lab[0].by_name()["gz-dead-01"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((device.address, device.ssh_port), timeout=5).close()
    with pytest.raises(NetmikoTimeoutException):
        _connect(device, conn_timeout=5)


def _shell(device: LabDevice) -> paramiko.Channel:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        device.address,
        device.ssh_port,
        device.ssh_username,
        device.ssh_password,
        look_for_keys=False,
        allow_agent=False,
    )
    channel = client.invoke_shell(width=200)
    channel.settimeout(10)
    return channel


def _read_until(channel: paramiko.Channel, pattern: str) -> str:
    text = ""
    while not re.search(pattern, text):
        text += channel.recv(65535).decode()
    return text


def test_paging_until_terminal_length_0(lab: tuple[LabState, CliServerThread]) -> None:
    device = lab[0].by_name()["gz-core-01"]
    channel = _shell(device)
    _read_until(channel, r"gz-core-01>$")
    channel.send("sh ver\r")  # "\r" alone, as Ansible and a terminal send it
    first_page = _read_until(channel, r"--More--")
    assert first_page.startswith("sh ver\r\n")
    assert len(first_page.split("\r\n")) == 25  # echo + 23 lines + the --More-- line
    channel.send(" ")
    rest = _read_until(channel, r"gz-core-01>$")
    assert "Configuration register is 0xF" in rest
    channel.send("terminal length 0\r")
    _read_until(channel, r"gz-core-01>$")
    channel.send("show version\r")
    whole = _read_until(channel, r"gz-core-01>$")
    assert "--More--" not in whole and "Configuration register is 0xF" in whole
    channel.close()


def test_slow_device_answers_late(lab: tuple[LabState, CliServerThread]) -> None:
    device = lab[0].by_name()["sz-slow-01"]
    channel = _shell(device)
    channel.settimeout(0.3)
    with pytest.raises(TimeoutError):
        channel.recv(65535)  # the prompt is delayed by response_delay_s (1 s)
    channel.settimeout(10)
    assert _read_until(channel, r"<sz-slow-01>$").endswith("<sz-slow-01>")
    channel.close()


ANSIBLE_IOS_PROMPT = re.compile(r"[\r\n]?[\w\+\-\.:\/\[\]]+(?:\([^\)]+\)){0,3}(?:[>#]) ?$")
ANSIBLE_IOS_ERRORS = [
    re.compile(p, re.I)
    for p in (r"% ?Error", r"% ?Bad secret", r"invalid input", r"[^\r\n]+ not found", r"Bad mask")
]


def test_ios_prompts_and_terminal_setup_suit_ansible_cisco_ios(tmp_path: Path) -> None:
    session = CliSession(DeviceRuntime(ios_device(), tmp_path))
    prompts = [session.prompt()]
    for line in ("terminal length 0", "terminal width 512", "terminal width 0", "show privilege"):
        output = session.handle(line)
        assert not any(error.search(output) for error in ANSIBLE_IOS_ERRORS), line
    assert session.handle("show privilege") == "Current privilege level is 1\n"
    session.handle("enable")
    assert session.prompt() == "Password: " and session.hide_input
    session.handle(ios_device().enable_secret)
    assert session.handle("show privilege") == "Current privilege level is 15\n"
    prompts.append(session.prompt())
    session.handle("configure terminal")
    prompts.append(session.prompt())
    session.handle("interface GigabitEthernet1/0/1")
    prompts.append(session.prompt())
    assert prompts == [
        "gz-core-01>",
        "gz-core-01#",
        "gz-core-01(config)#",
        "gz-core-01(config-if)#",
    ]
    assert all(ANSIBLE_IOS_PROMPT.search("\r\n" + prompt) for prompt in prompts)


def test_command_line_server_writes_ready_file_and_stops_on_sigterm(tmp_path: Path) -> None:
    addresses, port = _addresses_and_port()
    device = comware_device(addresses[0])
    device.ssh_port = port
    state_file = tmp_path / "lab-state.json"
    LabState(seed=1, preset="test", root=str(tmp_path), devices=[device]).save(state_file)
    ready = tmp_path / "cli.ready"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netcensus.lab.cli_server",
            str(state_file),
            "--ready-file",
            str(ready),
            "--host-key",
            str(tmp_path / "host_key"),
        ],
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), f"no ready file; server exit status {process.poll()}"
        info = json.loads(ready.read_text())
        assert (info["pid"], info["listeners"], info["devices"]) == (process.pid, 1, ["fs-acc-01"])
        with socket.create_connection((device.address, port), timeout=5) as sock:
            assert sock.recv(64).startswith(b"SSH-2.0-Comware-7.1.064")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert not ready.exists()
    assert (tmp_path / "host_key").exists()


def test_exec_request_runs_one_command(lab: tuple[LabState, CliServerThread]) -> None:
    device = lab[0].by_name()["fs-acc-01"]
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        device.address,
        device.ssh_port,
        device.ssh_username,
        device.ssh_password,
        look_for_keys=False,
        allow_agent=False,
    )
    try:
        _, stdout, _ = client.exec_command("display device manuinfo", timeout=10)
        assert f"DEVICE_SERIAL_NUMBER : {device.serial}" in stdout.read().decode()
        assert stdout.channel.recv_exit_status() == 0
    finally:
        client.close()


def test_save_dialogs_ask_before_writing(tmp_path: Path) -> None:
    ios = CliSession(DeviceRuntime(ios_device(), tmp_path))
    ios.privileged = True
    assert ios.handle("copy run start") == ""
    assert ios.prompt() == "Destination filename [startup-config]? "
    assert ios.handle("") == "Building configuration...\n[OK]\n"
    assert ios.prompt() == "gz-core-01#"
    assert ios.runtime.saved_path.read_text() == ios_device().running_config

    comware = CliSession(DeviceRuntime(comware_device(), tmp_path))
    comware.handle("save")
    assert comware.prompt().endswith("Are you sure? [Y/N]:")
    comware.handle("y")
    assert comware.prompt().endswith("press the enter key):")
    comware.handle("")
    assert comware.prompt() == "flash:/startup.cfg exists, overwrite? [Y/N]:"
    assert comware.handle("y").endswith(
        "Saved the current configuration to mainboard device successfully.\n"
    )
    assert comware.runtime.saved_path.exists()

    vrp = CliSession(DeviceRuntime(vrp_device(), tmp_path))
    vrp.handle("save")
    assert vrp.handle("n") == "" and not vrp.runtime.saved_path.exists()


def test_user_exec_cannot_show_the_running_config(tmp_path: Path) -> None:
    session = CliSession(DeviceRuntime(ios_device(), tmp_path))
    refused = session.handle("show running-config")
    assert refused == " " * len("gz-core-01>show ") + "^\n% Invalid input detected at '^' marker.\n"
    assert session.handle("configure terminal").endswith(
        "% Invalid input detected at '^' marker.\n"
    )
    session.handle("enable")
    assert session.handle("wrong") == "% Bad secrets\n" and session.prompt() == "gz-core-01>"


def test_real_config_files_are_served_as_text(tmp_path: Path, shared_data: Path) -> None:
    device = ios_device()
    device.real_config = str(shared_data / "configs" / "cisco_ios" / "hier_config_ios_running.cfg")
    runtime = DeviceRuntime(device, tmp_path)
    assert runtime.running_config == Path(device.real_config).read_text().replace("\r\n", "\n")
    crlf_gbk = tmp_path / "gbk.cfg"
    crlf_gbk.write_bytes("sysname 广州\r\nreturn\r\n".encode("gbk"))
    device.real_config = "gbk.cfg"  # relative paths are relative to the state's folder
    assert DeviceRuntime(device, tmp_path).running_config == "sysname 广州\nreturn\n"


def test_config_mode_banners_and_views(tmp_path: Path) -> None:
    ios = CliSession(DeviceRuntime(ios_device(), tmp_path))
    ios.privileged = True
    ios.handle("conf t")
    assert ios.handle("banner motd #") == "Enter TEXT message.  End with the character '#'.\n"
    ios.handle("Authorized access only")
    ios.handle("#")
    assert ios.prompt() == "gz-core-01(config)#"
    assert "banner motd ^C\nAuthorized access only\n^C\n" in ios.runtime.running_config
    ios.handle("banner login #Monitored#")
    assert "\nbanner login ^CMonitored^C\n" in ios.runtime.running_config
    assert ios.handle("do show privilege") == "Current privilege level is 15\n"
    assert ios.handle("show version").endswith("% Invalid input detected at '^' marker.\n")

    vrp = CliSession(DeviceRuntime(vrp_device(), tmp_path))
    vrp.handle("system-view")
    vrp.handle("interface GigabitEthernet0/0/2")
    assert vrp.prompt() == "[sz-acc-01-GigabitEthernet0/0/2]"
    vrp.handle("undo lldp enable")
    section = vrp.handle("display current-configuration | section GigabitEthernet0/0/2")
    assert section == "interface GigabitEthernet0/0/2\n undo lldp enable\n"
    vrp.handle("quit")
    assert vrp.prompt() == "[sz-acc-01]"
    vrp.handle("sysname sz-acc-99")
    vrp.handle("return")
    assert vrp.prompt() == "<sz-acc-99>"


def test_only_an_ios_device_with_switch_ports_has_show_vlan(tmp_path: Path) -> None:
    switch = CliSession(DeviceRuntime(ios_device(), tmp_path))
    assert "10   VLAN0010" in switch.handle("show vlan brief")  # user EXEC is enough
    router_device = ios_device()
    for interface in router_device.interfaces:
        interface.mode = "routed"
    router = CliSession(DeviceRuntime(router_device, tmp_path))
    assert router.handle("show vlan") == (
        " " * len("gz-core-01>show ") + "^\n% Invalid input detected at '^' marker.\n"
    )
