"""The read side on SQLite and PostgreSQL: pages add up, filters equal a brute-force count
over every row, and a scoped query never returns a row outside its subtree."""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from netcensus.errors import NotFound, UserError
from netcensus.inventory import queries as q
from netcensus.inventory.db import Store
from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    LinkEvidence,
    LinkKind,
    Outcome,
    Platform,
    ScanStatus,
    Severity,
    ZoneKind,
)
from netcensus.inventory.mlps import device_mlps_level
from netcensus.inventory.models import (
    AuditEvent,
    ConfigBlob,
    ConfigVersion,
    Device,
    Endpoint,
    Finding,
    Interface,
    Link,
    Scan,
    ScanResult,
    Site,
    Waiver,
    Zone,
)

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 5, 2)
SITES = [
    ("44", "广东省", Level.PROVINCIAL, None),
    ("4401", "广州市", Level.PREFECTURE, "44"),
    ("440103", "荔湾区", Level.COUNTY, "4401"),
    ("440104", "越秀区", Level.COUNTY, "4401"),
    ("440103001", "沙面街道", Level.TOWNSHIP, "440103"),
    ("4403", "深圳市", Level.PREFECTURE, "44"),
    ("440303", "罗湖区", Level.COUNTY, "4403"),
    ("440402", "香洲区", Level.COUNTY, None),  # a site whose prefecture was never imported
]
PACKS = ["baseline", "isolation", "mlps-l3"]
RULES = ["NET-AUTH-01", "NET-ISO-02", "NET-LOG-01", "NET-SNMP-02"]


@dataclass
class World:
    """What was written, kept in Python so every answer can be counted by brute force."""

    site_of_device: dict[str, str | None] = field(default_factory=dict)
    devices: list[Device] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    endpoints: list[tuple[str, str | None, str, str | None]] = field(default_factory=list)
    links: list[tuple[str, str | None]] = field(default_factory=list)  # (a device, b device)
    scan_id: int = 0


def _blob(session: Session, text: str) -> str:
    import hashlib

    sha = hashlib.sha256(text.encode()).hexdigest()
    if session.get(ConfigBlob, sha) is None:
        data = text.encode()
        session.add(ConfigBlob(sha256=sha, compressed=zlib.compress(data), size=len(data)))
        session.flush()
    return sha


