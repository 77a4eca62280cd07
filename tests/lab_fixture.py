"""pytest plugin: a running lab (small preset) shared by the whole test session.

Use the ``lab`` fixture and mark the test ``@pytest.mark.lab``::

    @pytest.mark.lab
    def test_something(lab: RunningLab) -> None:
        device = lab.device("s44-int-core1")
        ... lab.env["NETCENSUS_LAB_SNMP_COMMUNITY_INT"] ...

The lab is generated into a private NETCENSUS_HOME-like directory on a free loopback
block (so parallel sessions never collide), started once, and stopped in the fixture's
teardown whatever the tests did.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netcensus.lab import lifecycle
from netcensus.lab.state import LabDevice, LabState

LAB_SEED = 1


@dataclass
class RunningLab:
    home: Path  # use as NETCENSUS_HOME
    lab_dir: Path  # home / "lab"
    state: LabState
    ground_truth: dict[str, Any]
    inventory_path: Path
    env: dict[str, str]  # credential variables the inventory references
    ssh: bool  # whether the SSH CLI server runs

    def device(self, name: str) -> LabDevice:
        return self.state.by_name()[name]

    def fault(self, kind: str) -> dict[str, Any]:
        """The first planted fault of that kind (see ground-truth.json ``faults``)."""
        return next(f for f in self.ground_truth["faults"] if f["kind"] == kind)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    home = tmp_path_factory.mktemp("lab-home")
    lab_dir = home / "lab"
    state = lifecycle.generate_into(lab_dir, "44", "small", LAB_SEED, lifecycle.free_block())
    ssh = importlib.util.find_spec("netcensus.lab.cli_server") is not None
    try:
        lifecycle.up(lab_dir, ssh=ssh, owner_pid=os.getpid())
        yield RunningLab(
            home=home,
            lab_dir=lab_dir,
            state=state,
            ground_truth=json.loads((lab_dir / lifecycle.TRUTH).read_text()),
            inventory_path=lab_dir / lifecycle.INVENTORY,
            env=lifecycle.read_credentials(lab_dir),
            ssh=ssh,
        )
    finally:
        lifecycle.down(lab_dir)
