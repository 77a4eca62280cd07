"""backup.yml through ansible-runner: configs into the config history, once per change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from netcensus.inventory.db import Store
from netcensus.inventory.enums import Outcome, PlaybookStatus
from netcensus.inventory.models import ConfigVersion, Device, PlaybookRun, ScanResult
from netcensus.inventory.queries.configs import version_text as text_of
from tests.playbooks.conftest import SECRETS, AnsibleLab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
HOSTS = "gz-core-01,sz-acc-01,fs-acc-01,gz-dead-01"
# Secrets of the lab configs (tests/lab/devices.py) that redaction must keep out of everything.
CONFIG_SECRETS = ("$9$abc", "$9$def")


@pytest.fixture
def store(ansible_lab: AnsibleLab) -> Iterator[Store]:
    opened = Store(f"sqlite:///{ansible_lab.home / 'netcensus.db'}")
    yield opened
    opened.dispose()


def _backup(lab: AnsibleLab) -> dict:
    result = lab.cli("playbook", "run", "backup", "--limit", HOSTS, "--json", ok=False)
    assert result.exit_code == 1, result.output  # one host failed
    return json.loads(result.stdout)


def _versions(store: Store) -> dict[str, int]:
    with store.session() as session:
        rows = session.execute(
            select(Device.name, func.count(ConfigVersion.id))
            .join(ConfigVersion, ConfigVersion.device_id == Device.id)
            .group_by(Device.name)
        ).all()
    return dict(rows)


def _files(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


def test_backup_twice_stores_each_config_once_and_records_the_refusing_host(
    ansible_lab: AnsibleLab, store: Store
) -> None:
    first = _backup(ansible_lab)
    outcomes = {h["host"]: (h["outcome"], h["error"]) for h in first["hosts"]}
    assert {h: o for h, (o, _) in outcomes.items()} == {
        "gz-core-01": "ok", "sz-acc-01": "ok", "fs-acc-01": "ok", "gz-dead-01": "failed",
    }  # fmt: skip
    assert "Connection refused" in outcomes["gz-dead-01"][1]
    assert _versions(store) == {"gz-core-01": 1, "sz-acc-01": 1, "fs-acc-01": 1}

    with store.session() as session:
        ios = session.scalar(select(Device).where(Device.name == "gz-core-01"))
        assert ios is not None
        version = session.scalar(select(ConfigVersion).where(ConfigVersion.device_id == ios.id))
        assert version is not None and version.scan_id == first["scan"]
        stored = text_of(version)
        # the SSH collector's redaction and noise removal, not a copy of them
        assert "snmp-server community <redacted:default-community> RO" in stored
        assert "enable secret 9 <redacted>" in stored
        assert "Building configuration" not in stored
        assert not any(secret in stored for secret in CONFIG_SECRETS)
        results = {
            r.target: r
            for r in session.scalars(select(ScanResult).where(ScanResult.scan_id == first["scan"]))
        }
        assert {t: r.outcome for t, r in results.items()} == {
            "gz-core-01": Outcome.OK, "sz-acc-01": Outcome.OK, "fs-acc-01": Outcome.OK,
            "gz-dead-01": Outcome.FAILED,
        }  # fmt: skip
        assert results["gz-dead-01"].method == "ansible"
        assert results["gz-dead-01"].error_code == "refused"
        dead = session.scalar(select(Device).where(Device.name == "gz-dead-01"))
        assert dead is not None and dead.stale

    second = _backup(ansible_lab)
    assert _versions(store) == {"gz-core-01": 1, "sz-acc-01": 1, "fs-acc-01": 1}
    with store.session() as session:
        run = session.get(PlaybookRun, second["run"])
        assert run is not None
        assert run.playbook == "backup" and run.status == PlaybookStatus.FAILED
        assert run.started_by and run.finished_at is not None
        hosts = {h.host: h for h in run.hosts}
        assert hosts["sz-acc-01"].outcome == Outcome.OK and hosts["sz-acc-01"].ok == 3
        assert hosts["gz-dead-01"].outcome == Outcome.FAILED
        unchanged = session.scalars(
            select(ScanResult).where(ScanResult.scan_id == second["scan"])
        ).all()
        assert not any(r.config_changed for r in unchanged)

    # Nothing secret on disk: not the SSH and enable passwords (ansible-runner writes its
    # whole environment to artifacts/<id>/command), not the configs' secrets.
    private_dir = Path(second["private_data_dir"])
    assert (private_dir / "artifacts" / str(second["run"]) / "command").is_file()
    assert list(private_dir.rglob("job_events/*.json"))
    for path in _files(ansible_lab.home / "ansible"):
        data = path.read_bytes()
        leaked = [s for s in (*SECRETS.values(), *CONFIG_SECRETS) if s.encode() in data]
        assert leaked == [], path


def test_facts_become_observations_parsed_like_an_ssh_scan(
    ansible_lab: AnsibleLab, store: Store
) -> None:
    result = ansible_lab.cli("playbook", "run", "facts", "--limit", "sz-acc-01,fs-acc-01", "--json")
    run = json.loads(result.stdout)
    assert [(h["host"], h["outcome"]) for h in run["hosts"]] == [
        ("fs-acc-01", "ok"), ("sz-acc-01", "ok"),
    ]  # fmt: skip
    with store.session() as session:
        for name in ("sz-acc-01", "fs-acc-01"):
            lab_device = ansible_lab.devices[name]
            device = session.scalar(select(Device).where(Device.name == name))
            assert device is not None
            assert (device.serial, device.model) == (lab_device.serial, lab_device.model)
            assert lab_device.os_version.endswith(str(device.os_version))
            interfaces = {i.name: i for i in device.interfaces}
            for lab_interface in lab_device.interfaces:
                stored = interfaces[lab_interface.name]
                assert stored.admin_status == ("up" if lab_interface.admin_up else "down")
        result_rows = session.scalars(
            select(ScanResult).where(ScanResult.scan_id == run["scan"])
        ).all()
        assert {(r.target, r.method, r.outcome) for r in result_rows} == {
            ("sz-acc-01", "ansible", Outcome.OK), ("fs-acc-01", "ansible", Outcome.OK),
        }  # fmt: skip