def build(session: Session, seed: int = 7, count: int = 60) -> World:
    rng = random.Random(seed)
    world = World()
    sites: dict[str, Site] = {}
    zones: dict[str, list[Zone]] = {}
    for code, name, level, parent in SITES:
        site = Site(code=code, name=name, level=level, parent_code=parent)
        session.add(site)
        session.flush()
        sites[code] = site
        zones[code] = [
            Zone(site_id=site.id, name=kind.value, kind=kind)
            for kind in (ZoneKind.INTERNAL, ZoneKind.EXTERNAL)
        ]
        session.add_all(zones[code])
    session.flush()
    codes = [code for code, *_ in SITES] + [None]
    for n in range(count):
        code = rng.choice(codes)
        zone = rng.choice(zones[code]) if code else None
        device = Device(
            name=f"dev-{n:03d}-{code or 'nowhere'}",
            site_id=sites[code].id if code else None,
            zone_id=zone.id if zone else None,
            role=rng.choice(list(DeviceRole)),
            platform=rng.choice(list(Platform)),
            status=rng.choice(list(DeviceStatus)),
            stale=rng.random() < 0.3,
            managed=rng.random() < 0.8,
            mlps_level=rng.choice([None, None, 2, 3, 4]),
            mgmt_address=f"10.{n // 200}.{n % 200}.1",
            sys_name=f"SYS{n}",
            serial=f"SN{n:05d}",
            last_seen=T0 - dt.timedelta(hours=n),
        )
        session.add(device)
        session.flush()
        world.devices.append(device)
        world.site_of_device[device.name] = code
        ports = [
            Interface(device_id=device.id, name=f"Gi0/{p}", if_index=p, oper_status="up")
            for p in range(1, 4)
        ]
        session.add_all(ports)
        session.flush()
        for p, port in enumerate(ports):
            mac = f"00:00:5e:{n:02x}:{p:02x}:01"
            session.add(
                Endpoint(
                    mac=mac,
                    ip=f"192.168.{n}.{p}",
                    device_id=device.id,
                    interface_id=port.id if p else None,
                    vlan=10 + p,
                    first_seen=T0,
                    last_seen=T0 + dt.timedelta(minutes=n + p),
                )
            )
            world.endpoints.append((mac, f"192.168.{n}.{p}", device.name, code))
        for level_rule in range(rng.randint(0, 4)):
            finding = Finding(
                rule_id=RULES[level_rule],
                pack=rng.choice(PACKS),
                subject_kind="device",
                subject_key=f"{device.name}#{level_rule}",
                device_id=device.id,
                site_id=device.site_id,
                zone_kind=zone.kind.value if zone else None,
                severity=rng.choice(list(Severity)),
                mlps_level=rng.choice([2, 3]),
                verdict=rng.choice(["fail", "fail", "not-evaluable"]),
                message=f"finding on {device.name}",
                evidence=[{"kind": "config", "device": device.name, "description": "x"}],
                state=rng.choice(list(FindingState)),
                first_seen=T0,
                last_seen=T0,
            )
            session.add(finding)
            world.findings.append(finding)
    session.flush()
    # Links: each device's Gi0/1 to the next device's Gi0/2; every fifth one-sided.
    ports_of = {
        d.name: {i.name: i for i in session.query(Interface).filter_by(device_id=d.id)}
        for d in world.devices
    }
    for a, b in zip(world.devices, world.devices[1:], strict=False):
        one_sided = a.id % 5 == 0
        session.add(
            Link(
                a_interface_id=ports_of[a.name]["Gi0/1"].id,
                b_interface_id=None if one_sided else ports_of[b.name]["Gi0/2"].id,
                remote_system_name="stranger" if one_sided else None,
                kind=LinkKind.LAN,
                evidence=[LinkEvidence.LLDP.value],
                last_seen=T0,
            )
        )
        world.links.append((a.name, None if one_sided else b.name))
    # Two scans: every device in the second one, with a mix of outcomes.
    first = Scan(started_at=T0 - dt.timedelta(days=1), status=ScanStatus.COMPLETED)
    second = Scan(started_at=T0, status=ScanStatus.COMPLETED, scope={"site": None})
    session.add_all([first, second])
    session.flush()
    world.scan_id = second.id
    for n, device in enumerate(world.devices):
        outcome = [Outcome.OK, Outcome.OK, Outcome.FAILED, Outcome.SKIPPED][n % 4]
        partial = outcome == Outcome.OK and n % 8 == 0
        session.add(
            ScanResult(
                scan_id=second.id,
                device_id=device.id,
                target=device.name,
                method="snmp",
                outcome=outcome,
                error_code="timeout"
                if outcome == Outcome.FAILED
                else ("malformed" if partial else None),
                error="no answer"
                if outcome == Outcome.FAILED
                else ("fdb: cut walk" if partial else None),
                finished_at=T0,
            )
        )
    session.add(
        ScanResult(
            scan_id=first.id,
            device_id=world.devices[0].id,
            target=world.devices[0].name,
            method="ssh",
            outcome=Outcome.OK,
            finished_at=T0 - dt.timedelta(days=1),
        )
    )
    # Config history of the first device: three versions.
    for v, text in enumerate(["hostname a\n", "hostname a\nntp server 1.1.1.1\n", "hostname b\n"]):
        session.add(
            ConfigVersion(
                device_id=world.devices[0].id,
                sha256=_blob(session, text),
                collected_at=T0 + dt.timedelta(hours=v),
                confirmed_at=T0 + dt.timedelta(hours=v),
            )
        )
    session.flush()
    return world


@pytest.fixture
def world(store: Store) -> Iterator[tuple[Store, World]]:
    with store.transaction() as session:
        built = build(session)
    yield store, built


def _under(code: str | None, scope: str | None) -> bool:
    return scope is None or (code is not None and code.startswith(scope))


