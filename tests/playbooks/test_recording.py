"""How a run is recorded: events, per-host tallies, observations — on SQLite and PostgreSQL.

ansible-runner's events are fed in as it would deliver them; no Ansible process runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from netcensus.cli import main
from netcensus.collectors.scan import Scope, start_scan
from netcensus.inventory.db import Store
from netcensus.inventory.enums import CredentialKind, Level, Outcome, Platform, PlaybookStatus
from netcensus.inventory.models import (
    ConfigVersion,
    Credential,
    Device,
    PlaybookEvent,
    PlaybookRun,
    ScanResult,
    Site,
)
from netcensus.inventory.queries.configs import version_text as text_of
from netcensus.playbooks.catalog import find
from netcensus.playbooks.inventory import ansible_hosts
from netcensus.playbooks.runner import (
    RunRequest,
    _finish,
    _HostState,
    _Recorder,
    error_code,
    run_playbook,
)

CONFIG = "sysname sw1\n#\nsnmp-agent community read public\n#\nreturn\n"


@pytest.fixture
def declared(store: Store) -> Store:
    with store.transaction() as session:
        site = Site(code="4405", name="汕头市", level=Level.PREFECTURE)
        credential = Credential(
            name="ssh-ops", kind=CredentialKind.SSH, username="netops", secret_env="NC_TEST_PW"
        )
        session.add_all([site, credential])
        session.flush()
        for name, address in (("sw1", "127.0.0.1"), ("sw2", "127.0.0.2")):
            session.add(
                Device(
                    name=name,
                    site_id=site.id,
                    platform=Platform.HUAWEI_VRP,
                    mgmt_address=address,
                    ssh_credential_id=credential.id,
                )
            )
    return store


def _events() -> list[dict]:
    return [
        {
            "event": "runner_on_ok",
            "counter": 7,
            "event_data": {
                "host": "sw1",
                "task": "Redact it for netcensus",
                "start": "2026-12-01T08:00:00+00:00",
                "duration": 1.5,
                "res": {
                    "changed": False,
                    "ansible_facts": {"netcensus_observation": {"config": CONFIG}},
                },
            },
        },
        {
            "event": "runner_on_failed",
            "counter": 8,
            "stdout": "fatal: [sw2]: ssh connection failed: ssh connect failed: Connection refused",
            "event_data": {
                "host": "sw2",
                "task": "Reach the device",
                "res": {"censored": "hidden"},
            },
        },
        {
            "event": "playbook_on_stats",
            "counter": 9,
            "event_data": {"ok": {"sw1": 3}, "failures": {"sw2": 1}, "changed": {}, "dark": {}},
        },
    ]


def test_events_become_rows_observations_and_tallies(declared: Store) -> None:
    store = declared
    with store.session() as session:
        hosts = {h.name: _HostState(h) for h in ansible_hosts(session)}
        device_ids = dict(session.execute(select(Device.name, Device.id)).all())
    with store.transaction() as session:
        run = PlaybookRun(playbook="backup", started_by="tester")
        session.add(run)
        session.flush()
        run_id = run.id
    scan_id = start_scan(store, Scope(), ["ansible"], source="ansible:backup")
    seen = []
    recorder = _Recorder(store, run_id, find("backup"), hosts, scan_id, seen.append)
    assert all(recorder(event) for event in _events())
    rows = _finish(store, run_id, hosts, recorder, device_ids, PlaybookStatus.FAILED, 2, scan_id)

    assert [(e.host, e.status) for e in seen] == [("sw1", "ok"), ("sw2", "failed")]
    assert {r["host"]: (r["outcome"], r["ok"], r["failed"]) for r in rows} == {
        "sw1": (Outcome.OK, 3, 0), "sw2": (Outcome.FAILED, 0, 1),
    }  # fmt: skip
    with store.session() as session:
        events = session.scalars(select(PlaybookEvent).order_by(PlaybookEvent.seq)).all()
        assert [(e.seq, e.host, e.failed) for e in events] == [(7, "sw1", False), (8, "sw2", True)]
        assert "Connection refused" in (events[1].message or "")  # from the display line
        results = {r.target: r for r in session.scalars(select(ScanResult))}
        assert results["sw1"].outcome == Outcome.OK and results["sw1"].config_changed
        assert (results["sw2"].outcome, results["sw2"].error_code) == (Outcome.FAILED, "refused")
        version = session.scalars(select(ConfigVersion)).one()
        assert "snmp-agent community read <redacted:default-community>" in text_of(version)
        assert session.scalar(select(Device.stale).where(Device.name == "sw2")) is True

    shown = CliRunner().invoke(
        main, ["playbook", "show", str(run_id), "--json"],
        env={"NETCENSUS_DATABASE_URL": store.engine.url.render_as_string(hide_password=False)},
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert detail["status"] == "failed" and detail["scan"] == scan_id
    assert [h["host"] for h in detail["hosts"]] == ["sw1", "sw2"]


def test_a_host_without_its_secret_fails_without_contact(
    declared: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NC_TEST_PW", raising=False)
    result = run_playbook(declared, RunRequest("backup", limit="4405"), home=tmp_path, env={})
    assert result.status == PlaybookStatus.FAILED
    assert {h["host"]: h["outcome"] for h in result.hosts} == {
        "sw1": Outcome.FAILED, "sw2": Outcome.FAILED,
    }  # fmt: skip
    assert "NC_TEST_PW" in (result.hosts[0]["error"] or "")
    assert not (tmp_path / "ansible" / "runs" / str(result.run_id) / "inventory").exists()
    with declared.session() as session:
        codes = {r.error_code for r in session.scalars(select(ScanResult))}
        assert codes == {"credentials"}


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("ssh connection failed: ssh connect failed: Connection refused", "refused"),
        ("ssh connection failed: Failed to authenticate public key: Access denied", "auth"),
        ("Authentication failed.", "auth"),
        ("Task failed: 'netcensus_cli' is undefined", "failed"),
        ("command timeout triggered, timeout value is 30 secs", "timeout"),
    ],
)
def test_error_codes_use_the_scan_vocabulary(message: str, code: str) -> None:
    assert error_code(message) == code
