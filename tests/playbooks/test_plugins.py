"""The shipped playbooks and netcensus's own cliconf, without a device or an Ansible run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from netcensus.compliance.packs import available_packs, load_ruleset
from netcensus.inventory.enums import Platform
from netcensus.playbooks.catalog import Collects, catalogue, find
from netcensus.playbooks.network_os import PLAYBOOK_DIR, plugin_env
from netcensus.playbooks.runner import vault_text
from tests.lab.devices import COMWARE_CONFIG, VRP_CONFIG

cli_plugins = pytest.importorskip("netcensus.playbooks.cli_plugins")


def test_every_playbook_describes_itself_and_names_real_rules() -> None:
    playbooks = {p.name: p for p in catalogue()}
    shipped = {"backup", "facts", "remediate-telnet", "remediate-snmp-community",
               "remediate-logging", "remediate-ntp", "remediate-exec-timeout"}  # fmt: skip
    assert shipped <= set(playbooks)
    assert playbooks["backup"].collects is Collects.CONFIG
    assert playbooks["facts"].collects is Collects.FACTS
    rules = load_ruleset(available_packs()).rules
    for playbook in playbooks.values():
        assert all(rule in rules for rule in playbook.rules), playbook.name
        if playbook.name.startswith("remediate-"):
            assert playbook.rules, playbook.name


def test_remediations_cover_every_platform() -> None:
    """Meta-test: a per-platform map in a remediation playbook lacking a platform fails."""
    platforms = {p.value for p in Platform if p is not Platform.OTHER}
    for playbook in catalogue():
        play_vars: dict[str, Any] = YAML(typ="safe").load(playbook.path.read_text())[0]["vars"]
        maps = [v for v in play_vars.values() if isinstance(v, dict) and set(v) & platforms]
        assert all(set(m) == platforms for m in maps), playbook.name
        if playbook.name.startswith("remediate-"):
            assert maps, playbook.name


def test_ansible_accepts_every_playbook(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **plugin_env(),
        "ANSIBLE_HOME": str(tmp_path),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    paths = [str(p.path) for p in catalogue()]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "--syntax-check", *paths],
        env=env, capture_output=True, text=True, cwd=PLAYBOOK_DIR,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_unknown_playbook_is_a_user_error() -> None:
    with pytest.raises(Exception, match="no playbook named 'nope'; netcensus ships: backup"):
        find("nope")


class _Connection:
    """Stands in for network_cli: records what the cliconf types."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, command: bytes, **_: Any) -> bytes:
        self.sent.append(command.decode() if isinstance(command, bytes) else command)
        return b""

    def get_prompt(self) -> bytes:
        return b"[sw1]"


def _cliconf(network_os: str) -> tuple[Any, _Connection]:
    connection = _Connection()
    return cli_plugins.cliconf(network_os)(connection), connection


def test_vrp_diff_names_only_the_missing_lines_under_their_section() -> None:
    cliconf, _ = _cliconf("huawei_vrp")
    candidate = "undo telnet server enable\nuser-interface vty 0 4\n protocol inbound ssh\n"
    diff = cliconf.get_diff(candidate=candidate, running=VRP_CONFIG)["config_diff"]
    assert diff.splitlines() == [
        "undo telnet server enable", "user-interface vty 0 4", " protocol inbound ssh",
    ]  # fmt: skip
    present = "interface GigabitEthernet0/0/1\n port link-type trunk\n"
    assert cliconf.get_diff(candidate=present, running=VRP_CONFIG)["config_diff"] == ""


def test_comware_globals_indented_in_the_config_still_match() -> None:
    cliconf, _ = _cliconf("hp_comware")
    # Comware shows " telnet server enable" indented; the candidate writes it at column 0.
    assert cliconf.get_diff(candidate="sysname fs-acc-01\n", running=COMWARE_CONFIG) == {
        "config_diff": "",
        "banner_diff": {},
    }
    diff = cliconf.get_diff(
        candidate="undo telnet server enable\nline vty 0 63\n authentication-mode scheme\n",
        running=COMWARE_CONFIG,
    )["config_diff"]
    assert diff.splitlines() == ["undo telnet server enable"]


def test_edit_config_leaves_each_section_before_the_next_line() -> None:
    cliconf, connection = _cliconf("huawei_vrp")
    cliconf.edit_config(
        candidate=[
            "aaa",
            " local-aaa-user password policy administrator",
            "  password expire 90",
            "undo telnet server enable",
            "user-interface vty 0 4",
            " protocol inbound ssh",
        ]
    )
    assert connection.sent == [
        "system-view",
        "aaa",
        "local-aaa-user password policy administrator",
        "password expire 90",
        "quit",
        "quit",
        "undo telnet server enable",
        "user-interface vty 0 4",
        "protocol inbound ssh",
        "return",
    ]
    with pytest.raises(ValueError, match="check mode"):
        cliconf.edit_config(candidate=["undo telnet server enable"], commit=False)


def test_terminal_reads_the_collectors_prompt_and_errors() -> None:
    terminal = cli_plugins.terminal_module("hp_comware")
    assert any(
        r.search(b"display version\r\n...\r\n<fs-acc-01>") for r in terminal.terminal_stdout_re
    )
    assert any(r.search(b" % Unrecognized command found at '^' position.")
               for r in terminal.terminal_stderr_re)  # fmt: skip
    assert terminal.disable_paging == b"screen-length disable"
    assert terminal.terminal_initial_prompt == [rb"Press Y or ENTER to continue"]


def test_vault_text_keeps_secrets_literal() -> None:
    text = vault_text({"ssh-ops": {"password": 'p{{ 1 }}"x'}}, {"snmp_community": "c"})
    loaded = YAML(typ="safe").load(text.replace("!unsafe ", ""))
    assert loaded == {
        "netcensus_credentials": {"ssh-ops": {"password": 'p{{ 1 }}"x'}},
        "netcensus_secrets": {"snmp_community": "c"},
    }
    assert text.count("!unsafe") == 2  # Jinja in a password is never evaluated