def _all_pages(fetch: Callable[..., q.Page[Any]], per_page: int, **filters: Any) -> list[Any]:
    first = fetch(page=1, per_page=per_page, **filters)
    items = list(first.items)
    for page in range(2, first.pages + 1):
        following = fetch(page=page, per_page=per_page, **filters)
        assert following.total == first.total
        items += following.items
    assert len(items) == first.total
    assert fetch(page=first.pages + 1, per_page=per_page, **filters).items == []
    return items


@pytest.mark.parametrize("scope", [None, "4401", "440103", "4403"])
def test_device_pages_add_up_and_filters_equal_brute_force(
    world: tuple[Store, World], scope: str | None
) -> None:
    store, w = world
    site_level = {code: level for code, _, level, _ in SITES}
    cases: list[tuple[dict[str, Any], Callable[[Device], bool]]] = [
        ({}, lambda d: True),
        ({"stale": True}, lambda d: d.stale),
        ({"managed": False}, lambda d: not d.managed),
        ({"status": DeviceStatus.ACTIVE}, lambda d: d.status == DeviceStatus.ACTIVE),
        ({"role": DeviceRole.FIREWALL}, lambda d: d.role == DeviceRole.FIREWALL),
        ({"platform": Platform.HUAWEI_VRP}, lambda d: d.platform == Platform.HUAWEI_VRP),
        ({"site": "4401"}, lambda d: (w.site_of_device[d.name] or "").startswith("4401")),
        ({"search": "sn0001"}, lambda d: "SN0001" in (d.serial or "")),
        ({"search": "10.0.1"}, lambda d: (d.mgmt_address or "").startswith("10.0.1")),
        (
            {"mlps_level": 3},
            lambda d: (
                device_mlps_level(d.mlps_level, site_level.get(w.site_of_device[d.name] or "")) == 3
            ),
        ),
        (
            {"stale": False, "status": DeviceStatus.PLANNED},
            lambda d: not d.stale and d.status == DeviceStatus.PLANNED,
        ),
    ]
    with store.session() as session:
        for filters, keep in cases:
            if scope and "site" in filters and not filters["site"].startswith(scope):
                with pytest.raises(NotFound):
                    q.list_devices(session, scope=scope, **filters)
                continue
            expected = sorted(
                d.name for d in w.devices if _under(w.site_of_device[d.name], scope) and keep(d)
            )
            rows = _all_pages(lambda **kw: q.list_devices(session, scope=scope, **kw), 7, **filters)
            assert [r.name for r in rows] == expected, filters
            assert all(_under(r.site_code, scope) for r in rows)


def test_zone_filter_by_kind_and_mlps_level_in_sql_match_python(world: tuple[Store, World]) -> None:
    store, w = world
    site_level = {code: level for code, _, level, _ in SITES}
    with store.session() as session:
        zone_kind = {z.id: z.kind for z in session.query(Zone)}
        rows = q.list_devices(session, per_page=None).items
        by_name = {d.name: d for d in w.devices}
        for row in rows:
            device = by_name[row.name]
            assert row.mlps_level == device_mlps_level(
                device.mlps_level, site_level.get(w.site_of_device[row.name] or "")
            )
        external = q.list_devices(session, zone="external", per_page=None).items
        assert [r.name for r in external] == sorted(
            d.name for d in w.devices if d.zone_id and zone_kind[d.zone_id] == ZoneKind.EXTERNAL
        )
        assert {r.zone_kind for r in external} == {ZoneKind.EXTERNAL}


def test_paging_limits_are_user_errors(world: tuple[Store, World]) -> None:
    store, _ = world
    with store.session() as session:
        for page, per_page in ((0, 10), (1, 0), (1, q.MAX_PER_PAGE + 1)):
            with pytest.raises(UserError):
                q.list_devices(session, page=page, per_page=per_page)


