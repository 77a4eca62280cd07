"""Comware sessions stay in step: each command's output is its own, under concurrency.

Regression for `display device manuinfo` recorded as malformed ("State Error raised …
Input Line: display version"): netmiko's login pressed Enter and cleared the prompts
that came back on a 10 ms timer; a prompt that came later stayed in the channel and,
as netmiko does not check the command echo on Comware, ended the next read early, so
each later command got the previous command's output. The collector now reads every
answer from its command's echo to the prompt after it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

from netcensus.collectors.platforms import spec
from netcensus.collectors.ssh import SshTarget, _connect, collect_ssh_many
from netcensus.inventory.enums import Platform
from netcensus.lab.cli_server import CliServerThread
from netcensus.lab.state import LabDevice, LabState
from tests.lab.devices import comware_device

pytestmark = pytest.mark.lab

DEVICES = 24  # enough for the worker processes (8 sessions each) as well as threads
# Some devices answer each line this late: later than netmiko's buffer clearing waited.
SLOW_S = 0.05


def _devices() -> list[LabDevice]:
    base = f"127.{200 + os.getpid() % 50}.{(os.getpid() // 50 + 100) % 250}"
    with socket.socket() as probe:
        probe.bind((f"{base}.1", 0))
        port = probe.getsockname()[1]
    devices = []
    for n in range(1, DEVICES + 1):
        device = comware_device(f"{base}.{n}")
        device.name, device.ssh_port = f"fs-acc-{n:02d}", port
        device.serial = f"219801A2YJ8205Q{n:05d}"
        device.running_config = device.running_config.replace("fs-acc-01", device.name)
        device.response_delay_s = SLOW_S if n % 3 == 0 else 0.0
        devices.append(device)
    return devices


@pytest.fixture(scope="module")
def comware_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabState]:
    state = LabState(seed=1, preset="desync", root="440604", devices=_devices())
    with CliServerThread(state, tmp_path_factory.mktemp("desync")):
        yield state


def _target(device: LabDevice) -> SshTarget:
    return SshTarget(
        name=device.name,
        address=device.address,
        platform=Platform(device.platform),
        username=device.ssh_username,
        password=device.ssh_password,
        port=device.ssh_port,
        timeout_s=20,
    )


def test_concurrent_comware_collections_read_each_answer_whole(comware_lab: LabState) -> None:
    targets = [_target(d) for d in comware_lab.devices]
    observations = {o.target: o for o in collect_ssh_many(targets, concurrency=DEVICES)}
    assert set(observations) == {d.name for d in comware_lab.devices}
    for device in comware_lab.devices:
        seen = observations[device.name]
        assert (seen.ok, seen.errors) == (True, []), (device.name, seen.error, seen.errors)
        # Each from its own command: display version, device manuinfo, the prompt, …
        assert seen.os_version == device.os_version
        assert seen.serial == device.serial
        assert seen.sys_name == device.name
        assert {i.name for i in seen.interfaces} == {i.name for i in device.interfaces}
        assert {m.mac for m in seen.fdb} == {m.mac for m in device.mac_table}
        assert seen.config is not None and f"sysname {device.name}" in seen.config


def test_a_stale_prompt_in_the_channel_is_skipped(comware_lab: LabState) -> None:
    """A prompt left unread in the channel (an extra Enter's, as at login) ends nothing."""
    device = comware_lab.devices[0]
    session = _connect(_target(device), spec(Platform.HP_COMWARE))
    try:
        for command in ("display version", "display device manuinfo"):
            session.write_channel(session.RETURN)
            time.sleep(0.2)  # its prompt is back in the channel, unread, when the command goes
            output = session.run(command, 20)
            expected = "Comware Software" if command == "display version" else device.serial
            assert expected in output, output[:200]
            assert session.prompt not in output and command not in output
    finally:
        session.logout()
