"""The store as an Ansible dynamic inventory, read by Ansible's own ansible-inventory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.playbooks.conftest import SECRETS, AnsibleLab


def _ansible_inventory(lab: AnsibleLab, script: Path, *args: str) -> str:
    env = {
        **os.environ,
        **lab.env(),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "ANSIBLE_HOME": str(script.parent / "ansible-home"),
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _graph(text: str) -> dict[str, list[str]]:
    """``--graph`` output as group → direct members (``@child`` groups and hosts)."""
    tree: dict[str, list[str]] = {}
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        depth = (len(line) - len(line.lstrip(" |"))) // 2
        name = line.strip(" |-")
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            tree.setdefault(stack[-1][1], []).append(name)
        if name.startswith("@"):
            tree.setdefault(name, [])
            stack.append((depth, name))
    return tree


@pytest.mark.lab
def test_ansible_inventory_graph_shows_the_labs_groups(
    ansible_lab: AnsibleLab, tmp_path: Path
) -> None:
    script = tmp_path / "netcensus-inventory"
    ansible_lab.cli("ansible-inventory", "--script", str(script))
    text = _ansible_inventory(ansible_lab, script, "--graph")
    graph = _graph(text)

    assert "@site_4401:" not in graph["@all:"], text  # only under site_44
    assert sorted(graph["@platform_cisco_ios:"]) == ["gz-core-01", "gz-dead-01"]
    assert sorted(graph["@platform_huawei_vrp:"]) == ["sz-acc-01", "sz-tel-01"]
    assert graph["@platform_hp_comware:"] == ["fs-acc-01"]
    assert sorted(graph["@zone_external:"]) == ["sz-acc-01", "sz-tel-01"]
    assert sorted(graph["@level_county:"]) == ["sz-acc-01", "sz-tel-01"]
    assert sorted(graph["@level_prefecture:"]) == ["fs-acc-01", "gz-core-01", "gz-dead-01"]
    # MLPS: prefecture sites default to level 3, counties to level 2 (catalog G4)
    assert sorted(graph["@mlps_l2:"]) == ["sz-acc-01", "sz-tel-01"]
    # the site subtree: 44 holds 4401 and 4403; 4401 holds its devices and 440103, 440104
    assert sorted(graph["@site_44:"]) == ["@site_4401:", "@site_4403:"]
    assert sorted(graph["@site_4401:"]) == ["@site_440103:", "@site_440104:", "gz-core-01",
                                           "gz-dead-01"]  # fmt: skip
    assert graph["@site_440103:"] == ["sz-acc-01"]


@pytest.mark.lab
def test_host_vars_name_credentials_never_secrets(ansible_lab: AnsibleLab, tmp_path: Path) -> None:
    script = tmp_path / "netcensus-inventory"
    ansible_lab.cli("ansible-inventory", "--script", str(script))
    listed = ansible_lab.cli("ansible-inventory", "--list").output
    assert not any(secret in listed for secret in SECRETS.values())

    # Ansible resolves the password from the environment variable the credential names.
    host = json.loads(_ansible_inventory(ansible_lab, script, "--host", "gz-core-01"))
    assert host["ansible_host"] == ansible_lab.devices["gz-core-01"].address
    assert host["ansible_network_os"] == "cisco.ios.ios"
    assert host["ansible_become_method"] == "enable"
    assert host["netcensus_site"] == "4401" and host["netcensus_mlps_level"] == 3
    vrp = json.loads(ansible_lab.cli("ansible-inventory", "--host", "sz-acc-01").output)
    assert vrp["ansible_network_os"] == "huawei_vrp"
    assert "ansible_become" not in vrp  # VRP has no enable
    assert (
        vrp["ansible_password"] == "{{ netcensus_credentials[netcensus_ssh_credential].password }}"
    )


@pytest.mark.lab
def test_unknown_host_and_limit_are_user_errors(ansible_lab: AnsibleLab) -> None:
    missing = ansible_lab.cli("ansible-inventory", "--host", "nope", ok=False)
    assert missing.exit_code == 2 and "no Ansible host named 'nope'" in missing.output
    bad_limit = ansible_lab.cli("playbook", "run", "backup", "--limit", "site_99", ok=False)
    assert bad_limit.exit_code == 2 and "--limit: no group or host site_99" in bad_limit.output
    assert "Traceback" not in bad_limit.output