@pytest.mark.parametrize("scope", [None, "4401", "4403"])
def test_sites_list_and_kpis_equal_brute_force(
    world: tuple[Store, World], scope: str | None
) -> None:
    store, w = world
    with store.session() as session:
        listed = _all_pages(lambda **kw: q.list_sites(session, scope=scope, **kw), 3)
        assert [s.code for s in listed] == sorted(c for c, *_ in SITES if _under(c, scope))
        counties = q.list_sites(session, scope=scope, level=Level.COUNTY, per_page=None)
        assert [s.code for s in counties.items] == sorted(
            c for c, _, lvl, _ in SITES if lvl == Level.COUNTY and _under(c, scope)
        )
        assert [s.code for s in q.list_sites(session, search="越秀", per_page=None).items] == [
            "440104"
        ]
        root = scope or "44"
        detail = q.get_site(session, root, scope=scope)
        for node in [detail.kpis, *(c.kpis for c in detail.children)]:
            assert isinstance(node, q.SiteKpis)
        for code, kpis in [(root, detail.kpis)] + [(c.code, c.kpis) for c in detail.children]:
            mine = [d for d in w.devices if (w.site_of_device[d.name] or "-").startswith(code)]
            assert kpis.devices == len(mine)
            assert kpis.devices_by_status == dict(Counter(d.status for d in mine))
            assert kpis.stale_devices == sum(d.stale for d in mine)
            assert kpis.unmanaged_devices == sum(not d.managed for d in mine)
            open_here = [
                f
                for f in w.findings
                if f.state == FindingState.OPEN
                and f.verdict == "fail"
                and (w.site_of_device[f.subject_key.split("#")[0]] or "-").startswith(code)
            ]
            assert kpis.open_findings_by_severity == dict(Counter(f.severity for f in open_here))
        assert [c.code for c in detail.children] == sorted(
            c for c, _, _, parent in SITES if parent == root
        )
        assert all(p.code.startswith(scope or "") for p in detail.path)


def test_site_path_and_levels_below(world: tuple[Store, World]) -> None:
    store, _ = world
    with store.session() as session:
        detail = q.get_site(session, "440103001")
        assert [p.code for p in detail.path] == ["44", "4401", "440103"]
        scoped = q.get_site(session, "440103001", scope="4401")
        assert [p.code for p in scoped.path] == ["4401", "440103"]
        top = q.get_site(session, "44")
        assert top.sites_below == {Level.PREFECTURE: 2, Level.COUNTY: 4, Level.TOWNSHIP: 1}
        assert [(z.name, z.kind) for z in top.zones] == [
            ("internal", ZoneKind.INTERNAL),
            ("external", ZoneKind.EXTERNAL),
        ]


def test_scope_4401_never_returns_anything_under_4403(world: tuple[Store, World]) -> None:
    store, w = world
    scope = "4401"
    outside_device = next(d.name for d in w.devices if w.site_of_device[d.name] == "440303")
    unplaced = next(d.name for d in w.devices if w.site_of_device[d.name] is None)
    outside_finding = next(
        f.id
        for f in w.findings
        if (w.site_of_device[f.subject_key.split("#")[0]] or "").startswith("4403")
    )
    with store.session() as session:
        for code in ("4403", "440303", "44"):
            with pytest.raises(NotFound):
                q.get_site(session, code, scope=scope)
            with pytest.raises(NotFound):
                q.list_sites(session, scope=scope, under_code=code)
            with pytest.raises(NotFound):
                q.list_devices(session, scope=scope, site=code)
            with pytest.raises(NotFound):
                q.subtree_kpis(session, ["440103", code], scope=scope)
        for name in (outside_device, unplaced):
            with pytest.raises(NotFound) as refused:
                q.get_device(session, name, scope=scope)
            hint = str(refused.value).partition("did you mean")[2]
            assert all("-4401" in suggested for suggested in hint.strip(" ?").split(", ") if hint)
            for read in (q.list_config_versions, q.config_text):
                with pytest.raises(NotFound):
                    read(session, name, scope=scope)
        with pytest.raises(NotFound):
            q.get_finding(session, outside_finding, scope=scope)

        assert all(
            _under(r.site_code, scope)
            for r in q.list_devices(session, scope=scope, per_page=None).items
        )
        findings = q.list_findings(
            session, scope=scope, states=(), include_not_evaluable=True, per_page=None
        ).items
        assert findings and all(_under(f.site, scope) for f in findings)
        assert len(findings) == sum(
            1 for f in w.findings if _under(w.site_of_device[f.subject_key.split("#")[0]], scope)
        )
        endpoints = q.list_endpoints(session, scope=scope, per_page=None).items
        assert endpoints and all(_under(e.site_code, scope) for e in endpoints)
        outside_mac = next(mac for mac, _, _, code in w.endpoints if code == "440303")
        assert q.list_endpoints(session, scope=scope, address=outside_mac).total == 0
        assert q.list_endpoints(session, address=outside_mac).total == 1
        interfaces = q.list_interfaces(session, scope=scope, per_page=None).items
        assert {i.device for i in interfaces} == {
            d.name for d in w.devices if _under(w.site_of_device[d.name], scope)
        }
        links = q.list_links(session, scope=scope, per_page=None).items
        for link in links:
            assert _under(link.near.site_code, scope)
            assert link.far is None or _under(link.far.site_code, scope)
        expected_links = [
            (a, b)
            for a, b in w.links
            if _under(w.site_of_device[a], scope) or (b and _under(w.site_of_device[b], scope))
        ]
        assert len(links) == len(expected_links)
        hidden = [
            (a, b)
            for a, b in expected_links
            if b and not (_under(w.site_of_device[a], scope) and _under(w.site_of_device[b], scope))
        ]
        assert sum(link.far_hidden for link in links) == len(hidden)
        scan = q.get_scan(session, w.scan_id, scope=scope, per_page=None)
        assert {r.device for r in scan.results.items} == {
            d.name for d in w.devices if _under(w.site_of_device[d.name], scope)
        }
        assert scan.scan.counts.results == scan.results.total
        events = q.list_audit_events(session, scope=scope, per_page=None).items
        assert all("440303" not in e.object_key and "4403|" not in e.object_key for e in events)


