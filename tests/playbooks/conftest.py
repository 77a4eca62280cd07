"""A small lab for the Ansible tests: one device per platform, a telnet-enabled VRP device
to remediate, one that refuses SSH, declared in a store under a private NETCENSUS_HOME.

Each Ansible host costs seconds of CPU, so the lab stays this small; the CLI server runs
in a thread of the test process, so tests read each device's live config from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from netcensus.cli import main
from netcensus.lab.cli_server import CliServerThread
from netcensus.lab.state import LabDevice, LabState
from tests.lab.devices import comware_device, ios_device, vrp_device
from tests.lab.test_cli_server import _addresses_and_port

SECRETS = {"NC_PLAYBOOK_SSH_PASSWORD": "Lab-pass-1", "NC_PLAYBOOK_ENABLE": "Lab-enable-1"}
# (device, site, zone) — sites 44 ⊃ 4401 ⊃ 440103 and 4403
PLACES = {
    "gz-core-01": ("4401", "internal"),
    "sz-acc-01": ("440103", "external"),
    "fs-acc-01": ("4403", "internal"),
    "gz-dead-01": ("4401", "internal"),
    "sz-tel-01": ("440104", "external"),
}
ROLES = {"gz-core-01": "core-switch", "gz-dead-01": "router"}


@dataclass
class AnsibleLab:
    home: Path
    devices: dict[str, LabDevice]
    server: CliServerThread

    def env(self) -> dict[str, str]:
        return {"NETCENSUS_HOME": str(self.home), **SECRETS}

    def cli(self, *args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(main, list(args), env=self.env(), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, (args, result.output)
        return result

    def running(self, name: str) -> str:
        return self.server.runtimes[name].running_config


def _devices(addresses: list[str], port: int) -> list[LabDevice]:
    refusing = ios_device(addresses[3])
    refusing.name, refusing.ssh_enabled = "gz-dead-01", False
    telnet = vrp_device(addresses[4])
    telnet.name, telnet.serial = "sz-tel-01", "2102351931P0J4000999"
    telnet.chassis_mac = "4c:1f:cc:33:55:00"
    telnet.running_config = telnet.running_config.replace("sysname sz-acc-01", "sysname sz-tel-01")
    devices = [
        ios_device(addresses[0]),
        vrp_device(addresses[1]),
        comware_device(addresses[2]),
        refusing,
        telnet,
    ]
    for device in devices:
        device.ssh_port = port
    return devices


def _inventory(devices: list[LabDevice]) -> dict[str, Any]:
    sites = [
        ("44", "广东省", "provincial", None),
        ("4401", "广州市", "prefecture", "44"),
        ("440103", "荔湾区", "county", "4401"),
        ("440104", "越秀区", "county", "4401"),
        ("4403", "深圳市", "prefecture", "44"),
    ]
    return {
        "credentials": [
            {
                "name": "ssh-lab",
                "kind": "ssh",
                "username": "netops",
                "password_env": "NC_PLAYBOOK_SSH_PASSWORD",
                "enable_env": "NC_PLAYBOOK_ENABLE",
            }
        ],
        "sites": [
            {
                "code": code,
                "name": name,
                "level": level,
                **({"parent": parent} if parent else {}),
                "zones": [
                    {"name": "internal", "kind": "internal"},
                    {"name": "external", "kind": "external"},
                ],
            }
            for code, name, level, parent in sites
        ],
        "devices": [
            {
                "name": d.name,
                "site": PLACES[d.name][0],
                "zone": PLACES[d.name][1],
                "role": ROLES.get(d.name, "access-switch"),
                "platform": d.platform,
                "mgmt_address": d.address,
                "ssh_port": d.ssh_port,
                "credentials": {"ssh": "ssh-lab"},
            }
            for d in devices
        ],
    }


@pytest.fixture(scope="module")
def ansible_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnsibleLab]:
    root = tmp_path_factory.mktemp("ansible-lab")
    addresses, port = _addresses_and_port()
    devices = _devices(addresses, port)
    state = LabState(seed=1, preset="test", root=str(root / "lab"), devices=devices)
    inventory = root / "inventory.yaml"
    inventory.write_text(json.dumps(_inventory(devices), ensure_ascii=False))  # JSON is YAML
    with CliServerThread(state, root / "lab", host_key_path=root / "ssh_host_key") as server:
        lab = AnsibleLab(root / "home", {d.name: d for d in devices}, server)
        lab.cli("db", "upgrade")
        lab.cli("inventory", "load", str(inventory))
        yield lab
