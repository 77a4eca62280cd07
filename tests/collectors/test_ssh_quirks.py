"""SSH oddities of real devices, against the lab's planted ones (ground truth: faults).

Each oddity is a device of the generated lab (lab/faults.py ``ssh-*``): a port that
never sends an SSH banner, a shell that stays silent, a shell with a prompt of another
kind, a device slower than a short timeout. Each must fail once, with a code and a
message that say what happened, and the devices collected beside it must not suffer.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest

from netcensus.collectors.ssh import SshTarget, collect_ssh_many
from netcensus.inventory.enums import Platform
from netcensus.lab.state import LabDevice
from tests.lab_fixture import RunningLab

pytestmark = pytest.mark.lab

TIMEOUT_S = 3.0


def _target(device: LabDevice, timeout_s: float = TIMEOUT_S) -> SshTarget:
    return SshTarget(
        name=device.name,
        address=device.address,
        platform=Platform(device.platform),
        username=device.ssh_username,
        password=device.ssh_password,
        port=device.ssh_port,
        enable_secret=device.enable_secret,
        timeout_s=timeout_s,
        with_config=False,
    )


def _quirky(lab: RunningLab, quirk: str) -> LabDevice:
    return lab.device(lab.fault(f"ssh-{quirk}")["devices"][0])


def _healthy(lab: RunningLab) -> LabDevice:
    faulty = {name for fault in lab.ground_truth["faults"] for name in fault["devices"]}
    return next(d for d in lab.state.devices if d.name not in faulty and d.recording is None)


@pytest.fixture(scope="module")
def collected(lab: RunningLab) -> dict[str, object]:
    assert lab.ssh
    devices = [_quirky(lab, q) for q in ("no-banner", "silent-shell", "wrong-prompt")]
    healthy = _healthy(lab)
    return {o.target: o for o in collect_ssh_many([_target(d) for d in [*devices, healthy]], 4)}


def test_no_banner_is_a_timeout_that_says_so(lab: RunningLab, collected: dict) -> None:
    observation = collected[_quirky(lab, "no-banner").name]
    assert (observation.ok, observation.error_code) == (False, "timeout")
    assert "banner" in observation.error


def test_silent_shell_fails_after_one_login_timeout(lab: RunningLab, collected: dict) -> None:
    observation = collected[_quirky(lab, "silent-shell").name]
    assert (observation.ok, observation.error_code) == (False, "timeout")
    assert "nothing received" in observation.error
    # netmiko's disconnect used to wait a second login timeout on a session that never
    # showed a prompt (twice TIMEOUT_S); one timeout plus the login is well under 1.5x.
    assert observation.duration_ms < 1.5 * TIMEOUT_S * 1000


def test_wrong_prompt_shows_what_the_device_sent_sanitised(
    lab: RunningLab, collected: dict
) -> None:
    observation = collected[_quirky(lab, "wrong-prompt").name]
    assert (observation.ok, observation.error_code) == (False, "timeout")
    assert lab.fault("ssh-wrong-prompt")["effects"]["message"] in observation.error
    assert not any(c in observation.error for c in "\x1b\x07\r\n\x00")
    assert observation.duration_ms < 1.5 * TIMEOUT_S * 1000


def test_the_scan_goes_on_beside_them(lab: RunningLab, collected: dict) -> None:
    observation = collected[_healthy(lab).name]
    assert observation.ok, (observation.error_code, observation.error)
    assert observation.interfaces


def test_slow_device_needs_and_gets_a_longer_timeout(lab: RunningLab) -> None:
    device = _quirky(lab, "slow")
    delay = lab.fault("ssh-slow")["effects"]["delay_s"]
    targets = [
        dataclasses.replace(_target(device, timeout_s=delay / 2), name="too-short"),
        dataclasses.replace(_target(device, timeout_s=delay * 3), name="long"),
    ]
    found = {o.target: o for o in collect_ssh_many(targets, 2)}
    too_short, long = found["too-short"], found["long"]
    assert (too_short.ok, too_short.error_code) == (False, "timeout")
    assert long.ok, (long.error_code, long.error)
    assert long.interfaces


def test_a_peer_without_banner_prints_no_traceback(
    lab: RunningLab, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """paramiko's transport thread logs the banner failure with a traceback: not ours to show."""
    with caplog.at_level(logging.DEBUG):
        (observation,) = collect_ssh_many([_target(_quirky(lab, "no-banner"), 1.0)], 1)
    assert observation.error_code == "timeout"
    _, err = capfd.readouterr()
    assert "Traceback" not in err
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
