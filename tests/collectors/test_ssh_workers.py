"""collect_ssh_many's worker processes: every device is accounted for, none is left running.

Slow lab devices keep the workers busy long enough to stop the caller early or to kill
a worker in the middle of the scan.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
from collections.abc import Iterator

import pytest

from netcensus.collectors.ssh import SshTarget, collect_ssh_many
from netcensus.inventory.enums import Platform
from netcensus.lab.cli_server import CliServerThread
from netcensus.lab.state import LabDevice, LabState
from tests.lab.devices import comware_device

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker processes"),
]

SESSIONS = 16  # two workers of eight sessions
DEVICES = 2 * SESSIONS  # a second round keeps both workers busy after the first result


def _devices() -> list[LabDevice]:
    base = f"127.{200 + os.getpid() % 50}.{(os.getpid() // 50 + 150) % 250}"
    with socket.socket() as probe:
        probe.bind((f"{base}.1", 0))
        port = probe.getsockname()[1]
    devices = []
    for n in range(1, DEVICES + 1):
        device = comware_device(f"{base}.{n}")
        device.name, device.ssh_port = f"fs-slow-{n:02d}", port
        device.running_config = device.running_config.replace("fs-acc-01", device.name)
        device.response_delay_s = 0.2  # a device takes a couple of seconds
        devices.append(device)
    return devices


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SshTarget]]:
    state = LabState(seed=1, preset="workers", root="440604", devices=_devices())
    with CliServerThread(state, tmp_path_factory.mktemp("workers")):
        yield [
            SshTarget(
                name=d.name,
                address=d.address,
                platform=Platform(d.platform),
                username=d.ssh_username,
                password=d.ssh_password,
                port=d.ssh_port,
                timeout_s=20,
            )
            for d in state.devices
        ]


def test_a_killed_worker_fails_its_devices_and_the_rest_finish(targets: list[SshTarget]) -> None:
    results = collect_ssh_many(targets, concurrency=SESSIONS)
    first = next(results)
    workers = multiprocessing.active_children()
    assert len(workers) == 2
    os.kill(workers[0].pid or 0, signal.SIGKILL)
    observations = [first, *results]
    assert sorted(o.target for o in observations) == sorted(t.name for t in targets)
    lost = [o for o in observations if not o.ok]
    assert lost and {o.error_code for o in lost} == {"internal"}
    assert all("SSH worker process ended" in (o.error or "") for o in lost)
    assert multiprocessing.active_children() == []


def test_stopping_early_leaves_no_worker_running(targets: list[SshTarget]) -> None:
    results = collect_ssh_many(targets, concurrency=SESSIONS)
    first = next(results)
    assert first.ok, (first.error_code, first.error)
    assert len(multiprocessing.active_children()) == 2
    results.close()  # the caller stops (Ctrl-C, a scan that is interrupted)
    assert multiprocessing.active_children() == []
