"""`lab up | down | status`: readiness, credentials, and no process left behind."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from netcensus.cli import main
from netcensus.lab import generate, ground_truth, lifecycle
from netcensus.lab.agents import AgentSpec, probe, start_agents
from netcensus.lab.state import LabState
from tests.lab_fixture import RunningLab


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().split(") ", 1)[1][0] != "Z"


def test_down_leaves_no_process_behind(tmp_path: Path) -> None:
    lab_dir = tmp_path / "lab"
    network = generate.generate("44", "small", 3, block=lifecycle.free_block(seed=3))
    state = generate.write(network, lab_dir)
    # A handful of agents is enough to prove the lifecycle; keep the test quick.
    keep = [d for d in state.devices if d.snmp_enabled and not d.response_delay_s][:5]
    LabState(state.seed, state.preset, state.root, keep).save(lab_dir / lifecycle.STATE)
    lifecycle.write_credentials(lab_dir, ground_truth.credential_env(network))
    report = lifecycle.up(lab_dir, ssh=False)
    try:
        assert report.agents == 5 and report.pids
        assert lifecycle.running_pids(lab_dir) == report.pids
        with pytest.raises(Exception, match="already running"):
            lifecycle.up(lab_dir, ssh=False)
        found = lifecycle.status(lab_dir)
        assert (found.processes, found.agents, found.answering) == (len(report.pids), 5, 5)
    finally:
        stopped = lifecycle.down(lab_dir)
    assert stopped == len(report.pids)
    assert not any(_alive(pid) for pid in report.pids)
    assert lifecycle.running_pids(lab_dir) == []
    assert lifecycle.down(lab_dir) == 0


def test_agent_pool_stop_ends_its_processes(tmp_path: Path) -> None:
    data = tmp_path / "one.snmprec"
    data.write_text("1.3.6.1.2.1.1.1.0|4|test agent\n1.3.6.1.2.1.1.5.0|4|one\n")
    block = lifecycle.free_block(seed=11)
    specs = [
        AgentSpec(name=f"a{n}", address=f"127.{block}.0.{n}", snmprec=data, community=f"c{n}")
        for n in (1, 2, 3)
    ]
    with start_agents(specs, tmp_path / "work", agents_per_process=2) as pool:
        assert len(pool.pids) == 2
        assert probe(specs) == {"a1": True, "a2": True, "a3": True}
        wrong = [AgentSpec(name="x", address=specs[0].address, snmprec=data, community="c2")]
        assert probe(wrong, timeout=1.0) == {"x": False}
        pids = pool.pids
    assert not any(_alive(pid) for pid in pids)


@pytest.mark.lab
def test_status_reports_the_running_lab_and_exports_credentials(
    lab: RunningLab,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NETCENSUS_HOME", str(lab.home))
    runner = CliRunner()
    result = runner.invoke(main, ["lab", "status", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    slow = sum(1 for d in lab.state.devices if d.response_delay_s)
    assert found["processes"] >= 1
    assert found["answering"] == found["agents"] - slow
    exported = runner.invoke(main, ["lab", "status", "--env"]).output.splitlines()
    assert sorted(line.split("=", 1)[0].removeprefix("export ") for line in exported) == sorted(
        lab.ground_truth["credential_env"]
    )
    mode = stat.S_IMODE((lab.lab_dir / lifecycle.CREDENTIALS).stat().st_mode)
    assert mode == 0o600
    assert set(lab.env) == set(lab.ground_truth["credential_env"])


def test_generate_command_writes_the_lab(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["lab", "generate", "--preset", "small", "--seed", "2"])
    assert result.exit_code == 0, result.output
    lab_dir = cli_env / "lab"
    for name in (lifecycle.STATE, lifecycle.TRUTH, lifecycle.INVENTORY, lifecycle.CREDENTIALS):
        assert (lab_dir / name).exists()
    text = (lab_dir / lifecycle.CREDENTIALS).read_text()
    assert "NETCENSUS_LAB_SNMP_AUTH_INT=" in text
    secrets = lifecycle.read_credentials(lab_dir).values()
    assert not any(secret in result.output for secret in secrets if secret != "public")
    bad = CliRunner().invoke(main, ["lab", "generate", "--root", "99"])
    assert bad.exit_code != 0 and "99" in bad.output and "Traceback" not in bad.output
