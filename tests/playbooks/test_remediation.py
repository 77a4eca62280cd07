"""The remediation loop: a finding → check mode shows the fix → the fix → a rescan resolves it."""

from __future__ import annotations

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
