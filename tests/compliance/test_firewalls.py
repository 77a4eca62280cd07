"""Firewalls are judged by the rules that apply to them (catalog G6, issue 9 item 13).

A USG or SecPath config read with the VRP/Comware switch rules gave pass and fail verdicts
on syntax those rules do not know; a firewall's config rules are now "not applicable:
platform not covered", while store, Data-only and topology rules still judge it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from netcensus.compliance.check import run_check
from netcensus.compliance.configcheck import check_config, read_config_file
from netcensus.compliance.firewall import firewall_reason
from netcensus.inventory.db import Store
from netcensus.inventory.enums import DeviceRole, DeviceStatus, Level, Platform, Verdict
from netcensus.inventory.models import ConfigBlob, ConfigVersion, Device, RuleVerdict, Site

FIREWALLS = Path(__file__).resolve().parent.parent / "fixtures" / "compliance" / "firewalls"
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("name", "platform", "os"),
    [
        ("huawei_usg6300.cfg", "huawei_vrp", "Huawei USG (VRP V500R)"),
        ("h3c_secpath_f1000.cfg", "hp_comware", "H3C SecPath"),
    ],
)
def test_firewall_config_is_not_judged_by_switch_rules(name: str, platform: str, os: str) -> None:
    results = check_config(read_config_file(FIREWALLS / name), platform, level=3)
    assert results
    judged = {r.rule_id: r.verdict for r in results if r.verdict is not Verdict.NOT_APPLICABLE}
    assert judged == {}
    assert all(f"a firewall (config shows a firewall OS ({os}))" in r.message for r in results)


def test_the_real_srx_config_is_a_firewall(shared_data: Path) -> None:
    text = read_config_file(shared_data / "configs" / "juniper" / "oxidized_srx300_22.4.cfg")
    assert firewall_reason(None, text) == "config shows a firewall OS (Juniper SRX)"


def test_no_real_router_or_switch_config_is_taken_for_a_firewall(shared_data: Path) -> None:
    for folder in ("cisco_ios", "huawei_vrp", "h3c_comware"):
        for path in sorted((shared_data / "configs" / folder).glob("*.cfg")):
            assert firewall_reason(None, read_config_file(path)) is None, path


def test_sys_object_id_flag_makes_a_firewall() -> None:
    assert firewall_reason(DeviceRole.ROUTER, "hostname r1\n", sys_object_id_firewall=True)
    assert firewall_reason(DeviceRole.ROUTER, "hostname r1\n", sys_object_id_firewall=False) is None


def _stored(session, device: Device, text: str) -> None:  # type: ignore[no-untyped-def]
    data = text.encode()
    sha = hashlib.sha256(data).hexdigest()
    session.merge(ConfigBlob(sha256=sha, compressed=zlib.compress(data), size=len(data)))
    session.add(ConfigVersion(device=device, sha256=sha, collected_at=NOW, confirmed_at=NOW))


def test_declared_firewall_in_the_store(store: Store) -> None:
    """A router-syntax config on a device declared `role: firewall`: only the rules that apply
    to a firewall judge it; the router beside it keeps every verdict."""
    vrp = "#\n telnet server enable\n#\nuser-interface vty 0 4\n authentication-mode none\n#\n"
    with store.transaction() as session:
        site = Site(code="4401", name="广州市", level=Level.PREFECTURE)
        session.add(site)
        for name, role in (("gz-fw-1", DeviceRole.FIREWALL), ("gz-r-1", DeviceRole.ROUTER)):
            device = Device(
                name=name,
                site=site,
                role=role,
                platform=Platform.HUAWEI_VRP,
                status=DeviceStatus.ACTIVE,
            )
            session.add(device)
            session.flush()
            _stored(session, device, vrp)
    run_check(store, packs=["mlps-l3", "isolation"], now=NOW)
    with store.session() as session:
        by = {
            (name, rule): (verdict, message)
            for name, rule, verdict, message in session.execute(
                select(
                    Device.name, RuleVerdict.rule_id, RuleVerdict.verdict, RuleVerdict.message
                ).join(Device, RuleVerdict.device_id == Device.id)
            )
        }
    assert by["gz-r-1", "NET-MGMT-01"][0] is Verdict.FAIL
    assert by["gz-fw-1", "NET-MGMT-01"] == (
        Verdict.NOT_APPLICABLE,
        "platform not covered (G6): a firewall (declared role firewall)",
    )
    firewall = {rule: verdict for (name, rule), (verdict, _) in by.items() if name == "gz-fw-1"}
    router = {rule for (name, rule) in by if name == "gz-r-1"}
    assert set(firewall) == router  # one verdict per rule on both
    # Still judged on the firewall: Data-only, store and topology rules.
    assert firewall["NET-BND-04"] is Verdict.NOT_EVALUABLE  # Data-only boundary rule
    assert firewall["NET-ARCH-06"] is Verdict.NOT_EVALUABLE  # store: no firmware list
    assert firewall["NET-ISO-02"] is Verdict.NOT_EVALUABLE  # topology: never scanned
    assert Verdict.FAIL not in set(firewall.values())
