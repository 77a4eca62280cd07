"""A fixed isolation breach resolves on rescan; one on a device that did not answer stays open.

End to end against the lab: the planted dual-homed PC and cross-zone cable are scanned over
SNMP and found; then the operator unplugs the PC and pulls the cable. The same four switches
are served again from their repaired lab state (the lab's own renderer and agents, on an
address block of their own): first answering too slowly (the scan times out: we did not
look, nothing may resolve), then answering (the findings resolve, the history stays).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from netcensus.collectors.scan import Scope, run_scan, start_scan, targets_from_store
from netcensus.compliance.check import run_check
from netcensus.inventory.db import Store
from netcensus.inventory.enums import FindingState, Outcome
from netcensus.inventory.models import Device, Endpoint, Finding, ScanResult
from netcensus.lab import lifecycle, snmprec
from netcensus.lab.agents import AgentPool, start_agents
from netcensus.lab.faults import SLOW_AGENT_DELAY_S
from netcensus.lab.state import LabState

pytestmark = pytest.mark.lab
lab = pytest.importorskip("tests.lab_fixture").lab
SLOW = " (slow)"  # the agent name of a switch's slow twin

DIVISIONS = Path(__file__).resolve().parents[3] / "shared" / "data" / "divisions" / "guangdong.json"


def _netcensus(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "netcensus.cli", *args],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, f"netcensus {' '.join(args)}: {result.stderr}"


def _repaired(lab: Any) -> list[Any]:
    """The four switches of the two faults, after the PC is unplugged and the cable pulled."""
    state = LabState.load(lab.lab_dir / lifecycle.STATE)
    devices = state.by_name()
    dual, cable = lab.fault("dual-homed-host"), lab.fault("cross-zone-cable")
    (pc,) = dual["macs"]
    for name in dual["devices"]:
        device = devices[name]
        device.mac_table = [m for m in device.mac_table if m.mac != pc]
        device.arp_table = [a for a in device.arp_table if a.mac != pc]
    for end in cable["interfaces"]:
        device = devices[end["device"]]
        device.neighbours = [n for n in device.neighbours if n.local_interface != end["interface"]]
        device.mac_table = [m for m in device.mac_table if m.interface != end["interface"]]
        port = next(i for i in device.interfaces if i.name == end["interface"])
        port.oper_up = False
    return [devices[name] for name in (*dual["devices"], *cable["devices"])]


@pytest.fixture(scope="module")
def repaired_agents(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentPool]:
    """Each repaired switch twice: answering at 127.B.0.n, too slowly at 127.B.1.n."""
    workdir = tmp_path_factory.mktemp("repaired-lab")
    (workdir / "snmprec").mkdir()
    block = lifecycle.free_block()
    devices = _repaired(lab)
    peers = LabState.load(lab.lab_dir / lifecycle.STATE).by_name()
    served = []
    for n, device in enumerate(devices, 1):
        (workdir / "snmprec" / f"{device.name}.snmprec").write_text(
            snmprec.render(device, peers), encoding="utf-8"
        )
        served.append(dataclasses.replace(device, address=f"127.{block}.0.{n}"))
    fast = lifecycle.agent_specs(LabState(seed=0, preset="", root="", devices=served), workdir)
    slow = [
        dataclasses.replace(
            spec,
            name=f"{spec.name}{SLOW}",
            address=f"127.{block}.1.{n}",
            delay_s=SLOW_AGENT_DELAY_S,
        )
        for n, spec in enumerate(fast, 1)
    ]
    specs = fast + slow
    with start_agents(specs, workdir) as pool:
        yield pool


def _scan(store: Store, env: dict[str, str], names: set[str], addresses: dict[str, str]) -> int:
    """An SNMP scan of ``names``, each at ``addresses`` (default: its declared address)."""
    with store.session() as session:
        targets = [
            dataclasses.replace(t, address=addresses.get(t.name, t.address))
            for t in targets_from_store(session, Scope())
            if t.name in names
        ]
    scan_id = start_scan(store, Scope(), ["snmp"])
    run_scan(store, scan_id, targets, ["snmp"], env=env)
    return scan_id


def _states(store: Store, names: set[str]) -> dict[tuple[str, str], FindingState]:
    """(rule, device) → state of the isolation findings about the faults' switches."""
    with store.session() as session:
        rows = session.execute(
            select(Finding.rule_id, Device.name, Finding.state)
            .join(Device, Finding.device_id == Device.id)
            .where(Device.name.in_(names), Finding.rule_id.in_(RULES))
        )
        return {(rule, device): state for rule, device, state in rows}


RULES = ("NET-ISO-02", "NET-ISO-04")  # the path through the cable, the dual-homed PC


def test_breach_resolves_when_fixed_and_stays_open_while_unread(
    lab: Any, repaired_agents: AgentPool, tmp_path: Path
) -> None:
    env = {**os.environ, **lab.env, "NETCENSUS_HOME": str(tmp_path)}
    env.pop("NETCENSUS_DATABASE_URL", None)
    _netcensus(env, "db", "upgrade")
    _netcensus(env, "sites", "import-divisions", str(DIVISIONS))
    _netcensus(env, "inventory", "load", str(lab.inventory_path))
    store = Store(f"sqlite:///{tmp_path / 'netcensus.db'}")
    dual, cable = lab.fault("dual-homed-host"), lab.fault("cross-zone-cable")
    names = {*dual["devices"], *cable["devices"]}

    _scan(store, env, names, {})
    run_check(store)
    found = _states(store, names)
    opened = {key for key, state in found.items() if state == FindingState.OPEN}
    assert {rule for rule, _ in opened} == set(RULES), found
    assert any(device in dual["devices"] for rule, device in opened if rule == "NET-ISO-04")
    assert any(device in cable["devices"] for rule, device in opened if rule == "NET-ISO-02")

    fast = {s.name: s.address for s in repaired_agents.specs if not s.delay_s}
    slow = {s.name.removesuffix(SLOW): s.address for s in repaired_agents.specs if s.delay_s}
    assert set(fast) == set(slow) == names

    # Repaired, but no switch answers in time: nothing was looked at, nothing resolves.
    timed_out = _scan(store, env, names, slow)
    with store.session() as session:
        outcomes = set(
            session.execute(
                select(ScanResult.outcome, ScanResult.error_code).where(
                    ScanResult.scan_id == timed_out
                )
            )
        )
    assert outcomes == {(Outcome.FAILED, "timeout")}
    run_check(store)
    assert _states(store, names) == found

    # Repaired and answering: the breaches are history.
    _scan(store, env, names, fast)
    run_check(store)
    assert set(_states(store, names).items()) == {
        (key, FindingState.RESOLVED) for key in found if key in opened
    } | {(key, state) for key, state in found.items() if key not in opened}
    (pc,) = dual["macs"]
    with store.session() as session:  # where the PC was seen stays on record
        seen_on = set(
            session.scalars(
                select(Device.name)
                .join(Endpoint, Endpoint.device_id == Device.id)
                .where(Endpoint.mac == pc, Endpoint.interface_id.is_not(None))
            )
        )
    assert seen_on == set(dual["devices"])
