"""Store-query rules and config rules run over stored devices, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from pathlib import Path

import pytest

from netcensus.compliance.packs import load_ruleset
from netcensus.compliance.results import RuleResult
from netcensus.compliance.storecheck import check_devices
from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    Level,
    LinkKind,
    Outcome,
    Platform,
    ScanStatus,
    Verdict,
    ZoneKind,
)
from netcensus.inventory.models import (
    ConfigBlob,
    ConfigVersion,
    Device,
    Interface,
    Link,
    Scan,
    ScanResult,
    Site,
    Zone,
)

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)

VRP_CONFIG = """\
#
set save-configuration interval 60 delay 5
#
user-interface vty 0 4
 authentication-mode aaa
#
return
"""
IOS_EDGE = """\
version 15.7
interface GigabitEthernet0/0
 description carrier handoff (private transfer net, so only the store knows it is the edge)
 ip address 10.255.0.2 255.255.255.252
interface GigabitEthernet0/1
 ip address 10.1.0.1 255.255.255.0
archive
 path scp://bk@10.20.0.5/$h-$t
 write-memory
"""

ORG_PACK = """\
pack: org-ops
title: Operations rules of the province network centre
includes: [mlps-l3]
parameters:
  allowed_firmware:
    huawei_vrp: ['^V200R019', '^V200R02\\d']
rules:
  - id: NET-ORG-10
    title: Device reached by a scan in the last 7 days
    rationale: A device nobody has scanned for a week is unmanaged.
    clause: organisation standard 2.4
    min_level: 1
    severity: medium
    remediation: Fix the credentials or reachability and rescan.
    check: {kind: store, query: last-scan, max_age_days: 7}
