"""Which evidence decides: observed beats declared, conflicts are counted and listed,
stale observations do not count. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from netcensus.compliance.coverage import coverage_rows, site_capabilities
from netcensus.compliance.targets import load_targets
from netcensus.inventory.capabilities import known_capabilities
from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    DeviceRole,
    FindingState,
    LinkKind,
    Outcome,
    Severity,
    ZoneKind,
)
from netcensus.inventory.models import ConfigBlob, ConfigVersion, Finding, Scan, ScanResult

from .builders import NOW, Net, days_ago


def _county(store: Store, capability: str, **kwargs: object):  # type: ignore[no-untyped-def]
    with store.session() as session:
        rows = coverage_rows(session, capability=capability, level="county", as_of=NOW, **kwargs)
    (row,) = rows.rows
    return row


def test_observed_beats_declared_and_conflicts_are_listed(store: Store) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        net.site("4401")
        for code in ("440101", "440102", "440103", "440104"):
            net.site(code)
        # 440101: a switch answered yesterday -> covered, observed.
        net.device("440101", seen=days_ago(1))
        # 440102: the scan saw the site (a router answered) but no switch, while a
        # declaration says it has a LAN -> conflict, not covered.
        net.device("440102", DeviceRole.ROUTER, seen=days_ago(1))
        net.declare("440102", "lan", True)
        # 440103: nobody scanned it; the planner declared a LAN -> covered, declared.
        net.declare("440103", "lan", True)
        # 440104: declared "no" after an earlier "yes" (history: the latest counts).
        net.declare("440104", "lan", True, at=dt.date(2024, 1, 1))
        net.declare("440104", "lan", "no", at=dt.date(2025, 1, 1))
    row = _county(store, "lan")
    assert (row.in_scope, row.covered, row.conflicts) == (4, 2, 1)
    assert [s.code for s in row.conflict_sites] == ["440102"]
    assert [s.code for s in row.missing] == ["440102", "440104"]
    with store.session() as session:
        states = {c.capability: c for c in site_capabilities(session, "440102", NOW).capabilities}
        conflict = states["lan"]
        assert (conflict.covered, conflict.conflict, conflict.source) == (False, True, "observed")
        assert conflict.declared is not None and conflict.declared.by == "陈静"
        observed = {
            c.capability: c for c in site_capabilities(session, "440101", NOW).capabilities
        }["lan"]
        assert (observed.covered, observed.source) == (True, "observed")
        assert observed.observed is not None and observed.observed.at == days_ago(1)
        declared = {
            c.capability: c for c in site_capabilities(session, "440103", NOW).capabilities
        }["lan"]
        assert (declared.covered, declared.source) == (True, "declared")


def test_a_declaration_older_than_a_later_observation_loses(store: Store) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        net.site("440101")
        net.site("440102")
        # Declared satellite station in January; the June scan of the site finds none.
        net.declare("440101", "satellite", True, at=dt.date(2025, 1, 10))
        net.device("440101", DeviceRole.CORE_SWITCH, seen=days_ago(2))
        # The same declaration where the site's last answer is past the window:
        # no fresh observation, so the declaration stands.
        net.declare("440102", "satellite", True, at=dt.date(2025, 1, 10))
        net.device("440102", DeviceRole.CORE_SWITCH, seen=days_ago(45))
    row = _county(store, "satellite")
    assert (row.covered, row.conflicts) == (1, 1)
    assert [s.code for s in row.conflict_sites] == ["440101"]


def test_a_stale_observation_does_not_count(store: Store) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        net.site("440101")
        net.site("440102")
        net.device("440101", seen=days_ago(31))  # past the 30-day window
        net.device("440102", seen=days_ago(29))
    row = _county(store, "lan")
    assert (row.covered, [m.code for m in row.missing]) == (1, ["440101"])
    # A longer window makes the same observation count.
    assert _county(store, "lan", fresh_days=60).covered == 2


def test_declared_devices_and_links_count_until_a_scan_sees_the_site(store: Store) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        net.site("4401")
        net.site("440101")
        net.site("440102")
        parent = net.device("4401", DeviceRole.CORE_SWITCH)
        # 440101: inventory declares an uplink to the prefecture, never seen yet.
        net.link(net.device("440101", DeviceRole.ROUTER), parent, bandwidth=100_000_000)
        # 440102: the same, but a scan saw the site last week and no link to the parent.
        child = net.device("440102", DeviceRole.ROUTER, seen=days_ago(7))
        net.link(child, parent)
    row = _county(store, "wan")
    assert (row.covered, row.conflicts) == (1, 1)
    assert [s.code for s in row.conflict_sites] == ["440102"]
    assert _county(store, "wan", min_value=100e6).covered == 1
    assert _county(store, "wan", min_value=1e9).covered == 0


def test_internet_bandwidth_min_and_zone(store: Store) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        for code in ("440101", "440102", "440103"):
            net.site(code)
        isp = net.device("44", DeviceRole.ROUTER, seen=days_ago(1))
        net.link(
            net.device("440101", DeviceRole.ROUTER, seen=days_ago(1)),
            isp,
            LinkKind.INTERNET,
            seen=days_ago(1),
            bandwidth=100_000_000,
        )
        net.link(
            net.device("440102", DeviceRole.ROUTER, seen=days_ago(1)),
            isp,
            LinkKind.INTERNET,
            seen=days_ago(1),
            bandwidth=4_000_000,
        )
        # A firewall in the internet zone: on the Internet, bandwidth unknown.
        net.device("440103", DeviceRole.FIREWALL, seen=days_ago(1), zone=ZoneKind.INTERNET)
    assert _county(store, "internet").covered == 3
    row = _county(store, "internet", min_value=10_000_000)
    assert [m.code for m in row.missing] == ["440102", "440103"]
    # The 4M site is observed below the minimum: a declared 100M is a conflict.
    with store.transaction() as s:
        Net(s).declare("440102", "internet", "100M")
    row = _county(store, "internet", min_value=10_000_000)
    assert [c.code for c in row.conflict_sites] == ["440102"]


def test_numbers_meet_min_and_unknown_keys_do_not(store: Store) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        for code in ("4401", "4402", "4403"):
            net.site(code)
        net.declare("4401", "staff-technical", 4)
        net.declare("4402", "staff-technical", 2)
        net.declare("4403", "staff-technical", True)  # "yes" is not a number
    with store.session() as session:
        (row,) = coverage_rows(
            session, capability="staff-technical", level="prefecture", min_value=3, as_of=NOW
        ).rows
    assert (row.covered, [m.code for m in row.missing]) == (1, ["4402", "4403"])


def test_backup_fresh_and_mlps_compliant(store: Store) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        for code in ("440101", "440102", "440103"):
            net.site(code)
        blob = ConfigBlob(sha256="a" * 64, compressed=b"x", size=1)
        s.add(blob)
        for code, confirmed in (("440101", 0.5), ("440102", 3), ("440103", 0.5)):
            device = net.device(code, DeviceRole.CORE_SWITCH, seen=days_ago(0.1))
            s.add(
                ConfigVersion(
                    device=device,
                    blob=blob,
                    collected_at=days_ago(100),
                    confirmed_at=days_ago(confirmed),
                )
            )
            if code == "440103":
                s.add(
                    Finding(
                        rule_id="NET-AAA-01",
                        pack="baseline",
                        subject_kind="device",
                        subject_key=device.name,
                        device=device,
                        severity=Severity.HIGH,
                        verdict="fail",
                        message="telnet enabled",
                        state=FindingState.OPEN,
                        first_seen=days_ago(1),
                        last_seen=days_ago(1),
                    )
                )
    backup = _county(store, "backup-fresh")
    assert [m.code for m in backup.missing] == ["440102"]  # confirmed 3 days ago: stale
    mlps = _county(store, "mlps-compliant")
    assert [m.code for m in mlps.missing] == ["440103"]


def test_all_of_needs_every_capability(store: Store, tmp_path: Path) -> None:
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        for code in ("440101", "440102", "440103"):
            net.site(code)
            net.declare(code, "lan", True)
            net.declare(code, "website", "http://example.gov.cn")
        net.declare("440101", "hotline", "12349")
        net.declare("440102", "hotline", "no")
        net.device("440103", DeviceRole.ROUTER, seen=days_ago(1))  # seen: the lan conflicts
        net.declare("440103", "hotline", "12349")
    (tmp_path / "t.yaml").write_text(
        "targets:\n"
        "  - key: three-ones\n"
        "    title: three of the five\n"
        "    all_of: [lan, website, hotline]\n"
        "    levels: [county]\n"
        '    under: "44"\n'
        "    deadline: 2030-12-31\n",
        encoding="utf-8",
    )
    with store.transaction() as s:
        load_targets(s, [tmp_path / "t.yaml"], actor="test")
    with store.session() as session:
        (row,) = coverage_rows(session, target="three-ones", as_of=NOW).rows
    assert (row.capability, row.in_scope, row.covered, row.conflicts) == (
        "lan+website+hotline",
        3,
        1,
        1,
    )
    assert [m.code for m in row.missing] == ["440102", "440103"]
    assert [c.code for c in row.conflict_sites] == ["440103"]


def test_a_site_page_agrees_with_the_roll_up_for_every_capability(store: Store) -> None:
    """site_capabilities judges from its evidence rows what coverage_rows judges in SQL:
    both must give every county the same verdict for every capability."""
    with store.transaction() as s:
        net = Net(s)
        net.site("44")
        net.site("4401")
        for code in ("440101", "440102", "440103", "440104"):
            net.site(code)
        parent = net.device("4401", DeviceRole.CORE_SWITCH, seen=days_ago(1))
        isp = net.device("44", DeviceRole.ROUTER, seen=days_ago(1))
        # 440101: scanned twice, an uplink and two internet circuits seen.
        switch = net.device("440101", DeviceRole.ACCESS_SWITCH, seen=days_ago(1))
        router = net.device("440101", DeviceRole.ROUTER, seen=days_ago(1))
        net.link(router, parent, seen=days_ago(1), bandwidth=50_000_000)
        net.link(router, isp, LinkKind.INTERNET, seen=days_ago(2), bandwidth=20_000_000)
        net.link(router, isp, LinkKind.INTERNET, seen=days_ago(1), bandwidth=100_000_000)
        net.declare("440101", "website", "http://example.gov.cn")
        scans = [Scan(started_at=days_ago(days), finished_at=days_ago(days)) for days in (3, 1)]
        s.add_all(scans)
        s.flush()
        s.add_all(
            ScanResult(
                scan=scan,
                device_id=switch.id,
                target=switch.name,
                method="snmp",
                outcome=Outcome.OK,
                finished_at=scan.finished_at,
            )
            for scan in scans
        )
        # 440102: seen, no switch, a declared LAN and a satellite station never seen.
        net.device("440102", DeviceRole.ROUTER, seen=days_ago(1))
        net.device("440102", DeviceRole.SATELLITE_STATION)
        net.declare("440102", "lan", True)
        # 440103: never scanned; an uplink declared in the inventory, a hotline retracted.
        net.link(net.device("440103", DeviceRole.ROUTER), parent, bandwidth=10_000_000)
        net.declare("440103", "hotline", "12349", at=dt.date(2024, 1, 1))
        net.declare("440103", "hotline", "no")
    with store.session() as session:
        pages = {
            code: {c.capability: c for c in site_capabilities(session, code, NOW).capabilities}
            for code in ("440101", "440102", "440103", "440104")
        }
        for name in known_capabilities(session):
            (row,) = coverage_rows(session, capability=name, level="county", as_of=NOW).rows
            missing = {m.code for m in row.missing}
            conflicts = {c.code for c in row.conflict_sites}
            for code, states in pages.items():
                assert (states[name].covered, states[name].conflict) == (
                    code not in missing,
                    code in conflicts,
                ), (code, name)
    lan = pages["440101"]["lan"]
    assert lan.observed is not None
    assert (lan.observed.scan_id, lan.observed.detail) == (scans[1].id, f"device {switch.name}")
    internet = pages["440101"]["internet"]
    assert internet.observed is not None and internet.observed.value == 100_000_000
    assert internet.observed.at == days_ago(1)
    assert pages["440101"]["wan"].observed is not None
    assert pages["440101"]["wan"].observed.value == 50_000_000
    assert (pages["440102"]["lan"].conflict, pages["440102"]["satellite"].conflict) == (True, True)
    satellite = pages["440102"]["satellite"].declared
    assert satellite is not None and satellite.by == "inventory"
    wan = pages["440103"]["wan"]
    assert (wan.covered, wan.source) == (True, "declared")
    assert wan.declared is not None and (wan.declared.by, wan.declared.value) == (
        "inventory",
        10_000_000,
    )
    hotline = pages["440103"]["hotline"]
    assert (hotline.covered, hotline.declared and hotline.declared.value) == (False, "no")
    assert not any(state.covered for state in pages["440104"].values())
