"""Ansible's network_cli (cisco.ios, run by ansible-runner) against the lab's fake IOS CLI.

The lab issue asks that real automation works against the lab unchanged. One
ansible-playbook run (one host: each costs seconds of CPU) logs in over libssh, enables,
runs ``show version``, gathers facts and VLANs, pushes a global line and saves it (then again,
which must change and save nothing), changes an interface section, reads the result
back and plans another change in check mode. Everything is asserted on values, and the
server's own running and saved configs are read back as well.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ansible_runner
import pytest

from netcensus.lab.cli_server import CliServerThread
from netcensus.lab.state import LabDevice, LabState
from tests.lab.devices import ios_device
from tests.lab.test_cli_server import _addresses_and_port

pytestmark = pytest.mark.lab

LOGGING_HOST = "logging host 10.9.9.9"
PLANNED_HOST = "logging host 10.8.8.8"
UPLINK = "interface GigabitEthernet1/0/1"
UPLINK_DESCRIPTION = "description to sz-acc-01 Gi0/0/1"

PLAYBOOK = [
    {
        "name": "cisco.ios over network_cli against the lab",
        "hosts": "all",
        "gather_facts": False,
        "tasks": [
            {
                "name": "show version",
                "cisco.ios.ios_command": {"commands": ["show version"]},
            },
            {"name": "facts", "cisco.ios.ios_facts": {"gather_subset": "min"}},
            # refuses a device that does not answer "show vlan" ("not valid for the target")
            {"name": "vlans", "cisco.ios.ios_vlans": {"state": "gathered"}},
            {
                "name": "add logging host",
                "cisco.ios.ios_config": {"lines": [LOGGING_HOST], "save_when": "modified"},
            },
            {
                "name": "add logging host again",
                "cisco.ios.ios_config": {"lines": [LOGGING_HOST], "save_when": "modified"},
            },
            {
                "name": "describe the uplink",
                "cisco.ios.ios_config": {
                    "parents": [UPLINK],
                    "lines": [UPLINK_DESCRIPTION],
                },
            },
            {
                "name": "read logging hosts",
                "cisco.ios.ios_command": {
                    "commands": ["show running-config | include logging host"]
                },
            },
            {
                "name": "plan another logging host",
                "cisco.ios.ios_config": {"lines": [PLANNED_HOST]},
                "check_mode": True,
            },
        ],
    }
]


@pytest.fixture(scope="module")
def ios_lab(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LabDevice, CliServerThread]]:
    root = tmp_path_factory.mktemp("ansible-lab")
    addresses, port = _addresses_and_port()
    device = ios_device(addresses[0])
    device.ssh_port = port
    state = LabState(seed=1, preset="test", root=str(root), devices=[device])
    with CliServerThread(state, root, host_key_path=root / "ssh_host_key") as server:
        yield device, server


def _inventory(device: LabDevice) -> dict[str, Any]:
    host = {
        "ansible_host": device.address,
        "ansible_port": device.ssh_port,
        "ansible_user": device.ssh_username,
        "ansible_password": device.ssh_password,
        "ansible_connection": "ansible.netcommon.network_cli",
        "ansible_network_os": "cisco.ios.ios",
        # Ansible's preferred SSH for network_cli (its paramiko plugin is deprecated)
        "ansible_network_cli_ssh_type": "libssh",
        "ansible_become": True,
        "ansible_become_method": "enable",
        "ansible_become_password": device.enable_secret,
        "ansible_command_timeout": 20,
    }
    return {"all": {"hosts": {device.name: host}}}


def _run(private_dir: Path, device: LabDevice) -> Any:
    (private_dir / "project").mkdir(parents=True)
    (private_dir / "project" / "lab.yml").write_text(json.dumps(PLAYBOOK))  # JSON is YAML
    (private_dir / "inventory").mkdir()
    (private_dir / "inventory" / "hosts.yml").write_text(json.dumps(_inventory(device)))
    scratch = private_dir / "scratch"
    env = {
        # ansible-playbook from this venv, whatever PATH pytest was started with
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        # keep ansible's home, temp files and persistent-connection sockets out of $HOME
        "ANSIBLE_HOME": str(scratch / "home"),
        "ANSIBLE_LOCAL_TEMP": str(scratch / "tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(scratch / "pc"),
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "20",
    }
    return ansible_runner.run(
        private_data_dir=str(private_dir),
        playbook="lab.yml",
        envvars=env,
        quiet=True,
        timeout=120,
    )


def _results(run: Any) -> dict[str, dict[str, Any]]:
    """Each task's result by task name (one host)."""
    return {
        event["event_data"]["task"]: event["event_data"]["res"]
        for event in run.events
        if event.get("event") in ("runner_on_ok", "runner_on_failed")
    }


def test_cisco_ios_network_cli_against_the_lab(
    ios_lab: tuple[LabDevice, CliServerThread], tmp_path: Path
) -> None:
    device, server = ios_lab
    run = _run(tmp_path / "runner", device)
    results = _results(run)
    assert run.status == "successful", (run.status, run.stdout.read())
    assert run.rc == 0

    version = results["show version"]["stdout"][0]
    assert f"Version {device.os_version}," in version
    assert f"Processor board ID {device.serial}" in version

    facts = results["facts"]["ansible_facts"]
    assert facts["ansible_net_hostname"] == device.name
    assert facts["ansible_net_serialnum"] == device.serial
    assert facts["ansible_net_version"] == device.os_version
    assert facts["ansible_net_model"] == device.model
    vlans = results["vlans"]["gathered"]
    assert [(v["vlan_id"], v.get("name"), v["state"]) for v in vlans[:2]] == [
        (1, "default", "active"),
        (10, "VLAN0010", "active"),
    ]
    assert [v["vlan_id"] for v in vlans[2:]] == [1002, 1003, 1004, 1005]

    added = results["add logging host"]
    assert added["changed"] is True
    assert added["updates"] == [LOGGING_HOST]
    # Saved because running and startup differed; the second run finds both equal
    # (the "Building configuration" / "Using N out of M bytes" headers are ignored).
    assert results["add logging host again"]["changed"] is False
    described = results["describe the uplink"]
    assert described["changed"] is True
    assert described["updates"] == [UPLINK, UPLINK_DESCRIPTION]
    assert results["read logging hosts"]["stdout"][0] == LOGGING_HOST

    planned = results["plan another logging host"]
    assert planned["changed"] is True
    assert planned["updates"] == [PLANNED_HOST]

    runtime = server.runtimes[device.name]
    running = runtime.running_config.splitlines()
    assert running.count(LOGGING_HOST) == 1
    assert PLANNED_HOST not in running
    assert running[-1] == "end"  # the new line went inside the config, not after "end"
    uplink = running.index(UPLINK)
    assert running[uplink + 1 : uplink + 3] == [" switchport mode trunk", f" {UPLINK_DESCRIPTION}"]
    assert " description uplink" not in running  # replaced, as IOS does
    # saved before the uplink change, so startup has the logging host but not the description
    saved = runtime.saved_path.read_text().splitlines()
    assert LOGGING_HOST in saved and f" {UPLINK_DESCRIPTION}" not in saved