"""


def _blob(session, text: str) -> ConfigBlob:  # type: ignore[no-untyped-def]
    data = text.encode()
    blob = ConfigBlob(
        sha256=hashlib.sha256(data).hexdigest(), compressed=zlib.compress(data), size=len(data)
    )
    return session.merge(blob)


def _populate(store: Store) -> None:
    with store.transaction() as s:
        city = Site(code="4401", name="广州市", level=Level.PREFECTURE)
        county = Site(code="440103", name="荔湾区", level=Level.COUNTY, parent_code="4401")
        s.add_all([city, county])
        s.flush()
        inside = Zone(site=city, name="internal", kind=ZoneKind.INTERNAL)
        s.add(inside)
        scan = Scan(
            started_by="netops", status=ScanStatus.COMPLETED, started_at=NOW, finished_at=NOW
        )
        s.add(scan)
        s.flush()

        def device(name: str, platform: Platform, site: Site, **extra: object) -> Device:
            extra.setdefault("status", DeviceStatus.ACTIVE)
            extra.setdefault("zone", inside if site is city else None)
            found = Device(
                name=name,
                platform=platform,
                site=site,
                role=DeviceRole.ROUTER,
                **extra,
            )
            s.add(found)
            s.flush()
            return found

        def backup(found: Device, text: str, age: dt.timedelta) -> None:
            s.add(
                ConfigVersion(
                    device=found,
                    blob=_blob(s, text),
                    collected_at=NOW - age - dt.timedelta(days=30),
                    confirmed_at=NOW - age,
                    scan_id=scan.id,
                )
            )

        def scanned(found: Device, age: dt.timedelta, outcome: Outcome = Outcome.OK) -> None:
            s.add(
                ScanResult(
                    scan_id=scan.id,
                    device_id=found.id,
                    target=found.name,
                    method=f"ssh-{age.days}",
                    outcome=outcome,
                    finished_at=NOW - age,
                )
            )

        fresh = device("gz-vrp-fresh", Platform.HUAWEI_VRP, city, os_version="V200R019C10SPC500")
        backup(fresh, VRP_CONFIG, dt.timedelta(hours=2))
        scanned(fresh, dt.timedelta(days=2))
        stale = device("gz-vrp-stale", Platform.HUAWEI_VRP, city, os_version="V200R003C00SPC300")
        backup(stale, VRP_CONFIG, dt.timedelta(days=10))
        scanned(stale, dt.timedelta(days=10))
        scanned(stale, dt.timedelta(days=1), Outcome.FAILED)  # a failed attempt does not count
        edge = device("gz-ios-edge", Platform.CISCO_IOS, city, os_version="15.7(3)M5")
        backup(edge, IOS_EDGE, dt.timedelta(hours=1))
        uplink = Interface(device=edge, name="GigabitEthernet0/0")
        s.add(uplink)
        s.flush()
        s.add(Link(a_interface=uplink, remote_system_name="carrier", kind=LinkKind.INTERNET))
        # A WAN link to the internal router of another site: same kind of zone, no boundary.
        parent_zone = Zone(site=county, name="internal", kind=ZoneKind.INTERNAL)
        s.add(parent_zone)
        peer = device("lw-ios-peer", Platform.CISCO_IOS, county, zone=parent_zone)
        wan_near = Interface(device=edge, name="GigabitEthernet0/1")
        wan_far = Interface(device=peer, name="GigabitEthernet0/0")
        s.add_all([wan_near, wan_far])
        s.flush()
        s.add(Link(a_interface=wan_far, b_interface=wan_near, kind=LinkKind.WAN))
        device("lw-vrp-unscanned", Platform.HUAWEI_VRP, county)
        device("gz-retired", Platform.HUAWEI_VRP, city, status=DeviceStatus.DECOMMISSIONED)


def _by(results: list[RuleResult]) -> dict[tuple[str, str], RuleResult]:
    return {(r.subject_key.removeprefix("device:"), r.rule_id): r for r in results}


@pytest.fixture
def org_pack(tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(ORG_PACK, encoding="utf-8")
    return path


def test_store_rules_on_both_backends(store: Store, org_pack: Path) -> None:
    _populate(store)
    results = check_devices(store, load_ruleset(org_pack), now=NOW)
    by = _by(results)
    assert {name for name, _ in by} == {
        "gz-vrp-fresh",
        "gz-vrp-stale",
        "gz-ios-edge",
        "lw-vrp-unscanned",
        "lw-ios-peer",
    }  # the decommissioned device is not checked

    # NET-BAK-01: the stored copy is the VRP rule's deciding Data.
    assert by["gz-vrp-fresh", "NET-BAK-01"].verdict is Verdict.PASS
    stale = by["gz-vrp-stale", "NET-BAK-01"]
    assert stale.verdict is Verdict.FAIL
    assert "10.0 days ago" in stale.message
    assert any(e.kind == "store" and e.seen_at for e in stale.evidence)
    assert by["gz-ios-edge", "NET-BAK-01"].verdict is Verdict.PASS  # archive + fresh copy

    # A user rule "not scanned for 7 days" without Python; failed attempts do not count.
    assert by["gz-vrp-fresh", "NET-ORG-10"].verdict is Verdict.PASS
    assert by["gz-vrp-stale", "NET-ORG-10"].verdict is Verdict.FAIL
    assert by["lw-vrp-unscanned", "NET-ORG-10"].message == "never scanned successfully"

    # NET-ARCH-06 against the pack's allowed firmware list.
    assert by["gz-vrp-fresh", "NET-ARCH-06"].verdict is Verdict.PASS
    assert by["gz-vrp-stale", "NET-ARCH-06"].verdict is Verdict.FAIL
    assert "V200R003C00SPC300" in by["gz-vrp-stale", "NET-ARCH-06"].message
    assert by["lw-vrp-unscanned", "NET-ARCH-06"].verdict is Verdict.NOT_EVALUABLE
    assert (
        by["gz-ios-edge", "NET-ARCH-06"].message
        == "needs Data: no allowed_firmware list declared for cisco_ios"
    )


def test_device_facts_come_from_the_store(store: Store) -> None:
    _populate(store)
    by = _by(check_devices(store, load_ruleset("mlps-l3"), now=NOW))
    # G5: the store's internet link makes Gi0/0 a boundary interface (a private address
    # that config heuristics would never call one), and it has no inbound filter.
    edge = by["gz-ios-edge", "NET-BND-02"]
    assert edge.verdict is Verdict.FAIL
    assert "GigabitEthernet0/0" in edge.message and "store" in edge.evidence[0].description
    assert "GigabitEthernet0/1" not in edge.message  # the WAN link stays inside the zone kind
    # G4: a county site's device is level 2, so level-3 rules do not apply to it ...
    unscanned = by["lw-vrp-unscanned", "NET-AUTH-06"]
    assert unscanned.verdict is Verdict.NOT_APPLICABLE and unscanned.mlps_level == 2
    # ... and a level-2 config rule without a stored config is not evaluable, saying why.
    missing = by["lw-vrp-unscanned", "NET-MGMT-01"]
    assert missing.verdict is Verdict.NOT_EVALUABLE
    assert "no stored running config" in missing.message
    # ... but a device never backed up fails NET-BAK-01 on the store's Data alone.
    never = by["lw-vrp-unscanned", "NET-BAK-01"]
    assert never.verdict is Verdict.FAIL
    assert "no config backup stored" in never.message
    assert by["gz-vrp-fresh", "NET-AUTH-06"].mlps_level == 3
    assert by["gz-vrp-fresh", "NET-AUTH-06"].site_id is not None
    # Without an allowed-firmware list ARCH-06 cannot be judged.
    assert by["gz-vrp-fresh", "NET-ARCH-06"].verdict is Verdict.NOT_EVALUABLE


def test_data_only_rules_are_not_evaluable_naming_the_data(sqlite_store: Store) -> None:
    _populate(sqlite_store)
    ruleset = load_ruleset("mlps-l2")
    results = check_devices(sqlite_store, ruleset, now=NOW, device_names=["gz-vrp-fresh"])
    (bak02,) = [r for r in results if r.rule_id == "NET-BAK-02"]
    assert bak02.verdict is Verdict.NOT_EVALUABLE and bak02.message.startswith(
        "needs Data: replication"
    )
    data_rules = {
        r.rule.id for r in ruleset.enabled() if r.rule.check and r.rule.check.kind == "data"
    }
    assert data_rules and data_rules <= {r.rule_id for r in results}