def test_findings_filters_equal_brute_force(world: tuple[Store, World]) -> None:
    store, w = world
    cases: list[tuple[dict[str, Any], Callable[[Finding], bool]]] = [
        ({}, lambda f: f.state != FindingState.RESOLVED and f.verdict == "fail"),
        ({"states": (), "include_not_evaluable": True}, lambda f: True),
        (
            {"states": (FindingState.RESOLVED,)},
            lambda f: f.state == FindingState.RESOLVED and f.verdict == "fail",
        ),
        (
            {"severity": Severity.HIGH},
            lambda f: (
                f.severity == Severity.HIGH
                and f.state != FindingState.RESOLVED
                and f.verdict == "fail"
            ),
        ),
        (
            {"states": (), "pack": "isolation"},
            lambda f: f.pack == "isolation" and f.verdict == "fail",
        ),
        (
            {"states": (), "rule": "NET-AUTH-01"},
            lambda f: f.rule_id == "NET-AUTH-01" and f.verdict == "fail",
        ),
        (
            {"states": (), "zone": "internal"},
            lambda f: f.zone_kind == "internal" and f.verdict == "fail",
        ),
        ({"states": (), "mlps_level": 2}, lambda f: f.mlps_level == 2 and f.verdict == "fail"),
        (
            {"states": (), "site": "440103", "include_not_evaluable": True},
            lambda f: (w.site_of_device[f.subject_key.split("#")[0]] or "-").startswith("440103"),
        ),
    ]
    with store.session() as session:
        for filters, keep in cases:
            rows = _all_pages(
                lambda **kw: q.list_findings(session, today=TODAY, **kw), 5, **filters
            )
            assert [r.id for r in rows] == sorted(f.id for f in w.findings if keep(f)), filters


def test_finding_detail_has_evidence_and_every_waiver(world: tuple[Store, World]) -> None:
    store, w = world
    target = w.findings[0].id
    with store.transaction() as session:
        session.add_all(
            [
                Waiver(
                    finding_id=target,
                    reason="old",
                    created_by="li",
                    created_at=T0,
                    until=TODAY - dt.timedelta(days=1),
                ),
                Waiver(
                    finding_id=target,
                    reason="fibre booked",
                    created_by="wang",
                    created_at=T0 + dt.timedelta(hours=1),
                    until=TODAY + dt.timedelta(days=9),
                ),
            ]
        )
    with store.session() as session:
        detail = q.get_finding(session, target, today=TODAY)
    assert detail.finding.evidence == [
        {"kind": "config", "device": w.findings[0].subject_key.split("#")[0], "description": "x"}
    ]
    assert [(x.reason, x.active) for x in detail.waivers] == [
        ("fibre booked", True),
        ("old", False),
    ]
    assert detail.finding.waiver == q.ActiveWaiver(
        by="wang", reason="fibre booked", until=TODAY + dt.timedelta(days=9)
    )


