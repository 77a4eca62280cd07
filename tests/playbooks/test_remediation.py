"""The remediation loop: a finding → check mode shows the fix → the fix → a rescan resolves it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.enums import FindingState
from netcensus.inventory.models import Device, Finding, PlaybookRun
from tests.playbooks.conftest import AnsibleLab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
DEVICE = "sz-tel-01"  # VRP: "telnet server enable", vty "protocol inbound all"
SITE = "440104"


@pytest.fixture
def store(ansible_lab: AnsibleLab) -> Iterator[Store]:
    opened = Store(f"sqlite:///{ansible_lab.home / 'netcensus.db'}")
    yield opened
    opened.dispose()


def _telnet_finding(store: Store) -> Finding | None:
    with store.session() as session:
        return session.scalars(
            select(Finding)
            .join(Device, Device.id == Finding.device_id)
            .where(Device.name == DEVICE, Finding.rule_id == "NET-MGMT-01")
        ).first()


def test_telnet_finding_is_remediated_by_the_playbook(
    ansible_lab: AnsibleLab, store: Store
) -> None:
    ansible_lab.cli("scan", "--ssh", "--site", SITE)
    ansible_lab.cli("check", "--site", SITE)
    found = _telnet_finding(store)
    assert found is not None and found.state == FindingState.OPEN, found
    before = ansible_lab.running(DEVICE)
    assert "telnet server enable" in before.splitlines()

    # Check mode: the diff names the lines, the device does not change.
    planned = ansible_lab.cli(
        "playbook", "run", "remediate-telnet", "--limit", DEVICE, "--check", "--diff"
    )
    assert "undo telnet server enable" in planned.output
    assert "user-interface vty 0 4\n protocol inbound ssh" in planned.output
    assert ansible_lab.running(DEVICE) == before
    with store.session() as session:
        run = session.scalars(select(PlaybookRun).order_by(PlaybookRun.id.desc())).first()
        assert run is not None and run.check_mode and run.playbook == "remediate-telnet"
        assert [(h.host, h.changed > 0, h.failed) for h in run.hosts] == [(DEVICE, True, 0)]

    ansible_lab.cli("playbook", "run", "remediate-telnet", "--limit", DEVICE)
    after = ansible_lab.running(DEVICE).splitlines()
    assert "telnet server enable" not in after and "undo telnet server enable" in after
    vty = after.index("user-interface vty 0 4")
    assert " protocol inbound ssh" in after[vty:] and " protocol inbound all" not in after
    saved = ansible_lab.server.runtimes[DEVICE].saved_path.read_text().splitlines()
    assert "undo telnet server enable" in saved  # saved, survives a reboot

    # The rescan sees the new config; the finding is resolved.
    ansible_lab.cli("scan", "--ssh", "--site", SITE)
    ansible_lab.cli("check", "--site", SITE)
    resolved = _telnet_finding(store)
    assert resolved is not None and resolved.state == FindingState.RESOLVED

    # A second run finds nothing left to do.
    again = ansible_lab.cli("playbook", "run", "remediate-telnet", "--limit", DEVICE, "--json")
    assert '"changed": 0' in again.stdout


NEW_COMMUNITY = "Nc-Comm-7a2f"
NTP_KEY = "Nc-Ntp-K3y-91"


def test_each_platform_gets_its_own_lines_and_secrets_stay_secret(
    ansible_lab: AnsibleLab, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NC_NEW_COMMUNITY", NEW_COMMUNITY)
    monkeypatch.setenv("NC_NTP_KEY", NTP_KEY)
    comware, vrp, ios = "fs-acc-01", "sz-acc-01", "gz-core-01"
    before = {name: ansible_lab.running(name) for name in (comware, vrp, ios)}

    planned = ansible_lab.cli(
        "playbook", "run", "remediate-telnet", "--limit", f"{ios},{comware}", "--check", "--diff"
    ).output  # fmt: skip
    # cisco.ios lists its commands unindented
    assert "ip ssh version 2\nline vty 0 4\ntransport input ssh" in planned
    assert (
        "undo telnet server enable\nssh server enable\nline vty 0 63\n protocol inbound ssh"
        in planned
    )

    planned = ansible_lab.cli(
        "playbook", "run", "remediate-exec-timeout", "--limit", comware, "--check", "--diff"
    ).output
    assert "line vty 0 63\n idle-timeout 5 0" in planned
    planned = ansible_lab.cli(
        "playbook", "run", "remediate-logging", "--limit", vrp, "--check", "--diff",
        "-e", "logging_hosts=[10.9.9.9, 10.9.9.10]",
    ).output  # fmt: skip
    assert "info-center loghost 10.9.9.9\ninfo-center loghost 10.9.9.10" in planned
    planned = ansible_lab.cli(
        "playbook", "run", "remediate-ntp", "--limit", ios, "--check", "--diff", "--json",
        "-e", "ntp_servers=10.8.8.8", "--secret", "ntp_key=NC_NTP_KEY",
    ).stdout  # fmt: skip
    assert json.loads(planned)["hosts"][0]["changed"] == 1 and NTP_KEY not in planned
    assert {name: ansible_lab.running(name) for name in before} == before  # check mode

    missing = ansible_lab.cli("playbook", "run", "remediate-ntp", "--limit", ios, ok=False)
    assert missing.exit_code == 2 and "needs ntp_servers" in missing.output

    # For real: the default community goes, the new one (a secret) arrives, unlogged.
    ansible_lab.cli(
        "playbook", "run", "remediate-snmp-community", "--limit", ios,
        "--secret", "snmp_community=NC_NEW_COMMUNITY",
    )  # fmt: skip
    running = ansible_lab.running(ios).splitlines()
    assert f"snmp-server community {NEW_COMMUNITY} RO" in running
    assert not any(line.startswith("snmp-server community public") for line in running)
    for path in (p for p in (ansible_lab.home / "ansible").rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert NEW_COMMUNITY.encode() not in data and NTP_KEY.encode() not in data, path
    with store.session() as session:
        run = session.scalars(select(PlaybookRun).order_by(PlaybookRun.id.desc())).first()
        assert run is not None and run.secret_names == ["snmp_community"]
