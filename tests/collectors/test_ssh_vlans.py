"""VLANs over SSH (`show vlan brief`, `display vlan`, `display vlan brief`) from the lab."""

from __future__ import annotations

import pytest

from netcensus.collectors.ssh import collect_ssh_many
from netcensus.lab.state import LabDevice
from tests.collectors.test_ssh_quirks import _target
from tests.lab_fixture import RunningLab

pytestmark = pytest.mark.lab

PLATFORMS = ("cisco_ios", "huawei_vrp", "hp_comware")


def _clean(lab: RunningLab) -> list[LabDevice]:
    faulty = {name for fault in lab.ground_truth["faults"] for name in fault["devices"]}
    return [d for d in lab.state.devices if d.name not in faulty and d.recording is None]


def _switch(lab: RunningLab, platform: str) -> LabDevice:
    """The platform's clean switch with the most access VLANs."""
    switches = [d for d in _clean(lab) if d.platform == platform]
    return max(switches, key=lambda d: len({i.vlan for i in d.interfaces if i.mode == "access"}))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_switch_vlans_are_collected(lab: RunningLab, platform: str) -> None:
    device = _switch(lab, platform)
    (observation,) = collect_ssh_many([_target(device, timeout_s=10)], 1)
    assert observation.ok, (observation.error_code, observation.error)
    assert [e for e in observation.errors if e.part == "vlans"] == []
    vids = [v.vid for v in observation.vlans]
    assert len(vids) == len(set(vids))
    assert set(vids) >= {1} | {i.vlan for i in device.interfaces if i.mode == "access"}
    assert all(v.name for v in observation.vlans)


def test_a_router_has_no_vlans_and_no_error_for_it(lab: RunningLab) -> None:
    router = next(
        d
        for d in _clean(lab)
        if d.platform in PLATFORMS and not any(i.mode in ("access", "trunk") for i in d.interfaces)
    )
    (observation,) = collect_ssh_many([_target(router, timeout_s=10)], 1)
    assert observation.ok, (observation.error_code, observation.error)
    assert observation.vlans == []
    assert observation.errors == []