def test_scans_list_show_and_counts(world: tuple[Store, World]) -> None:
    store, w = world
    with store.session() as session:
        scans = q.list_scans(session)
        assert [s.id for s in scans.items] == [w.scan_id, w.scan_id - 1]
        counts = scans.items[0].counts
        n = len(w.devices)
        assert counts.results == n
        assert counts.failed == sum(1 for i in range(n) if i % 4 == 2)
        assert counts.skipped == sum(1 for i in range(n) if i % 4 == 3)
        assert counts.ok_with_errors == sum(1 for i in range(n) if i % 8 == 0)
        assert counts.ok + counts.ok_with_errors + counts.failed + counts.skipped == n
        partial = q.get_scan(
            session, w.scan_id, outcome=Outcome.OK, with_errors=True, per_page=None
        )
        assert partial.results.total == counts.ok_with_errors
        assert all(
            r.part_errors == [q.PartError(part=None, code="malformed", message="fdb: cut walk")]
            for r in partial.results.items
        )
        with pytest.raises(NotFound):
            q.get_scan(session, 999)


def test_device_detail_gathers_everything(world: tuple[Store, World]) -> None:
    store, w = world
    first, second = w.devices[0], w.devices[1]
    with store.session() as session:
        detail = q.get_device(session, first.name)
        assert detail.device.name == first.name
        assert detail.identity.sys_name == "SYS0" and detail.identity.serial == "SN00000"
        assert [i.name for i in detail.interfaces] == ["Gi0/1", "Gi0/2", "Gi0/3"]
        assert [
            (n.near.interface, n.far.device if n.far else n.remote_system_name)
            for n in detail.neighbours
        ] == [("Gi0/1", "stranger" if first.id % 5 == 0 else second.name)]
        assert [e.interface for e in detail.endpoints] == ["Gi0/3", "Gi0/2", None]
        assert [(c.number, c.added, c.removed) for c in detail.configs] == [
            (1, 1, 0),
            (2, 1, 0),
            (3, 1, 2),
        ]
        assert detail.last_scan is not None and detail.last_scan.scan_id == w.scan_id
        assert [r.method for r in detail.last_scan.results] == ["snmp"]
        assert {f.id for f in detail.findings} == {
            f.id for f in w.findings if f.device_id == first.id and f.state != FindingState.RESOLVED
        }
        neighbour = q.get_device(session, second.name).neighbours
        assert all(n.near.device == second.name for n in neighbour)
        with pytest.raises(NotFound) as missing:
            q.get_device(session, "dev-000-4")
        assert "did you mean" in str(missing.value)


def test_config_text_and_diff_by_any_version_number(world: tuple[Store, World]) -> None:
    store, w = world
    name = w.devices[0].name
    with store.session() as session:
        assert q.config_text(session, name).text == "hostname b\n"
        assert q.config_text(session, name, 1).text == "hostname a\n"
        assert q.config_text(session, name, -2).version.number == 2
        diff = q.config_diff(session, name, 1, -1)
        assert (diff.old.number, diff.new.number) == (1, 3)
        assert "-hostname a\n+hostname b\n" in diff.unified
        assert q.config_diff(session, name).old.number == 2
        assert q.config_diff(session, name, 2, 2).unified == ""
        with pytest.raises(NotFound, match="there is no version 4"):
            q.config_text(session, name, 4)
        with pytest.raises(NotFound, match="no configuration stored"):
            q.config_text(session, w.devices[1].name)
        # By management address, unless several devices share it.
        assert q.config_text(session, w.devices[0].mgmt_address or "").device == name
    with store.transaction() as session:
        session.get(Device, w.devices[1].id).mgmt_address = w.devices[0].mgmt_address  # type: ignore[union-attr]
    with store.session() as session, pytest.raises(UserError, match="shared by 2 devices"):
        q.config_text(session, w.devices[0].mgmt_address or "")


