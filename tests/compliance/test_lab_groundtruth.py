"""Compliance against the lab's ground truth: every planted fault found, no clean device flagged.

Loads the lab's declared inventory, scans each zone as its own poller would (SNMP for
topology and MAC tables, SSH for configs), runs `netcensus check` with the default packs
and compares the findings with the lab's ground truth (``ground-truth.json``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from netcensus.inventory.db import Store
from netcensus.inventory.models import Device, Finding

pytestmark = pytest.mark.lab
# The session-scoped lab fixture (snmpsim agents + SSH CLIs), from the lab's test module.
lab = pytest.importorskip("tests.lab_fixture").lab

DIVISIONS = Path(__file__).resolve().parents[3] / "shared" / "data" / "divisions" / "guangdong.json"


def _netcensus(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "netcensus.cli", *args],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, f"netcensus {' '.join(args)}: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def checked(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Store]:
    home = tmp_path_factory.mktemp("compliance-lab")
    env = {**os.environ, **lab.env, "NETCENSUS_HOME": str(home)}
    env.pop("NETCENSUS_DATABASE_URL", None)
    _netcensus(env, "db", "upgrade")
    _netcensus(env, "sites", "import-divisions", str(DIVISIONS))
    _netcensus(env, "inventory", "load", str(lab.inventory_path))
    # One poller per zone: a scan never spans the internal and the external network.
    for zone in ("internal", "external"):
        _netcensus(env, "scan", "--zone", zone, "--concurrency", "32")
    _netcensus(env, "check", "--json")
    return lab.ground_truth, Store(f"sqlite:///{home / 'netcensus.db'}")


def _failing(store: Store) -> list[tuple[str, str]]:
    """(rule, device) of every failing finding about a device."""
    with store.session() as session:
        rows = session.execute(
            select(Finding.rule_id, Device.name)
            .join(Device, Finding.device_id == Device.id)
            .where(Finding.verdict == "fail")
        )
        return [(rule, device) for rule, device in rows]


def test_every_planted_fault_is_found(checked: tuple[dict[str, Any], Store]) -> None:
    truth, store = checked
    found = set(_failing(store))
    missed = [
        f"{fault['id']} {fault['kind']}: {rule} on {' or '.join(fault['devices'])}"
        for fault in truth["faults"]
        for rule in fault["rules"]
        if not any((rule, device) in found for device in fault["devices"])
    ]
    assert missed == [], "\n".join(missed)  # recall 100 %


def test_no_finding_on_a_clean_device(checked: tuple[dict[str, Any], Store]) -> None:
    truth, store = checked
    clean = set(truth["clean_devices"])
    false_alarms = sorted((rule, device) for rule, device in _failing(store) if device in clean)
    assert false_alarms == [], "\n".join(f"{rule} on {device}" for rule, device in false_alarms)