def test_endpoints_by_mac_in_any_spelling_or_ip(world: tuple[Store, World]) -> None:
    store, w = world
    mac, ip, device, _ = w.endpoints[4]
    with store.session() as session:
        for spelling in (mac, mac.upper().replace(":", "-"), mac.replace(":", "")):
            found = q.list_endpoints(session, address=spelling).items
            assert [(e.mac, e.device) for e in found] == [(mac, device)]
        assert [e.mac for e in q.list_endpoints(session, address=ip or "").items] == [mac]
        with pytest.raises(UserError, match="expected a MAC address"):
            q.list_endpoints(session, address="not-an-address")


def test_audit_events_scoped_by_object(world: tuple[Store, World]) -> None:
    store, w = world
    inside = w.findings[0]
    outside = next(
        f for f in w.findings if w.site_of_device[f.subject_key.split("#")[0]] == "440303"
    )
    with store.transaction() as session:
        for finding in (inside, outside):
            session.add(
                AuditEvent(
                    at=T0,
                    actor="wang",
                    action="finding.waived",
                    object_kind="finding",
                    object_key=f"{finding.rule_id}|{finding.subject_key}",
                )
            )
        session.add(
            AuditEvent(
                at=T0, actor="li", action="inventory.load", object_kind="site", object_key="440303"
            )
        )
        session.add(
            AuditEvent(
                at=T0,
                actor="li",
                action="inventory.load",
                object_kind="credential",
                object_key="snmp-ro",
            )
        )
    inside_code = w.site_of_device[inside.subject_key.split("#")[0]]
    with store.session() as session:
        everything = q.list_audit_events(session, per_page=None)
        assert everything.total == 4
        scoped = q.list_audit_events(session, scope="4403", per_page=None).items
        assert sorted(e.object_key for e in scoped) == sorted(
            ["440303", f"{outside.rule_id}|{outside.subject_key}"]
            + ([f"{inside.rule_id}|{inside.subject_key}"] if _under(inside_code, "4403") else [])
        )
        assert [
            e.actor for e in q.list_audit_events(session, actor="wang", per_page=None).items
        ] == ["wang", "wang"]


def test_topology_of_a_subtree(world: tuple[Store, World]) -> None:
    store, w = world
    with store.session() as session:
        drawn = q.topology(session, "4401")
    in_subtree = {d.name for d in w.devices if (w.site_of_device[d.name] or "-").startswith("4401")}
    assert {d.name for d in drawn.devices} == in_subtree
    assert all(link.near.device in in_subtree for link in drawn.links)
    assert len(drawn.links) == sum(
        1 for a, b in w.links if a in in_subtree or (b is not None and b in in_subtree)
    )


def test_identity_and_part_errors_read_the_columns_other_branches_add() -> None:
    """sys_location, sys_contact, uptime_seconds and scan_results.part_errors arrive with
    another schema revision: the read side shows them when a row has them."""
    device = Device(name="sw", sys_descr="Huawei VRP", sys_object_id="1.3.6.1.4.1.2011.2.23")
    assert q.devices.identity(device).sys_location is None
    device.sys_location = "荔湾区机房 3F"  # type: ignore[attr-defined]
    device.sys_contact = "noc@example.gov.cn"  # type: ignore[attr-defined]
    device.uptime_seconds = 3_560_000.0  # type: ignore[attr-defined]
    ident = q.devices.identity(device)
    assert (ident.sys_location, ident.sys_contact, ident.uptime_seconds) == (
        "荔湾区机房 3F",
        "noc@example.gov.cn",
        3_560_000.0,
    )
    result = ScanResult(outcome=Outcome.OK, error_code="malformed", error="fdb: cut walk")
    assert q.scans.part_errors(result) == [
        q.PartError(part=None, code="malformed", message="fdb: cut walk")
    ]
    result.part_errors = [  # type: ignore[attr-defined]
        {"part": "fdb", "code": "cut", "message": "walk stopped at a loop"},
        "lldp: undecodable text",
    ]
    assert q.scans.part_errors(result) == [
        q.PartError(part="fdb", code="cut", message="walk stopped at a loop"),
        q.PartError(part=None, code=None, message="lldp: undecodable text"),
    ]
    assert q.scans.part_errors(ScanResult(outcome=Outcome.FAILED, error="timeout")) == []
